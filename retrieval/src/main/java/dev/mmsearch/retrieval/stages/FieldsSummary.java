package dev.mmsearch.retrieval.stages;

import dev.mmsearch.core.Document;
import dev.mmsearch.core.HighlightFragment;
import dev.mmsearch.core.Hit;
import dev.mmsearch.retrieval.Candidate;
import dev.mmsearch.core.PassageMatch;
import dev.mmsearch.retrieval.ParamChecks;
import dev.mmsearch.retrieval.RequestContext;
import dev.mmsearch.retrieval.SummaryStage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * summary {@code fields}: fetches the page's stored documents and returns the chosen fields,
 * optionally cutting long text and adding BM25 highlights. Highlights (from
 * {@link dev.mmsearch.core.CollectionView#highlight}) go into the hit's fields under
 * {@value #HIGHLIGHTS_FIELD} as {@code {field: [fragment, ...]}}, only for fields with a match, best
 * fragment first; each fragment is a {@link HighlightFragment}, in JSON the array of its runs of raw
 * (unescaped) text: {@code {"text": [[{"text": "Cats ", "match": false}, {"text": "purr", "match": true}], ...]}}.
 * The page is read from the request's view, the one its recalls searched, so every hit has the fields of the
 * document that was scored.
 */
public final class FieldsSummary implements SummaryStage {
    public static final String TYPE = "fields";
    /**
     * Field holding, in a hit of a collection with passages, the passage that matched best:
     * {@code {"field", "index", "start", "end", "text"}}, offsets in the field's text; its highlights are the passage's.
     */
    public static final String PASSAGE_FIELD = "_passage";

    /** Field holding the highlights in a hit. */
    public static final String HIGHLIGHTS_FIELD = "_highlights";
    private static final String ELLIPSIS = "…";

    /**
     * @param fields       fields to return, in this order (default: all stored fields)
     * @param highlight    text fields to highlight (default: none)
     * @param maxTextChars cut string values longer than this, 1..1000000, adding "…" (default: no limit;
     *                     highlights are never cut: they are short fragments already)
     */
    public record Params(List<String> fields, List<String> highlight, Integer maxTextChars) {
        public Params {
            fields = ParamChecks.fieldNames("fields", fields, null);
            highlight = ParamChecks.fieldNames("highlight", highlight, List.of());
            if (maxTextChars != null) {
                ParamChecks.intIn("maxTextChars", maxTextChars, 0, 1, 1_000_000);
            }
        }
    }

    private final Params params;

    public FieldsSummary(Params params) {
        this.params = params;
    }

    @Override
    public List<Hit> summarize(RequestContext context, List<Candidate> page, int offset) {
        Map<String, Document> docs = context.view().fetch(page.stream().map(Candidate::ref).toList());
        // One call for the page: the store prepares the query once (and OpenSearch answers in one round trip).
        Map<String, Map<String, List<HighlightFragment>>> highlights =
                params.highlight().isEmpty() || context.queryText().isBlank() || docs.isEmpty()
                        ? Map.of()
                        : context.view().highlight(highlighted(docs, page), context.queryText(), params.highlight());
        List<Hit> hits = new ArrayList<>(page.size());
        for (int i = 0; i < page.size(); i++) {
            Candidate c = page.get(i);
            Document doc = docs.get(c.id());
            Map<String, Object> fields = doc == null ? new LinkedHashMap<>() : select(doc.fields());
            Map<String, List<HighlightFragment>> marked = highlights.get(c.id());
            if (marked != null && !marked.isEmpty()) {
                fields.put(HIGHLIGHTS_FIELD, marked);
            }
            if (c.passage() != null && doc != null) {
                fields.put(PASSAGE_FIELD, passage(c.passage(), doc));
            }
            hits.add(new Hit(c.id(), offset + i + 1, c.score(), c.scores(), java.util.Collections.unmodifiableMap(fields)));
        }
        return hits;
    }

    /**
     * The page's documents as the highlighter sees them: a document that a passage matched has its passage field
     * replaced by that passage, so the highlight shows the text that answers, not the field's first match.
     */
    private static List<Document> highlighted(Map<String, Document> docs, List<Candidate> page) {
        List<Document> out = new ArrayList<>(docs.size());
        Map<String, PassageMatch> passages = new LinkedHashMap<>();
        page.stream().filter(c -> c.passage() != null).forEach(c -> passages.put(c.id(), c.passage()));
        for (Document doc : docs.values()) {
            PassageMatch match = passages.get(doc.id());
            if (match == null) {
                out.add(doc);
                continue;
            }
            Map<String, Object> fields = new LinkedHashMap<>(doc.fields());
            fields.put(match.field(), match.textIn(doc));
            out.add(new Document(doc.id(), fields));
        }
        return out;
    }

    private static Map<String, Object> passage(PassageMatch match, Document doc) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("field", match.field());
        out.put("index", match.index());
        out.put("start", match.start());
        out.put("end", match.end());
        out.put("text", match.textIn(doc));
        return out;
    }

    private Map<String, Object> select(Map<String, Object> stored) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (params.fields() == null) {
            stored.forEach((name, value) -> out.put(name, cut(value)));
        } else {
            for (String name : params.fields()) {
                if (stored.containsKey(name)) {
                    out.put(name, cut(stored.get(name)));
                }
            }
        }
        return out;
    }

    private Object cut(Object value) {
        Integer max = params.maxTextChars();
        if (max == null || !(value instanceof String s) || s.codePointCount(0, s.length()) <= max) {
            return value;
        }
        return s.substring(0, s.offsetByCodePoints(0, max)) + ELLIPSIS;
    }
}
