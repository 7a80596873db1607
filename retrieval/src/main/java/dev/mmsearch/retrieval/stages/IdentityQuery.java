package dev.mmsearch.retrieval.stages;

import dev.mmsearch.retrieval.QueryStage;
import dev.mmsearch.retrieval.RequestContext;

/** qp {@code identity}: the query text unchanged. The default qp stage. No parameters. */
public final class IdentityQuery implements QueryStage {
    public static final String TYPE = "identity";
    public static final IdentityQuery INSTANCE = new IdentityQuery();

    /** No parameters. */
    public record Params() {
    }

    private IdentityQuery() {
    }

    @Override
    public String rewrite(RequestContext context) {
        return context.query().text();
    }
}
