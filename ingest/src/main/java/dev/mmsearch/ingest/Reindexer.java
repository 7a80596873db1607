package dev.mmsearch.ingest;

import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.core.VectorField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Re-embeds a collection's stored documents with another model (or into another vector encoding) and switches
 * the collection over atomically: the documents are read from the published version, encoded through the same
 * pipeline as {@code index} ({@link Indexer}) into a new, unpublished version, and the version is published
 * only when every document made it. Searches keep going to the old version the whole time and to the new one
 * right after the switch; the query encoder follows the collection's stamp, so a search never mixes models.
 *
 * <p>Writes to the collection while it is being re-indexed are not carried over: the new version holds the
 * documents as they were when the walk read them. Pause writers during a re-index.
 */
public final class Reindexer {
    private static final Logger log = LoggerFactory.getLogger(Reindexer.class);

    private Reindexer() {
    }

    /**
     * @param encoding  the new version's vector encoding; null keeps the current one
     * @param reportDir where the error report goes if documents fail
     * @throws MmsearchException COLLECTION_NOT_FOUND; INVALID_INPUT when documents could not be re-embedded (the
     *                           old version stays published and the new one is discarded)
     */
    public static ReindexSummary reindex(CollectionStore store, String name, TextEncoder encoder, VectorEncoding encoding,
                                         IndexOptions options, IndexProgress progress, Path reportDir) {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(options, "options");
        SearchCollection current = store.get(name);
        ModelStamp from = current.stamp();
        VectorEncoding targetEncoding = encoding == null ? current.vectorEncoding() : encoding;
        long before = current.count();
        log.info("reindex starting collection={} docs={} from={} to={} vectorEncoding={}", name, before,
                from.describe(), encoder.stamp().describe(), targetEncoding.label());
        SearchCollection version = store.createVersion(name, current.schema(), encoder.stamp(), targetEncoding);
        IndexSummary summary;
        try (CollectionDocumentSource source = new CollectionDocumentSource(current)) {
            // The named vector fields keep their vectors: only the main vector is re-embedded.
            DocumentEmbedder embedder = new ForwardingDocumentEmbedder(DocumentEmbedder.text(encoder, current.schema())) {
                @Override
                public List<EmbeddedDocument> embedDocuments(List<Document> documents, List<String> inputs) {
                    return super.embedDocuments(documents, inputs).stream()
                            .map(d -> d.withNamed(source.takeNamed(d.id()))).toList();
                }
            };
            // Every stored document is valid and unique, so nothing may be skipped: fail on the first problem.
            summary = Indexer.index(source, version, embedder, current.schema(),
                    options.withErrorPolicy(ErrorPolicy.FAIL).withResume(false).withSkipUnchanged(false), progress, reportDir);
            version.commit();
            if (version.count() != before) {
                throw new MmsearchException(ErrorCode.INVALID_INPUT, "re-index of collection '" + name + "' wrote "
                        + version.count() + " documents but the collection holds " + before
                        + " (was it written to during the re-index?); the old version stays published");
            }
        } catch (RuntimeException e) {
            store.discardVersion(name, version);
            log.warn("reindex failed collection={}: {}; old version kept", name, e.getMessage());
            throw e;
        }
        store.publishVersion(name, version);
        log.info("reindex done collection={} docs={} model={} elapsed={}", name, version.count(),
                encoder.stamp().describe(), summary.elapsed());
        return new ReindexSummary(name, from, encoder.stamp(), targetEncoding, before, summary);
    }

