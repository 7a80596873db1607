package dev.mmsearch.retrieval;

import dev.mmsearch.core.Hit;
import java.util.List;
import java.util.Map;

/**
 * The answer to one {@link SearchQuery}: what a {@link Pipeline} returns, {@code Engine.search} returns, and the
 * search API writes as JSON (field order = component order).
 *
 * @param queryId         identifies this response in {@code POST /api/v1/feedback}
 * @param collection      collection searched
 * @param model           the model of the collection's stamp
 * @param scene           scene that served the request
 * @param configVersion   version of the experiment configuration that served it
 * @param arms            layer name → arm name in stage order, for every layer of the scene (stages without a layer ran their default)
 * @param offset          results skipped
 * @param topK            page size asked for
 * @param totalCandidates length of the ranked list the page was cut from
 * @param hits            the page; hit ranks are 1-based positions in the whole ranked list
 * @param timingsMs       wall milliseconds: {@code qp}, {@code encode} (when a vector recall ran),
 *                        {@code recall} and {@code recall.<name>} per recall (a vector recall's time includes the
 *                        encoding), {@code rank}, {@code summary}, {@code total}
 * @param debug           null unless the request asked for debug
 */
public record SearchResult(String queryId, String collection, String model, String scene, String configVersion,
                           Map<String, String> arms, int offset, int topK, int totalCandidates, List<Hit> hits,
                           Map<String, Double> timingsMs, Debug debug) {
    public SearchResult {
        arms = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(arms)); // stage order
        hits = List.copyOf(hits);
    }

    /** The same result with other hits (e.g. with links added to their fields). */
    public SearchResult withHits(List<Hit> newHits) {
        return new SearchResult(queryId, collection, model, scene, configVersion, arms, offset, topK, totalCandidates,
                newHits, timingsMs, debug);
    }

    /**
     * What each stage did, for the debug view.
     *
     * @param queryText  the query text after qp
     * @param candidates stage ({@code recall.<name>}, {@code recall}, {@code rank}) → its first
     *                   {@value Trace#MAX_DEBUG_CANDIDATES} candidates with their score maps
     */
    public record Debug(String queryText, Map<String, List<Candidate>> candidates) {
    }
}
