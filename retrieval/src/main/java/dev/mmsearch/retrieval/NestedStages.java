package dev.mmsearch.retrieval;

import dev.mmsearch.core.experiment.StageKind;
import java.util.Map;

/**
 * Lets a composite stage ({@code multi}, {@code chain}) build its parts through the same
 * {@link StageRegistry}, so nested parameters are typed and validated like top-level ones and
 * errors say where in the arm they are.
 *
 * @param registry the registry building the enclosing stage
 * @param where    location of the enclosing stage for messages, e.g. {@code arm 'hybrid'}
 */
public record NestedStages(StageRegistry registry, String where) {

    /** The recall described by {@code params} (which must name its {@code type}), found at {@code path} in the parent. */
    public RecallStage recall(String path, Object params) {
        return registry.create(StageKind.RECALL, where + " " + path, asParams(path, params), RecallStage.class);
    }

    /** The rank stage described by {@code params}, found at {@code path} in the parent. */
    public RankStage rank(String path, Object params) {
        return registry.create(StageKind.RANK, where + " " + path, asParams(path, params), RankStage.class);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> asParams(String path, Object params) {
        if (!(params instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("parameter '" + path + "' must be an object with a 'type', got "
                    + (params == null ? "nothing" : "'" + params + "'"));
        }
        return (Map<String, Object>) map;
    }
}