    /**
     * Re-embeds one {@link VectorField named vector field} of collection {@code name} with {@code encoder} and switches
     * the collection over atomically, as {@link #reindex} does for the main vector: every other vector (the main one,
     * passages, the other named fields) is copied as stored, bit for bit, and the field's stamp becomes the encoder's.
     * Documents are walked in store order and their field inputs embedded in batches of {@code batchSize}.
     *
     * @throws MmsearchException COLLECTION_NOT_FOUND; INVALID_ARGUMENT for a field the collection does not have or an
     *                           image field; INVALID_INPUT when the count changed during the walk (the old version
     *                           stays published)
     */
    public static ReindexSummary reindexField(CollectionStore store, String name, String field, TextEncoder encoder,
                                              int batchSize, IndexProgress progress) {
        Objects.requireNonNull(encoder, "encoder");
        SearchCollection current = store.get(name);
        VectorField old = current.schema().vectorField(field);
        if (old.isImage()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "vector field '" + field + "' of collection '"
                    + name + "' embeds images; re-index it with an image model (not supported yet)");
        }
        List<VectorField> fields = current.schema().vectors().stream()
                .map(f -> f.name().equals(field) ? f.withStamp(encoder.stamp()) : f).toList();
        long before = current.count();
        long start = System.nanoTime();
        log.info("reindex starting collection={} field={} docs={} from={} to={}", name, field, before,
                old.stamp().describe(), encoder.stamp().describe());
        SearchCollection version = store.createVersion(name, current.schema().withVectors(fields), current.stamp(),
                current.vectorEncoding());
        try {
            List<EmbeddedDocument> batch = new ArrayList<>(batchSize);
            progress.start("reindex " + name + " field " + field, before);
            current.forEachDocument(document -> {
                batch.add(document);
                if (batch.size() == batchSize) {
                    version.upsert(reembedded(batch, old, encoder));
                    progress.advance(batch.size());
                    batch.clear();
                }
            });
            if (!batch.isEmpty()) {
                version.upsert(reembedded(batch, old, encoder));
                progress.advance(batch.size());
            }
            version.commit();
            progress.finish();
            if (version.count() != before) {
                throw new MmsearchException(ErrorCode.INVALID_INPUT, "re-index of field '" + field + "' of collection '"
                        + name + "' wrote " + version.count() + " documents but the collection holds " + before
                        + " (was it written to during the re-index?); the old version stays published");
            }
        } catch (RuntimeException e) {
            store.discardVersion(name, version);
            log.warn("reindex failed collection={} field={}: {}; old version kept", name, field, e.getMessage());
            throw e;
        }
        store.publishVersion(name, version);
        java.time.Duration elapsed = java.time.Duration.ofNanos(System.nanoTime() - start);
        log.info("reindex done collection={} field={} docs={} model={} elapsed={}", name, field, before,
                encoder.stamp().describe(), elapsed);
        return new ReindexSummary(name + "' field '" + field, old.stamp(), encoder.stamp(), current.vectorEncoding(),
                before, new IndexSummary(before, before, 0, 0, 0, elapsed,
                before / Math.max(1e-9, elapsed.toNanos() / 1e9), null));
    }

    /** {@code batch} with field {@code field} embedded again by {@code encoder}; everything else as it was. */
    private static List<EmbeddedDocument> reembedded(List<EmbeddedDocument> batch, VectorField field,
                                                      TextEncoder encoder) {
        List<Integer> at = new ArrayList<>();
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            String input = field.input(batch.get(i).document());
            if (!input.isBlank()) {
                at.add(i);
                inputs.add(input);
            }
        }
        float[][] vectors = inputs.isEmpty() ? new float[0][] : encoder.encodeDocuments(inputs);
        List<EmbeddedDocument> out = new ArrayList<>(batch.size());
        for (EmbeddedDocument document : batch) {
            Map<String, float[]> named = new HashMap<>(document.named());
            named.remove(field.name());
            out.add(document.withNamed(named));
        }
        for (int j = 0; j < vectors.length; j++) {
            int i = at.get(j);
            Map<String, float[]> named = new HashMap<>(out.get(i).named());
            named.put(field.name(), vectors[j]);
            out.set(i, out.get(i).withNamed(named));
        }
        return out;
    }

    /**
     * @param collection the re-indexed collection
     * @param from       the model it was built with
     * @param to         the model it is built with now
     * @param encoding   its vector encoding now
     * @param documents  documents re-embedded (equal before and after)
     * @param run        the indexing run's counts and time
     */
    public record ReindexSummary(String collection, ModelStamp from, ModelStamp to, VectorEncoding encoding,
                                 long documents, IndexSummary run) {
        public String toLine() {
            return "re-indexed collection '" + collection + "': " + documents + " documents, " + from.describe()
                    + " -> " + to.describe() + " (" + encoding.label() + ") in "
                    + String.format(java.util.Locale.ROOT, "%.1f s (%.1f docs/s)", run.elapsed().toMillis() / 1000.0,
                    run.docsPerSecond());
        }
    }
}
