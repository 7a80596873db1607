package dev.mmsearch.ingest;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.CollectionView;
import dev.mmsearch.core.DocRef;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.DocumentVersion;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.FieldValues;
import dev.mmsearch.core.GroupCommit;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.SearchCollection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes documents into a collection while it serves: validates each document against the schema, embeds the good
 * ones with the collection's model in length-sorted batches (the indexer's batching), isolates inputs the model
 * refuses, upserts, and returns only once a commit that holds the writes is durable ({@link GroupCommit}). Each
 * document gets its own outcome: a bad one fails alone and the others are written. A document that brings its own
 * vector ({@link BulkBody#VECTOR}), or in a collection with passages its own passages ({@link PassagesJson}), is
 * stored with it after a dimension check ({@link BulkBody#INVALID_VECTOR}); the model does not run for it.
 */
public final class OnlineWriter {
    /** Stable per-item codes besides {@link BulkBody}'s. */
    public static final String INVALID_FIELD = "invalid_field";
    public static final String NOTHING_TO_EMBED = "nothing_to_embed";
    public static final String MODEL_REFUSED = "model_refused";
    /** A merge ({@link #merge}) of an id the collection does not hold. */
    public static final String DOCUMENT_MISSING = "document_missing";
    /** A merge whose document another write changed between its read and its write. */
    public static final String VERSION_CONFLICT = "version_conflict";

    /** Longest keyword value, in UTF-8 bytes (Lucene's term limit). */
    private static final int MAX_TERM_BYTES = 32766;

    /**
     * What happened to one document of a write.
     *
     * @param result {@code created}, {@code updated} or {@code failed}
     */
    public record Outcome(int position, String id, String result, String code, String message) {
        public boolean failed() {
            return code != null;
        }
    }

    private final SearchCollection collection;
    private final DocumentEmbedder embedder;
    private final GroupCommit commits;
    private final int batchSize;

    public OnlineWriter(SearchCollection collection, DocumentEmbedder embedder, GroupCommit commits, int batchSize) {
        this.collection = Objects.requireNonNull(collection, "collection");
        this.embedder = Objects.requireNonNull(embedder, "embedder");
        this.commits = Objects.requireNonNull(commits, "commits");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        this.batchSize = batchSize;
    }

    /** Upserts the good items, durably; one outcome per item, in order. */
    public List<Outcome> upsert(List<BulkBody.Item> items) {
        return upsert(items, null);
    }

    /**
     * Upserts the good items, durably, and when {@code ifVersion} is not null only if the collection holds each
     * item's id at that {@link DocumentVersion version} (meant for one item: a replace with {@code If-Match}).
     *
     * @throws MmsearchException VERSION_CONFLICT when a document is absent or at another version (nothing written)
     */
    public List<Outcome> upsert(List<BulkBody.Item> items, String ifVersion) {
        Outcome[] outcomes = new Outcome[items.size()];
        List<Pending> pending = new ArrayList<>();
        List<Pending> given = new ArrayList<>(); // brought their own vector: stored as given, the model does not run
        for (int i = 0; i < items.size(); i++) {
            BulkBody.Item item = items.get(i);
            if (!item.ok()) {
                outcomes[i] = new Outcome(item.position(), item.id(), "failed", item.code(), item.message());
                continue;
            }
            String problem = fieldProblem(collection.schema(), item.document());
            String input = problem == null && !item.embedded() ? embedder.input(item.document()) : null;
            if (problem != null) {
                outcomes[i] = failed(item, INVALID_FIELD, problem);
            } else if (item.embedded()) {
                String badVector = item.passages() != null ? passagesProblem(item.document(), item.passages())
                        : vectorProblem(item.vector());
                if (badVector == null && item.named() != null) {
                    badVector = namedProblem(item);
                }
                if (badVector != null) {
                    outcomes[i] = failed(item, BulkBody.INVALID_VECTOR, badVector);
                } else {
                    given.add(new Pending(i, item, null, 0));
                }
            } else if (input == null || input.isBlank()) {
                outcomes[i] = failed(item, NOTHING_TO_EMBED, embedder.emptyReason());
            } else {
                pending.add(new Pending(i, item, input, 0));
            }
        }
        List<EmbeddedDocument> embedded = new ArrayList<>(pending.size());
        List<Pending> written = new ArrayList<>(pending.size());
        embed(measured(pending), embedded, written, outcomes);
        for (Pending p : given) {
            embedded.add(new EmbeddedDocument(p.item().document(), p.item().vector(), p.item().passages(),
                    p.item().named()));
            written.add(p);
        }
        inBodyOrder(embedded, written);
        if (!embedded.isEmpty()) {
            List<String> ids = written.stream().map(p -> p.item().id()).toList();
            Set<String> existing = ifVersion == null
                    ? commits.unconditionally(ids, () -> write(written, embedded))
                    : commits.conditionally(ids, () -> {
                        written.forEach(p -> requireVersion(p.item().id(), ifVersion));
                        return write(written, embedded);
                    });
            commits.awaitDurable(commits.written());
            for (Pending p : written) {
                String id = p.item().id();
                outcomes[p.index()] = new Outcome(p.item().position(), id, existing.contains(id) ? "updated"
                        : "created", null, null);
            }
        }
        return List.of(outcomes);
    }

    /** What is wrong with a document's own vector for this collection (its dimension), or null when nothing is. */
    private String vectorProblem(float[] vector) {
        if (collection.schema().hasPassages()) {
            return "collection '" + collection.name() + "' splits field '" + collection.schema().passages().field()
                    + "' into passages, each embedded by the collection's model; a document cannot bring its own \""
                    + BulkBody.VECTOR + "\" there: leave it out, or send its passages as \"" + PassagesJson.KEY + "\"";
        }
        return dimensionProblem("\"" + BulkBody.VECTOR + "\"", vector);
    }

    /**
     * What is wrong with a document's own passages for this collection, or null when nothing is: the collection must
     * split the field, the passages must lie in the field's text, be at most its cap, and have the model's dimension.
     */
    private String passagesProblem(Document document, List<dev.mmsearch.core.Passage> passages) {
        dev.mmsearch.core.PassageOptions options = collection.schema().passages();
        if (options == null) {
            return "collection '" + collection.name() + "' does not split documents into passages; send one \""
                    + BulkBody.VECTOR + "\" instead of \"" + PassagesJson.KEY + "\"";
        }
        if (passages.size() > options.maxPassages()) {
            return "\"" + PassagesJson.KEY + "\" holds " + passages.size() + " passages, more than the "
                    + options.maxPassages() + " collection '" + collection.name() + "' keeps per document";
        }
        int length = FieldValues.joinedText(document.fields().get(options.field())).length();
        for (int i = 0; i < passages.size(); i++) {
            dev.mmsearch.core.Passage passage = passages.get(i);
            if (passage.end() > length) {
                return "\"" + PassagesJson.KEY + "\"[" + i + "] ends at " + passage.end() + ", past the end of field '"
                        + options.field() + "' (" + length + " characters)";
            }
            String problem = dimensionProblem("\"" + PassagesJson.KEY + "\"[" + i + "].vector", passage.vector());
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    /** What is wrong with a document's own named vectors for this collection's vector fields, or null. */
    private String namedProblem(BulkBody.Item item) {
        try {
            FieldValues.requireValidNamedVectors(collection.name(), collection.schema(), new EmbeddedDocument(
                    item.document(), new float[] {1}, List.of(), item.named()));
            return null;
        } catch (MmsearchException e) {
            return e.getMessage();
        }
    }

    private String dimensionProblem(String what, float[] vector) {
        dev.mmsearch.core.ModelStamp stamp = collection.stamp();
        if (vector.length != stamp.dimension()) {
            return what + " has " + vector.length + " numbers but collection '" + collection.name()
                    + "' holds " + stamp.dimension() + "-dimensional vectors of " + stamp.modelId();
        }
        if (stamp.metric() == dev.mmsearch.core.VectorSimilarity.COSINE) {
            for (float value : vector) {
                if (value != 0f) {
                    return null;
                }
            }
            return what + " is all zeros, which has no direction for cosine similarity";
        }
        return null;
    }

    private static Outcome failed(BulkBody.Item item, String code, String message) {
        return new Outcome(item.position(), item.id(), "failed", code, message);
    }

    private record Pending(int index, BulkBody.Item item, String input, int length) {
    }

    private List<Pending> measured(List<Pending> pending) {
        if (pending.isEmpty()) {
            return pending;
        }
        int[] lengths;
        try {
            lengths = embedder.lengths(pending.stream().map(Pending::input).toList());
        } catch (MmsearchException e) {
            if (!DocumentEmbedder.isInputProblem(e)) {
                throw e;
            }
            lengths = new int[pending.size()]; // arrival order; the embed call finds the bad input
        }
        List<Pending> out = new ArrayList<>(pending.size());
        for (int i = 0; i < pending.size(); i++) {
            Pending p = pending.get(i);
            out.add(new Pending(p.index(), p.item(), p.input(), lengths[i]));
        }
        return out;
    }

    private void embed(List<Pending> pending, List<EmbeddedDocument> embedded, List<Pending> written,
                       Outcome[] outcomes) {
        for (List<Pending> batch : Indexer.lengthSortedBatches(pending, Pending::length, batchSize)) {
            List<EmbeddedDocument> vectors;
            try {
                vectors = embedder.embedDocuments(batch.stream().map(p -> p.item().document()).toList(),
                        batch.stream().map(Pending::input).toList());
            } catch (MmsearchException e) {
                if (!DocumentEmbedder.isInputProblem(e) || batch.size() == 1) {
                    if (!DocumentEmbedder.isInputProblem(e)) {
                        throw e;
                    }
                    outcomes[batch.getFirst().index()] = failed(batch.getFirst().item(), MODEL_REFUSED, e.getMessage());
                    continue;
                }
                // One input spoils the batch: embed its documents one by one so only the bad one fails.
                for (Pending p : batch) {
                    embed(List.of(p), embedded, written, outcomes);
                }
                continue;
            }
            for (int i = 0; i < batch.size(); i++) {
                embedded.add(vectors.get(i));
                written.add(batch.get(i));
            }
        }
    }

    /**
     * Puts the embedded documents back in body order (batches ran sorted by length), so that when a body holds the same
     * id twice the later one is written last and wins, as if the documents were written one after the other.
     */
    private static void inBodyOrder(List<EmbeddedDocument> embedded, List<Pending> written) {
        Integer[] order = new Integer[written.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingInt(i -> written.get(i).index()));
        List<EmbeddedDocument> documents = new ArrayList<>(embedded);
        List<Pending> pending = new ArrayList<>(written);
        for (int i = 0; i < order.length; i++) {
            embedded.set(i, documents.get(order[i]));
            written.set(i, pending.get(order[i]));
        }
    }

    /** Upserts; @return the ids of {@code written} that existed before. */
    private Set<String> write(List<Pending> written, List<EmbeddedDocument> embedded) {
        Set<String> existing = existing(written);
        collection.upsert(embedded);
        return existing;
    }

    /** The stored document {@code id} as a view sees it now, or null. */
    private Document stored(String id) {
        try (CollectionView view = collection.openView()) {
            return view.fetch(List.of(DocRef.of(id))).get(id);
        }
    }

    /** Inside {@link GroupCommit#conditionally}: the document is there at {@code version}, or VERSION_CONFLICT. */
    private void requireVersion(String id, String version) {
        Document now = stored(id);
        if (now == null) {
            throw new MmsearchException(ErrorCode.VERSION_CONFLICT, "document '" + id + "' does not exist, so it is"
                    + " not at version " + version + " (If-Match); write it without If-Match to create it");
        }
        String current = DocumentVersion.of(now);
        if (!current.equals(version)) {
            throw conflict(id, version, current);
        }
    }

    private static MmsearchException conflict(String id, String expected, String current) {
        return new MmsearchException(ErrorCode.VERSION_CONFLICT, "document '" + id + "' is at version " + current
                + ", not " + expected + " (If-Match): it changed since it was read; read it again and retry");
    }

    private Set<String> existing(List<Pending> written) {
        try (CollectionView view = collection.openView()) {
            return new HashSet<>(view.fetch(written.stream().map(p -> DocRef.of(p.item().id())).toList()).keySet());
        }
    }

    /**
     * What is wrong with a document's fields for {@code schema} (a numeric field that is not numbers, a keyword value
     * over the term limit), or null when nothing is: checked per document, so the store's all-or-nothing batch check
     * never refuses a whole request for one document.
     */
    static String fieldProblem(CollectionSchema schema, Document document) {
        try {
            for (String field : schema.numericFields()) {
                FieldValues.numbers(document.id(), field, document.fields().get(field));
            }
            for (String field : schema.keywordFields()) {
                for (String value : FieldValues.strings(document.fields().get(field))) {
                    FieldValues.requireTermLength(document.id(), "keyword field '" + field + "'", value,
                            MAX_TERM_BYTES);
                }
            }
            return null;
        } catch (MmsearchException e) {
            if (e.code() != ErrorCode.INVALID_INPUT) {
                throw e;
            }
            return e.getMessage().replace("; nothing of this batch was written", "");
        }
    }

    /** Deletes documents by id, durably. @return the ids that existed */
    public List<String> delete(List<String> ids) {
        return delete(ids, null);
    }

    /**
     * Deletes documents by id, durably; when {@code ifVersion} is not null, only if each is at that version.
     *
     * @return the ids that existed
     * @throws MmsearchException VERSION_CONFLICT when {@code ifVersion} does not match (nothing deleted)
     */
    public List<String> delete(List<String> ids, String ifVersion) {
        java.util.function.Supplier<Set<String>> delete = () -> {
            if (ifVersion != null) {
                ids.forEach(id -> requireVersion(id, ifVersion));
            }
            Set<String> existing;
            try (CollectionView view = collection.openView()) {
                existing = view.fetch(DocRef.ofIds(ids)).keySet();
            }
            collection.delete(ids);
            return existing;
        };
        Set<String> existing = ifVersion == null ? commits.unconditionally(ids, delete)
                : commits.conditionally(ids, delete);
        commits.awaitDurable(commits.written());
        return ids.stream().filter(existing::contains).toList();
    }

    /** Deletes every document matching {@code filter}, durably. @return how many matched */
    public long deleteMatching(dev.mmsearch.core.Filter filter) {
        long matched = commits.unconditionally(null, () -> collection.deleteMatching(filter));
        commits.awaitDurable(commits.written());
        return matched;
    }

    /** {@link #patch(String, Map, String)} without a version to match. */
    public Outcome patch(String id, Map<String, Object> changes) {
        return patch(id, changes, null);
    }

    /**
     * Merges {@code changes} into the stored document {@code id} (a null value removes the field) and writes it,
     * durably. When the merged document embeds to the same input as the stored one (say, only a keyword field
     * changed), its stored vector is kept and the model is not run. A write of the same document that lands between
     * the read and the write is not lost: the patch is then merged again onto it with other writes held off (as
     * Elasticsearch's {@code retry_on_conflict}), unless {@code ifVersion} was given, which makes any change since
     * that version a conflict.
     *
     * @return the outcome ({@code updated}, or {@code failed} with {@link #INVALID_FIELD} or {@link #NOTHING_TO_EMBED}),
     *         or null when there is no document {@code id}
     * @throws MmsearchException VERSION_CONFLICT when the document is not at {@code ifVersion}
     */
    public Outcome patch(String id, Map<String, Object> changes, String ifVersion) {
        // Read, merge and embed without holding other writes off (the common case: nobody wrote it meanwhile)...
        Merge merge = merge(id, changes, ifVersion);
        if (merge.document() == null) {
            return merge.outcome();
        }
        Merge done = commits.conditionally(List.of(id), () -> {
            Document now = stored(id);
            if (now != null && DocumentVersion.of(now).equals(merge.readVersion())) {
                collection.upsert(List.of(merge.document()));
                return merge;
            }
            if (now != null && ifVersion != null) {
                throw conflict(id, ifVersion, DocumentVersion.of(now));
            }
            // ...and when somebody did, merge again onto what they wrote, now with every other write held off.
            Merge again = merge(id, changes, ifVersion);
            if (again.document() != null) {
                collection.upsert(List.of(again.document()));
            }
            return again;
        });
        if (done.document() == null) {
            return done.outcome(); // deleted meanwhile (null), or the merge onto the newer document is invalid
        }
        commits.awaitDurable(commits.written());
        return new Outcome(1, id, "updated", null, null);
    }

    /**
     * Whether a merge re-embeds even an unchanged input: the view hands out a document's main vector only, not its
     * passages or named vectors, so writing that alone back would lose them.
     */
    private boolean reembedsOnMerge() {
        return collection.schema().hasPassages() || !collection.schema().vectors().isEmpty();
    }

    /** {@code changes} merged onto {@code stored}'s fields: a null value removes the field, any other sets it. */
    private static Document mergedOnto(Document stored, Map<String, Object> changes) {
        Map<String, Object> fields = new LinkedHashMap<>(stored.fields());
        changes.forEach((field, value) -> {
            if (value == null) {
                fields.remove(field);
            } else {
                fields.put(field, value);
            }
        });
        return new Document(stored.id(), fields);
    }

    /** A patch merged onto the stored document: the document to write, or the outcome (null: no such document). */
    private record Merge(EmbeddedDocument document, String readVersion, Outcome outcome) {
    }

    private Merge merge(String id, Map<String, Object> changes, String ifVersion) {
        Document stored;
        float[] vector;
        try (CollectionView view = collection.openView()) {
            List<DocRef> ref = List.of(DocRef.of(id));
            stored = view.fetch(ref).get(id);
            vector = stored == null || reembedsOnMerge() ? null : view.vectors(ref).get(id);
        }
        if (stored == null) {
            return new Merge(null, null, null);
        }
        String readVersion = DocumentVersion.of(stored);
        if (ifVersion != null && !ifVersion.equals(readVersion)) {
            throw conflict(id, ifVersion, readVersion);
        }
        Document merged = mergedOnto(stored, changes);
        BulkBody.Item item = new BulkBody.Item(1, id, merged, null, null);
        String problem = fieldProblem(collection.schema(), merged);
        if (problem != null) {
            return new Merge(null, readVersion, failed(item, INVALID_FIELD, problem));
        }
        String input = embedder.input(merged);
        if (input == null || input.isBlank()) {
            return new Merge(null, readVersion, failed(item, NOTHING_TO_EMBED, embedder.emptyReason()));
        }
        if (vector != null && input.equals(embedder.input(stored))) {
            return new Merge(new EmbeddedDocument(merged, vector), readVersion, null); // the stored vector stands
        }
        List<EmbeddedDocument> embedded = new ArrayList<>(1);
        Outcome[] outcome = new Outcome[1];
        embed(measured(List.of(new Pending(0, item, input, 0))), embedded, new ArrayList<>(1), outcome);
        return embedded.isEmpty() ? new Merge(null, readVersion, outcome[0])
                : new Merge(embedded.getFirst(), readVersion, null);
    }
    /**
     * Merges each item's fields into the stored document of its id, many documents at once (the bulk endpoint's
     * {@code ?merge=true}, Elasticsearch's bulk {@code update}): as {@link #patch}, a null removes a field and a
     * document whose embedded input is unchanged keeps its vector without running the model; the others are
     * re-embedded in length-sorted batches. Items of the same id apply in body order. One read of all documents, one
     * write, one commit. An id the collection does not hold fails with {@link #DOCUMENT_MISSING}; a document another
     * write changed between this call's read and its write fails with {@link #VERSION_CONFLICT} (retry it), so no
     * write is lost silently.
     */
    public List<Outcome> merge(List<BulkBody.Item> items) {
        Outcome[] outcomes = new Outcome[items.size()];
        List<DocRef> refs = items.stream().filter(BulkBody.Item::ok).map(i -> i.id()).distinct().map(DocRef::of)
                .toList();
        Map<String, Document> stored;
        Map<String, float[]> vectors;
        try (CollectionView view = collection.openView()) {
            stored = view.fetch(refs);
            vectors = reembedsOnMerge() ? Map.of() // re-embedded, as in a single merge
                    : view.vectors(refs.stream().filter(r -> stored.containsKey(r.id())).toList());
        }
        Map<String, Document> merged = new LinkedHashMap<>();
        Map<String, List<Integer>> itemsOf = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            BulkBody.Item item = items.get(i);
            if (!item.ok()) {
                outcomes[i] = new Outcome(item.position(), item.id(), "failed", item.code(), item.message());
                continue;
            }
            if (item.embedded()) {
                outcomes[i] = failed(item, BulkBody.INVALID_VECTOR, "a merge keeps or re-embeds the stored vector;"
                        + " send \"" + BulkBody.VECTOR + "\" in a plain (not merge) write to replace it");
                continue;
            }
            Document base = merged.getOrDefault(item.id(), stored.get(item.id()));
            if (base == null) {
                outcomes[i] = failed(item, DOCUMENT_MISSING, "collection '" + collection.name() + "' has no document '"
                        + item.id() + "' to merge into; write it without ?merge=true");
                continue;
            }
            Document next = mergedOnto(base, item.document().fields());
            String problem = fieldProblem(collection.schema(), next);
            String input = problem == null ? embedder.input(next) : null;
            if (problem != null) {
                outcomes[i] = failed(item, INVALID_FIELD, problem);
            } else if (input == null || input.isBlank()) {
                outcomes[i] = failed(item, NOTHING_TO_EMBED, embedder.emptyReason());
            } else {
                merged.put(item.id(), next);
                itemsOf.computeIfAbsent(item.id(), k -> new ArrayList<>()).add(i);
            }
        }
        // Keep the vector where the input did not change; embed the rest in batches.
        List<EmbeddedDocument> documents = new ArrayList<>();
        List<Pending> toEmbed = new ArrayList<>();
        Outcome[] embedFailures = new Outcome[items.size()];
        merged.forEach((id, document) -> {
            float[] vector = vectors.get(id);
            String input = embedder.input(document);
            if (vector != null && input.equals(embedder.input(stored.get(id)))) {
                documents.add(new EmbeddedDocument(document, vector));
            } else {
                int last = itemsOf.get(id).getLast();
                toEmbed.add(new Pending(last, new BulkBody.Item(items.get(last).position(), id, document, null, null),
                        input, 0));
            }
        });
        List<Pending> embeddedPending = new ArrayList<>();
        embed(measured(toEmbed), documents, embeddedPending, embedFailures);
        for (Pending p : toEmbed) {
            Outcome failure = embedFailures[p.index()];
            if (failure != null) {
                itemsOf.remove(p.item().id()).forEach(i -> outcomes[i] = failed(items.get(i), failure.code(),
                        failure.message()));
            }
        }
        Set<String> conflicts = commits.conditionally(documents.stream().map(EmbeddedDocument::id).toList(), () -> {
            Set<String> changed = new HashSet<>();
            try (CollectionView view = collection.openView()) {
                Map<String, Document> now = view.fetch(documents.stream().map(d -> DocRef.of(d.id())).toList());
                for (EmbeddedDocument d : documents) {
                    Document current = now.get(d.id());
                    if (current == null || !DocumentVersion.of(current).equals(DocumentVersion.of(stored.get(d.id())))) {
                        changed.add(d.id());
                    }
                }
            }
            List<EmbeddedDocument> unchanged = documents.stream().filter(d -> !changed.contains(d.id())).toList();
            if (!unchanged.isEmpty()) {
                collection.upsert(unchanged);
            }
            return changed;
        });
        commits.awaitDurable(commits.written());
        itemsOf.forEach((id, indexes) -> indexes.forEach(i -> outcomes[i] = conflicts.contains(id)
                ? failed(items.get(i), VERSION_CONFLICT, "document '" + id + "' changed while this merge ran; retry it")
                : new Outcome(items.get(i).position(), id, "updated", null, null)));
        return List.of(outcomes);
    }
}
