package dev.mmsearch.store.opensearch;

import dev.mmsearch.core.CollectionView;
import dev.mmsearch.core.DocRef;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.HighlightFragment;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.QueryChecks;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorQuery;
import dev.mmsearch.core.VectorSimilarity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A read view of an OpenSearch collection. Each call reads the index as of its last refresh (searches, and fetch
 * and vectors with {@code realtime=false}), so calls of one view see the same documents unless a refresh happens
 * between them. With the store's default {@code refresh_interval: -1} a refresh happens only on a commit, so a
 * request sees a commit either before or after all of its calls only if no commit lands while it runs; a hit whose
 * document was deleted meanwhile is then left out of fetch. (A true point in time would need OpenSearch's
 * point-in-time API for every call, which mget does not support.) Holds nothing to release.
 */
final class OpenSearchView implements CollectionView {
    private static final int SCROLL_PAGE = 500;

    private final OpenSearchCollection collection;
    private final IndexClient client;

    OpenSearchView(OpenSearchCollection collection, IndexClient client) {
        this.collection = collection;
        this.client = client;
    }

    @Override
    public long count() {
        return collection.count();
    }

    @Override
    public List<ScoredId> search(VectorQuery query) {
        Objects.requireNonNull(query, "query");
        QueryChecks.requireValid(collection.name(), collection.stamp(), collection.schema(), query);
        VectorSimilarity metric = query.field() == null ? collection.stamp().metric()
                : collection.schema().vectorField(query.field()).stamp().metric();
        boolean passages = collection.schema().hasPassages() && query.field() == null;
        return client.search(collection.queries().vector(query), Map.of(),
                score -> DocumentLayout.similarity(metric, score),
                passages ? collection.schema().passages().field() : null);
    }

    @Override
    public List<ScoredId> search(TextQuery query) {
        Objects.requireNonNull(query, "query");
        QueryChecks.requireValid(collection.name(), collection.schema(), query);
        return client.search(collection.queries().text(query), Map.of("search_type", "dfs_query_then_fetch"),
                score -> score);
    }

    @Override
    public Map<String, Document> fetch(List<DocRef> refs) {
        Map<String, Document> found = new LinkedHashMap<>();
        client.mget(ids(refs), DocumentLayout.FIELDS)
                .forEach((id, source) -> found.put(id, new Document(id, DocumentLayout.fieldsOf(source))));
        return found;
    }

    /** {@inheritDoc} <p>One {@code _mget} of the stored vectors. */
    @Override
    public Map<String, float[]> vectors(List<DocRef> refs) {
        Map<String, float[]> found = new LinkedHashMap<>();
        client.mget(ids(refs), DocumentLayout.VECTOR)
                .forEach((id, source) -> found.put(id, DocumentLayout.vectorOf(source)));
        return found;
    }

    private static List<String> ids(List<DocRef> refs) {
        Objects.requireNonNull(refs, "refs");
        return refs.stream().filter(Objects::nonNull).map(DocRef::id).toList();
    }

