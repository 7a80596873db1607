package dev.mmsearch.server.demo;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextAnalyzer;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.ingest.IndexOptions;
import dev.mmsearch.ingest.IndexProgress;
import dev.mmsearch.ingest.IndexSummary;
import dev.mmsearch.ingest.Indexer;
import dev.mmsearch.ingest.JsonlSource;
import dev.mmsearch.ingest.SourceDocument;
import dev.mmsearch.ingest.SourceRecord;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.server.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo collections, corpora bundled in the jar: SciFact, indexed into collection {@value #COLLECTION} with
 * {@value ModelRegistry#DEFAULT_MODEL}, or into {@code scifact-MODEL} with another built-in model
 * ({@code demo --model}); and the Debian FAQ in Chinese, indexed into {@value #ZH_COLLECTION} with
 * {@value #ZH_MODEL} and the {@code chinese} analyzer. Uses the bundled vectors when the jar has them for the
 * model and their stamp matches, so a first start takes seconds (bundled: {@value ModelRegistry#DEFAULT_MODEL}
 * and {@value #FAST_MODEL} for SciFact, {@value #ZH_MODEL} for the FAQ); otherwise encodes the corpus.
 */
public final class DemoData {
    public static final String COLLECTION = "scifact";
    public static final String MODEL = ModelRegistry.DEFAULT_MODEL;
    /**
     * The int8 version of the default model: the same hybrid nDCG@10 on SciFact (0.7403 vs 0.7405), about 3x
     * cheaper per query, so on 2 cores it serves 2.2x the peak QPS (docs/benchmarks.md, load).
     */
    public static final String FAST_MODEL = "bge-small-en-v1.5-q";
    /** The Chinese demo collection: the Debian FAQ's answers (146), the questions' language is Chinese. */
    public static final String ZH_COLLECTION = "debian-faq-zh";
    /** The Chinese demo collection's model. */
    public static final String ZH_MODEL = "bge-small-zh-v1.5";
    static final String CORPUS_RESOURCE = "/demo/scifact/corpus.jsonl.gz";
    static final String ZH_CORPUS_RESOURCE = "/demo/debian-faq-zh/corpus.jsonl.gz";
    private static final CollectionSchema ZH_SCHEMA = CollectionSchema.BEIR.withAnalyzer(TextAnalyzer.CHINESE);
    private static final int IMPORT_BATCH = 512;
    private static final Logger log = LoggerFactory.getLogger(DemoData.class);

    private DemoData() {
    }

    /** How the demo collection came to be. */
    public enum Outcome { REUSED, IMPORTED_VECTORS, ENCODED }

    /** The demo collection for {@code modelId}: {@value #COLLECTION} for the default model, else {@code scifact-MODEL}. */
    public static String collectionFor(String modelId) {
        return modelId.equals(MODEL) ? COLLECTION
                : COLLECTION + "-" + modelId.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    }

    /** {@link #ensureIndexed(Engine, String, IndexProgress)} with the default model. */
    public static Outcome ensureIndexed(Engine engine, IndexProgress progress) {
        return ensureIndexed(engine, MODEL, progress);
    }

    /**
     * Makes sure the demo collection of {@code modelId} ({@link #collectionFor}) holds the whole corpus.
     *
     * @param progress progress of importing or encoding
     */
    public static Outcome ensureIndexed(Engine engine, String modelId, IndexProgress progress) {
        return ensureIndexed(engine, collectionFor(modelId), modelId, CollectionSchema.BEIR, CORPUS_RESOURCE,
                "scifact-corpus.jsonl.gz", "/demo/scifact/scifact." + modelId + ".vectors.gz", progress);
    }

    /**
     * Makes sure the Chinese demo collection {@value #ZH_COLLECTION} ({@value #ZH_MODEL}, analyzer chinese) holds
     * the whole Debian FAQ.
     */
    public static Outcome ensureChineseIndexed(Engine engine, IndexProgress progress) {
        return ensureIndexed(engine, ZH_COLLECTION, ZH_MODEL, ZH_SCHEMA, ZH_CORPUS_RESOURCE,
                "debian-faq-zh-corpus.jsonl.gz", "/demo/debian-faq-zh/debian-faq-zh." + ZH_MODEL + ".vectors.gz",
                progress);
    }

    private static Outcome ensureIndexed(Engine engine, String name, String modelId, CollectionSchema schema,
                                         String corpusResource, String corpusFile, String vectorsResource,
                                         IndexProgress progress) {
        Path corpus = extractCorpus(corpusResource, engine.dataDirectory().root().resolve("demo").resolve(corpusFile));
        long expected = JsonlSource.countNonBlankLines(corpus);
        if (engine.store().exists(name) && engine.store().get(name).count() == expected) {
            log.info("demo collection ready collection={} docs={}", name, expected);
            return Outcome.REUSED;
        }
        TextEncoder encoder = engine.encoders().textEncoder(modelId);
        SearchCollection collection = engine.store().getOrCreate(name, schema, encoder.stamp());
        VectorBundle bundle = readBundle(vectorsResource);
        if (bundle != null && bundle.model().compatibleWith(encoder.stamp())) {
            importWithVectors(corpus, bundle, collection, encoder, schema, progress, expected);
            return Outcome.IMPORTED_VECTORS;
        }
        log.warn("demo vectors unusable collection={} bundle={} model={}: encoding {} documents instead", name,
                bundle == null ? "missing" : bundle.model().describe(), encoder.stamp().describe(), expected);
        IndexSummary summary = Indexer.index(corpus, collection, encoder, schema, IndexOptions.defaults(),
                progress, engine.dataDirectory().reports());
        log.info("demo collection encoded {}", summary.toLine());
        return Outcome.ENCODED;
    }

    private static void importWithVectors(Path corpus, VectorBundle bundle, SearchCollection collection,
                                          TextEncoder encoder, CollectionSchema schema, IndexProgress progress,
                                          long expected) {
        progress.start("import " + collection.name(), expected);
        List<EmbeddedDocument> batch = new ArrayList<>(IMPORT_BATCH);
        int encoded = 0;
        try (JsonlSource source = JsonlSource.open(corpus)) {
            while (source.hasNext()) {
                SourceRecord record = source.next();
                if (!(record instanceof SourceDocument(Document document, long line))) {
                    throw new MmsearchException(ErrorCode.INTERNAL, "bundled demo corpus is damaged: " + record);
                }
                float[] vector = bundle.vector(document.id());
                if (vector == null) { // a document the bundle lacks: encode it rather than drop it
                    vector = encoder.encodeDocuments(List.of(schema.embedText(document)))[0];
                    encoded++;
                }
                batch.add(new EmbeddedDocument(document, vector));
                if (batch.size() == IMPORT_BATCH) {
                    collection.upsert(batch);
                    progress.advance(batch.size());
                    batch.clear();
                }
            }
        }
        collection.upsert(batch);
        progress.advance(batch.size());
        collection.optimize(); // a bulk load: one segment, one graph to search
        progress.finish();
        log.info("demo collection imported collection={} docs={} fromBundle={} encoded={}", collection.name(),
                collection.count(), collection.count() - encoded, encoded);
    }

    private static VectorBundle readBundle(String resource) {
        try (InputStream in = DemoData.class.getResourceAsStream(resource)) {
            return in == null ? null : VectorBundle.read(in, resource);
        } catch (IOException e) {
            log.warn("cannot read demo vectors resource={} reason={}", resource, e.getMessage());
            return null;
        }
    }

    /** Copies a bundled corpus to {@code target} once (the indexer reads files). */
    static Path extractCorpus(String resource, Path target) {
        Path dir = target.getParent();
        try (InputStream in = DemoData.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new MmsearchException(ErrorCode.INTERNAL, "demo corpus " + resource + " is missing from the jar");
            }
            if (!Files.exists(target)) {
                Files.createDirectories(dir);
                Path tmp = Files.createTempFile(dir, "corpus", ".tmp");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            }
            return target;
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot extract the demo corpus to " + target + ": " + e.getMessage(), e);
        }
    }
}
