package dev.mmsearch.retrieval;

import java.util.List;

/**
 * Finds candidates for a request. A recall retrieves {@code max(offset + topK, its own k)}
 * candidates, best first (ties by id), each carrying its score under the recall's name.
 */
public interface RecallStage extends Stage {
    List<Candidate> recall(RequestContext context);

    /** Names under which this recall records scores, in order (one per leaf recall). */
    List<String> recallNames();
}
