package dev.mmsearch.retrieval;

import dev.mmsearch.core.Hit;
import java.util.List;

/** Turns the requested page of ranked candidates into hits with their document fields. */
@FunctionalInterface
public interface SummaryStage extends Stage {
    /**
     * @param page   the candidates of the page, in rank order
     * @param offset rank of the page's first candidate minus one (hit ranks are {@code offset + i + 1})
     */
    List<Hit> summarize(RequestContext context, List<Candidate> page, int offset);
}
