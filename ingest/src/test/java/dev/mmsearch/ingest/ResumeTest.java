package dev.mmsearch.ingest;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code index --resume}: checkpoints in the collection's commits, a crash in the middle of a run, skipping
 * what was committed, and the fall-back when the file changed. Real model (MiniLM int8) and Lucene on disk;
 * the crash is an exception thrown from the progress callback in the middle of a window, after documents
 * were written but before they were committed, followed by closing the store (which discards them, as a
 * kill would).
 */
class ResumeTest {
    static ModelRegistry registry;
    static TextEncoder model;

    @TempDir
    Path dir;
    LuceneCollectionStore store;
    Path reports;
    CountingEncoder encoder;

    @BeforeAll
    static void loadModel() {
        registry = new ModelRegistry(TestPaths.testCache().resolve("models"));
        model = registry.textEncoder(IndexerTest.MODEL);
    }

    @AfterAll
    static void closeModel() {
        registry.close();
    }

    @BeforeEach
    void openStore() {
        store = new LuceneCollectionStore(dir.resolve("collections"));
        reports = dir.resolve("reports");
        encoder = new CountingEncoder(model);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    /** Batches of 8, windows of 16, a commit after every window. */
    private static final IndexOptions OPTIONS = IndexOptions.defaults().withBatchSize(8).withWindowFactor(2)
            .withCommitEvery(2);

    @Test
    void aRunKilledMidWindowResumesAfterItsLastCheckpointAndEndsWithEveryDocumentOnce() throws IOException {
        Path input = write("docs.jsonl", IndexerTest.documentLines(100));
        SearchCollection collection = interruptedRun(input, "docs", 40);
        assertThat(collection.count()).as("two windows committed, the third lost").isEqualTo(32);
        InputCheckpoint checkpoint = InputCheckpoint.fromMap(collection.checkpoint()).orElseThrow();
        assertThat(checkpoint.records()).isEqualTo(32);
        assertThat(checkpoint.complete()).isFalse();
        assertThat(checkpoint.path()).isEqualTo(input.toAbsolutePath().normalize().toString());
        assertThat(ResumePlan.of(input, collection).skipRecords()).isEqualTo(32);

        encoder.texts.set(0);
        IndexSummary resumed = Indexer.index(input, collection, encoder, null, OPTIONS.withResume(true),
                IndexProgress.NONE, reports);

        assertThat(encoder.texts.get()).as("only the 68 uncommitted records are encoded").isEqualTo(68);
        assertThat(resumed.read()).isEqualTo(100);
        assertThat(resumed.skipped()).isEqualTo(32);
        assertThat(resumed.indexed()).isEqualTo(68);
        assertThat(collection.count()).isEqualTo(100);
        assertThat(idCounts(collection)).hasSize(100).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
        InputCheckpoint finished = InputCheckpoint.fromMap(collection.checkpoint()).orElseThrow();
        assertThat(finished.records()).isEqualTo(100);
        assertThat(finished.complete()).isTrue();
    }

    @Test
    void resumingAFinishedCollectionEncodesNothing() throws IOException {
        Path input = write("done.jsonl", IndexerTest.documentLines(60));
        SearchCollection collection = store.getOrCreate("done", CollectionSchema.BEIR, encoder.stamp());
        Indexer.index(input, collection, encoder, null, OPTIONS, IndexProgress.NONE, reports);
        assertThat(encoder.texts.get()).isEqualTo(60);
        ResumePlan plan = ResumePlan.of(input, collection);
        assertThat(plan.skipRecords()).isEqualTo(60);
        assertThat(plan.message()).contains("already indexed completely");

        encoder.texts.set(0);
        encoder.calls.set(0);
        IndexSummary resumed = Indexer.index(input, collection, encoder, null, OPTIONS.withResume(true),
                IndexProgress.NONE, reports);
        assertThat(encoder.texts.get()).isZero();
        assertThat(encoder.calls.get()).isZero();
        assertThat(resumed.toLine()).startsWith("read 60, indexed 0, skipped 60, failed 0 in ");
        assertThat(collection.count()).isEqualTo(60);

        // without --resume the behaviour is as before: everything is encoded again (upsert)
        IndexSummary plain = Indexer.index(input, collection, encoder, null, OPTIONS, IndexProgress.NONE, reports);
        assertThat(plain.indexed()).isEqualTo(60);
        assertThat(encoder.texts.get()).isEqualTo(60);
        assertThat(collection.count()).isEqualTo(60);
    }

    @Test
    void aFileChangedSinceTheCheckpointIsReadAgainAndOnlyMissingOrChangedDocumentsAreEncoded() throws IOException {
        List<String> lines = IndexerTest.documentLines(100);
        Path input = write("changing.jsonl", lines);
        SearchCollection collection = interruptedRun(input, "changing", 40);
        assertThat(collection.count()).isEqualTo(32);

        lines.set(4, IndexerTest.line("d5", "Changed", "zeppelin airships over the arctic"));
        lines.add(IndexerTest.line("d101", "Added", "a record appended after the crash"));
        Files.write(input, lines, StandardCharsets.UTF_8);
        ResumePlan plan = ResumePlan.of(input, collection);
        assertThat(plan.skipRecords()).isZero();
        assertThat(plan.message()).contains("earlier version of this file").contains("size ");

        encoder.texts.set(0);
        IndexSummary resumed = Indexer.index(input, collection, encoder, null, OPTIONS.withResume(true),
                IndexProgress.NONE, reports);
        // 68 never committed + the changed d5 + the appended d101; the other 31 committed ones are compared and kept
        assertThat(encoder.texts.get()).isEqualTo(70);
        assertThat(resumed.read()).isEqualTo(101);
        assertThat(resumed.skipped()).isEqualTo(31);
        assertThat(resumed.indexed()).isEqualTo(70);
        assertThat(collection.count()).isEqualTo(101);
        assertThat(collection.fetch(List.of("d5")).get("d5").text("text")).isEqualTo("zeppelin airships over the arctic");
        assertThat(InputCheckpoint.fromMap(collection.checkpoint()).orElseThrow())
                .satisfies(c -> assertThat(c.complete()).isTrue())
                .satisfies(c -> assertThat(c.sameInput(InputCheckpoint.identify(input))).isTrue());
    }

    @Test
    void resumeWithoutACheckpointReadsEverythingAndSkipsUnchanged() throws IOException {
        Path input = write("plain.jsonl", IndexerTest.documentLines(40));
        SearchCollection collection = store.getOrCreate("plain", CollectionSchema.BEIR, encoder.stamp());
        assertThat(ResumePlan.of(input, collection).message()).contains("has no checkpoint");
        IndexSummary first = Indexer.index(input, collection, encoder, null, OPTIONS.withResume(true),
                IndexProgress.NONE, reports);
        assertThat(first.indexed()).isEqualTo(40);
        assertThat(collection.count()).isEqualTo(40);
    }

    @Test
    void checkpointEntriesRoundTripAndDamagedOnesAreIgnored() throws IOException {
        Path input = write("id.jsonl", IndexerTest.documentLines(3));
        InputCheckpoint at = InputCheckpoint.identify(input).at(2, false);
        assertThat(at.size()).isEqualTo(Files.size(input));
        assertThat(at.headSha256()).hasSize(64);
        assertThat(InputCheckpoint.fromMap(at.toMap())).contains(at);

        Map<String, String> missing = new HashMap<>(at.toMap());
        missing.remove("records");
        assertThat(InputCheckpoint.fromMap(missing)).isEmpty();
        Map<String, String> garbled = new HashMap<>(at.toMap());
        garbled.put("input.size", "twelve");
        assertThat(InputCheckpoint.fromMap(garbled)).isEmpty();
        assertThat(InputCheckpoint.fromMap(Map.of())).isEmpty();

        assertThatThrownBy(() -> InputCheckpoint.identify(dir.resolve("absent.jsonl")))
                .hasMessageContaining("absent.jsonl");
    }

    /** Indexes until more than {@code crashAfter} records were advanced, then "crashes" and reopens the store. */
    private SearchCollection interruptedRun(Path input, String name, long crashAfter) {
        SearchCollection collection = store.getOrCreate(name, CollectionSchema.BEIR, encoder.stamp());
        IndexProgress crashing = new IndexProgress() {
            long done;

            @Override
            public void start(String task, long total) {
            }

            @Override
            public void advance(long n) {
                done += n;
                if (done > crashAfter) {
                    throw new IllegalStateException("simulated crash after " + done + " records");
                }
            }

            @Override
            public void finish() {
            }
        };
        assertThatThrownBy(() -> Indexer.index(input, collection, encoder, null, OPTIONS, crashing, reports))
                .hasMessageStartingWith("simulated crash");
        store.close(); // discards the writes since the last commit, as a kill does
        store = new LuceneCollectionStore(dir.resolve("collections"));
        return store.get(name);
    }

    private static Map<String, Integer> idCounts(SearchCollection collection) {
        Map<String, Integer> counts = new HashMap<>();
        collection.forEachDocument((EmbeddedDocument d) -> counts.merge(d.document().id(), 1, Integer::sum));
        return counts;
    }

    private Path write(String name, List<String> lines) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    /** The real encoder, counting what it is asked to encode. */
    static final class CountingEncoder implements TextEncoder {
        final TextEncoder delegate;
        final AtomicInteger texts = new AtomicInteger();
        final AtomicInteger calls = new AtomicInteger();
        final List<List<String>> batches = new java.util.concurrent.CopyOnWriteArrayList<>();

        CountingEncoder(TextEncoder delegate) {
            this.delegate = delegate;
        }

        @Override
        public ModelStamp stamp() {
            return delegate.stamp();
        }

        @Override
        public int maxSequenceLength() {
            return delegate.maxSequenceLength();
        }

        @Override
        public float[][] encodeQueries(List<String> queries) {
            return delegate.encodeQueries(queries);
        }

        @Override
        public float[][] encodeDocuments(List<String> documents) {
            calls.incrementAndGet();
            texts.addAndGet(documents.size());
            batches.add(List.copyOf(documents));
            return delegate.encodeDocuments(new ArrayList<>(documents));
        }

        @Override
        public int countTokens(String text) {
            return delegate.countTokens(text);
        }

        @Override
        public void close() {
            // the shared model is closed by the registry
        }
    }
}
