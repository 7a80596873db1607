package dev.mmsearch.retrieval;

/**
 * Builds one stage from its typed, already validated parameter record.
 *
 * @param <P> the parameter record
 */
@FunctionalInterface
public interface StageFactory<P> {
    /**
     * @param params the stage's parameters
     * @param nested builds stages nested in this one (e.g. the recalls of {@code multi})
     * @throws IllegalArgumentException when the parameters do not fit together; the message names the parameter
     */
    Stage create(P params, NestedStages nested);
}
