package dev.mmsearch.ingest;

import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.core.VectorEncoding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
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
        try (DocumentSource source = new CollectionDocumentSource(current)) {
            // Every stored document is valid and unique, so nothing may be skipped: fail on the first problem.
            summary = Indexer.index(source, version, encoder, current.schema(),
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
