package dev.mmsearch.ingest;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.CollectionView;
import dev.mmsearch.core.DocRef;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.FieldValues;
import dev.mmsearch.core.GroupCommit;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.SearchCollection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Writes documents into a collection while it serves: validates each document against the schema, embeds the good
 * ones with the collection's model in length-sorted batches (the indexer's batching), isolates inputs the model
 * refuses, upserts, and returns only once a commit that holds the writes is durable ({@link GroupCommit}). Each
 * document gets its own outcome: a bad one fails alone and the others are written.
 */
public final class OnlineWriter {
    /** Stable per-item codes besides {@link BulkBody}'s. */
    public static final String INVALID_FIELD = "invalid_field";
    public static final String NOTHING_TO_EMBED = "nothing_to_embed";
    public static final String MODEL_REFUSED = "model_refused";

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
        Outcome[] outcomes = new Outcome[items.size()];
        List<Pending> pending = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            BulkBody.Item item = items.get(i);
            if (!item.ok()) {
                outcomes[i] = new Outcome(item.position(), item.id(), "failed", item.code(), item.message());
                continue;
            }
            String problem = fieldProblem(collection.schema(), item.document());
            String input = problem == null ? embedder.input(item.document()) : null;
            if (problem != null) {
                outcomes[i] = failed(item, INVALID_FIELD, problem);
            } else if (input == null || input.isBlank()) {
                outcomes[i] = failed(item, NOTHING_TO_EMBED, embedder.emptyReason());
            } else {
                pending.add(new Pending(i, item, input, 0));
            }
        }
        List<EmbeddedDocument> embedded = new ArrayList<>(pending.size());
        List<Pending> written = new ArrayList<>(pending.size());
        embed(measured(pending), embedded, written, outcomes);
        if (!embedded.isEmpty()) {
            Set<String> existing = existing(written);
            collection.upsert(embedded);
            commits.awaitDurable(commits.written());
            for (Pending p : written) {
                String id = p.item().id();
                outcomes[p.index()] = new Outcome(p.item().position(), id, existing.contains(id) ? "updated"
                        : "created", null, null);
            }
        }
        return List.of(outcomes);
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
            float[][] vectors;
            try {
                vectors = embedder.embed(batch.stream().map(Pending::input).toList());
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
                embedded.add(new EmbeddedDocument(batch.get(i).item().document(), vectors[i]));
                written.add(batch.get(i));
            }
        }
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
        Set<String> existing;
        try (CollectionView view = collection.openView()) {
            existing = view.fetch(DocRef.ofIds(ids)).keySet();
        }
        collection.delete(ids);
        commits.awaitDurable(commits.written());
        return ids.stream().filter(existing::contains).toList();
    }

    /** Deletes every document matching {@code filter}, durably. @return how many matched */
    public long deleteMatching(dev.mmsearch.core.Filter filter) {
        long matched = collection.deleteMatching(filter);
        commits.awaitDurable(commits.written());
        return matched;
    }

    /** The stored document, or null. */
    public Document get(String id) {
        return collection.fetch(List.of(id)).get(id);
    }
}