    /**
     * {@inheritDoc}
     *
     * <p>One search request for the page (an {@code ids} query sized to it): OpenSearch's unified highlighter over
     * its stored copies of these documents' {@code txt.<field>} (re-analysed with the collection's analyzer, e.g. {@code english}, so
     * "running" marks "runs"), matches tagged with private-use characters and split into runs
     * ({@link TaggedHighlights}), at most 3 fragments of about 160 characters per field, best first, as
     * the embedded store. Only the schema's text fields can be highlighted here (the embedded store also highlights
     * other stored fields); other fields are left out.
     */
    @Override
    public Map<String, Map<String, List<HighlightFragment>>> highlight(List<Document> documents, String query,
                                                            List<String> fields) {
        QueryChecks.requireHighlightArguments(documents, query, fields);
        List<String> ids = documents.stream().map(Document::id).distinct().toList();
        List<String> textFields = new ArrayList<>(new LinkedHashSet<>(fields));
        textFields.removeIf(f -> f == null || !collection.schema().textFields().contains(f));
        if (textFields.isEmpty() || query.isBlank() || ids.isEmpty()) {
            return Map.of();
        }
        JsonNode hits = client.call("POST", "/_search", Map.of(), highlightBody(ids, query, textFields), "highlight")
                .path("hits").path("hits");
        Map<String, Map<String, List<HighlightFragment>>> byId = new LinkedHashMap<>();
        for (JsonNode hit : hits) {
            JsonNode found = hit.path("highlight");
            Map<String, List<HighlightFragment>> highlighted = new LinkedHashMap<>();
            for (String field : textFields) {
                JsonNode fragments = found.path(DocumentLayout.TEXT_PREFIX + "." + field);
                List<HighlightFragment> out = new ArrayList<>();
                fragments.forEach(f -> {
                    HighlightFragment fragment = TaggedHighlights.fragment(f.asString());
                    if (fragment != null) {
                        out.add(fragment);
                    }
                });
                if (!out.isEmpty()) {
                    highlighted.put(field, List.copyOf(out));
                }
            }
            if (!highlighted.isEmpty()) {
                byId.put(hit.path("_id").asString(), highlighted);
            }
        }
        // In the order of the ids asked for (OpenSearch orders hits by score).
        Map<String, Map<String, List<HighlightFragment>>> ordered = new LinkedHashMap<>();
        for (String id : ids) {
            if (byId.containsKey(id)) {
                ordered.put(id, byId.get(id));
            }
        }
        return ordered;
    }

    private static ObjectNode highlightBody(List<String> ids, String query, List<String> textFields) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("size", ids.size());
        body.put("_source", false);
        ArrayNode values = body.putObject("query").putObject("ids").putArray("values");
        ids.forEach(values::add);
        ObjectNode highlight = body.putObject("highlight");
        highlight.put("type", "unified");
        highlight.put("encoder", "default"); // the raw text, not HTML-escaped
        highlight.putArray("pre_tags").add(TaggedHighlights.PRE_TAG);
        highlight.putArray("post_tags").add(TaggedHighlights.POST_TAG);
        highlight.put("order", "score");
        highlight.put("fragment_size", 160);
        highlight.put("number_of_fragments", 3);
        highlight.put("no_match_size", 0);
        ObjectNode perField = highlight.putObject("fields");
        for (String field : textFields) {
            String name = DocumentLayout.TEXT_PREFIX + "." + field;
            perField.putObject(name).putObject("highlight_query").putObject("match").putObject(name)
                    .put("query", query);
        }
        return body;
    }

    /**
     * {@inheritDoc}
     *
     * <p>A scroll (a point-in-time view of the refreshed index) in {@code _doc} order, {@value #SCROLL_PAGE} documents
     * a page; the scroll is cleared at the end, also when the consumer throws.
     */
    @Override
    public void forEachDocument(Consumer<EmbeddedDocument> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("size", SCROLL_PAGE);
        body.putArray("sort").add("_doc");
        ArrayNode wanted = body.putArray("_source").add(DocumentLayout.FIELDS).add(DocumentLayout.VECTOR);
        collection.schema().vectors().forEach(f -> wanted.add(DocumentLayout.vectorField(f.name())));
        if (collection.schema().hasPassages()) {
            wanted.add(DocumentLayout.PASSAGES);
        }
        client.scroll(body, hit -> {
            JsonNode source = hit.path("_source");
            consumer.accept(new EmbeddedDocument(new Document(hit.path("_id").asString(),
                    DocumentLayout.fieldsOf(source)), DocumentLayout.vectorOf(source),
                    DocumentLayout.passagesOf(source), DocumentLayout.namedOf(source, collection.schema())));
        });
    }

    @Override
    public void close() {
        // nothing held: every call is its own request
    }
}
