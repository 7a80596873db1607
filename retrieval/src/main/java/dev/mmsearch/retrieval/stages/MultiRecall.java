package dev.mmsearch.retrieval.stages;

import dev.mmsearch.retrieval.Candidate;
import dev.mmsearch.core.PassageMatch;
import dev.mmsearch.retrieval.NestedStages;
import dev.mmsearch.retrieval.RecallStage;
import dev.mmsearch.retrieval.RequestContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * recall {@code multi}: runs several recalls (e.g. vector + BM25) for the same request and merges
 * their candidates by id. A merged candidate keeps the score of every recall that found it in its
 * score map, under that recall's name; a recall that did not find it has no entry (absent, not 0),
 * so fusion can tell "not found" from "scored 0".
 *
 * <p>Merged order (what rank {@code none} would keep): interleaved by rank: every recall's first
 * candidate (in configuration order), then every recall's second, and so on, each id at its best
 * position; ties by id. A merged candidate's {@code score} is the score of the recall that placed
 * it there. Fusion stages ({@code rrf}, {@code weighted}) give the real order.
 *
 * <p>The recalls run one after the other on the request thread (the query vector is shared
 * through the request context, so it is encoded once).
 */
public final class MultiRecall implements RecallStage {
    public static final String TYPE = "multi";

    /** @param recalls the recalls, each {@code {type: vector|bm25, name?: ..., ...their params}}; at least one, distinct names */
    public record Params(List<Map<String, Object>> recalls) {
        public Params {
            if (recalls == null || recalls.isEmpty()) {
                throw new IllegalArgumentException("parameter 'recalls' must list at least one recall, e.g. "
                        + "[{type: vector, k: 100}, {type: bm25, k: 100}]");
            }
            recalls = List.copyOf(recalls);
        }
    }

    private final List<RecallStage> recalls;
    private final List<String> names;

    public MultiRecall(List<RecallStage> recalls) {
        this.recalls = List.copyOf(recalls);
        List<String> all = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (RecallStage recall : this.recalls) {
            for (String name : recall.recallNames()) {
                if (!seen.add(name)) {
                    throw new IllegalArgumentException("two recalls are named '" + name
                            + "'; give each a distinct 'name' (their scores are keyed by it)");
                }
                all.add(name);
            }
        }
        this.names = List.copyOf(all);
    }

    /** Factory for the registry: builds each listed recall through it. */
    public static MultiRecall create(Params params, NestedStages nested) {
        List<RecallStage> built = new ArrayList<>();
        for (int i = 0; i < params.recalls().size(); i++) {
            Map<String, Object> spec = params.recalls().get(i);
            if (spec != null && TYPE.equals(String.valueOf(spec.get("type")))) {
                throw new IllegalArgumentException("parameter 'recalls[" + i + "]' is itself a multi recall; list its recalls directly");
            }
            built.add(nested.recall("recalls[" + i + "]", spec));
        }
        return new MultiRecall(built);
    }

    @Override
    public List<Candidate> recall(RequestContext context) {
        List<List<Candidate>> lists = new ArrayList<>(recalls.size());
        for (RecallStage recall : recalls) {
            lists.add(recall.recall(context));
        }
        return merge(lists);
    }

    @Override
    public List<String> recallNames() {
        return names;
    }

    /** Merges recall results by id (see the class comment for the order and score maps). Pure. */
    public static List<Candidate> merge(List<List<Candidate>> lists) {
        record Slot(int rank, int list, Candidate first) {
        }
        Map<String, Map<String, Float>> scores = new LinkedHashMap<>();
        Map<String, Slot> best = new LinkedHashMap<>();
        Map<String, PassageMatch> passages = new HashMap<>();
        for (int l = 0; l < lists.size(); l++) {
            List<Candidate> list = lists.get(l);
            for (int r = 0; r < list.size(); r++) {
                Candidate c = list.get(r);
                scores.computeIfAbsent(c.id(), id -> new LinkedHashMap<>()).putAll(c.scores());
                if (c.passage() != null) {
                    passages.putIfAbsent(c.id(), c.passage());
                }
                Slot slot = best.get(c.id());
                if (slot == null || r < slot.rank()) {
                    best.put(c.id(), new Slot(r, l, c));
                }
            }
        }
        List<Map.Entry<String, Slot>> ordered = new ArrayList<>(best.entrySet());
        ordered.sort(Comparator.comparingInt((Map.Entry<String, Slot> e) -> e.getValue().rank())
                .thenComparingInt(e -> e.getValue().list())
                .thenComparing(Map.Entry::getKey));
        List<Candidate> merged = new ArrayList<>(ordered.size());
        for (Map.Entry<String, Slot> e : ordered) {
            merged.add(new Candidate(e.getKey(), e.getValue().first().score(), scores.get(e.getKey()),
                    e.getValue().first().doc(), passages.get(e.getKey())));
        }
        return merged;
    }
}
