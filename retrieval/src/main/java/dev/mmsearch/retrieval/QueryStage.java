package dev.mmsearch.retrieval;

/** Query processing (qp): turns the raw query text into the text recalls and highlighting use. */
@FunctionalInterface
public interface QueryStage extends Stage {
    /** The rewritten query text (may be the input unchanged). */
    String rewrite(RequestContext context);
}
