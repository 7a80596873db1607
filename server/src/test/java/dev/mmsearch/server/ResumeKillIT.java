package dev.mmsearch.server;

import dev.mmsearch.core.VectorQuery;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Issue 3 acceptance, kill test: a separate JVM runs {@code mmsearch index} on the SciFact corpus
 * (5,183 documents, all-MiniLM-L6-v2 fp32) and is killed with SIGKILL once more than 1,000 documents are
 * committed; {@code index --resume} then finishes the job. The collection must hold every document exactly
 * once and answer 20 SciFact queries with the same top-10 ids and scores as an uninterrupted run.
 *
 * <p>The uninterrupted run is built once into {@code mmsearch.testCache}/resume-kill-reference and reused
 * (rebuilt when missing or incomplete), so after the first build the test costs about one indexing pass.
 */
class ResumeKillIT {
    private static final Logger log = LoggerFactory.getLogger(ResumeKillIT.class);
    static final String MODEL = "all-MiniLM-L6-v2"; // fp32: vectors do not depend on the batching
    static final String COLLECTION = "scifact";
    static final int CORPUS_SIZE = 5183;

    @TempDir
    Path tmp;

    static Path testCache() {
        String cache = System.getProperty("mmsearch.testCache");
        return (cache != null ? Path.of(cache) : Path.of(System.getProperty("user.dir")).getParent()
                .resolve("target/test-cache")).toAbsolutePath();
    }

    static Path corpus() {
        return TestPaths.sharedData().resolve("scifact/corpus.jsonl");
    }

    /** A data dir whose model cache is the shared test cache (a link, so the model is not extracted again). */
    static Path dataDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path models = testCache().resolve("models");
        Files.createDirectories(models);
        if (!Files.exists(dir.resolve("models"))) {
            Files.createSymbolicLink(dir.resolve("models"), models);
        }
        return dir;
    }

    @Test
    void killedIndexingResumesToEveryDocumentOnceWithTheResultsOfAnUninterruptedRun() throws Exception {
        Path killed = dataDir(tmp.resolve("killed"));
        Path logFile = tmp.resolve("child.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "dev.mmsearch.server.cli.Main",
                "index", "--data-dir", killed.toString(), "-c", COLLECTION, "-i", corpus().toString(), "--model", MODEL,
                "--batch-size", "16", "--commit-every", "2", "--no-progress");
        long t0 = System.nanoTime();
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
        long atKill;
        try {
            atKill = waitForCommitted(killed, child, logFile, 1000);
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close, no final commit
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        double childSeconds = (System.nanoTime() - t0) / 1e9;
        long afterKill = committed(killed);
        log.info("killed child collection={} committedDocsAtKill={} committedAfterKill={} childSeconds={}",
                COLLECTION, atKill, afterKill, round(childSeconds));
        assertThat(afterKill).as("killed between 1,000 and 4,000 committed documents").isGreaterThan(1000).isLessThan(4000);

        long t1 = System.nanoTime();
        Cli.Result resumed = Cli.run("index", "--data-dir", killed.toString(), "-c", COLLECTION, "-i", corpus().toString(),
                "--batch-size", "16", "--commit-every", "2", "--no-progress", "--resume");
        double resumeSeconds = (System.nanoTime() - t1) / 1e9;
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("resume: skipping the first").contains("read " + CORPUS_SIZE);
        log.info("resumed collection={} seconds={} out={}", COLLECTION, round(resumeSeconds), resumed.out().strip());

        Path reference = referenceRun();
        compare(killed, reference);
    }

    /** Polls the committed count (as {@code mmsearch collections --json} sees it) until it exceeds {@code threshold}. */
    private static long waitForCommitted(Path dataDir, Process child, Path logFile, long threshold) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
        while (System.nanoTime() < deadline) {
            if (!child.isAlive()) {
                fail("indexing process ended (exit " + child.exitValue() + ") before it was killed: " + tail(logFile));
            }
            long count = committed(dataDir);
            if (count > threshold) {
                return count;
            }
            Thread.sleep(250);
        }
        fail("fewer than " + threshold + " documents committed after 8 minutes: " + tail(logFile));
        return -1;
    }

    private static long committed(Path dataDir) {
        Cli.Result r = Cli.run("collections", "--data-dir", dataDir.toString(), "--json");
        if (r.exitCode() != 0) {
            return 0; // not created yet
        }
        for (JsonNode c : Json.MAPPER.readTree(r.out())) {
            if (c.get("name").asString().equals(COLLECTION)) {
                return c.get("documentCount").asLong();
            }
        }
        return 0;
    }

    /** The uninterrupted run, cached in the test cache; rebuilt when it is not complete. */
    private static Path referenceRun() throws IOException {
        Path dir = testCache().resolve("resume-kill-reference");
        if (Files.exists(dir) && committed(dir) == CORPUS_SIZE) {
            log.info("reusing uninterrupted run dir={}", dir);
            return dir;
        }
        if (Files.exists(dir.resolve("collections"))) {
            try (Stream<Path> files = Files.walk(dir.resolve("collections"))) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
        dataDir(dir);
        long t0 = System.nanoTime();
        Cli.Result r = Cli.run("index", "--data-dir", dir.toString(), "-c", COLLECTION, "-i", corpus().toString(),
                "--model", MODEL, "--no-progress");
        assertThat(r.exitCode()).as(r.err()).isZero();
        log.info("uninterrupted run seconds={} out={}", round((System.nanoTime() - t0) / 1e9), r.out().strip());
        return dir;
    }

    private static void compare(Path resumedDir, Path referenceDir) throws IOException {
        List<String> queries;
        try (Stream<String> lines = Files.lines(corpus().resolveSibling("queries.jsonl"))) {
            queries = lines.limit(20).map(l -> Json.MAPPER.readTree(l).get("text").asString()).toList();
        }
        try (ModelRegistry registry = new ModelRegistry(testCache().resolve("models"));
             LuceneCollectionStore resumedStore = new LuceneCollectionStore(resumedDir.resolve("collections"));
             LuceneCollectionStore referenceStore = new LuceneCollectionStore(referenceDir.resolve("collections"))) {
            TextEncoder encoder = registry.textEncoder(MODEL);
            SearchCollection resumed = resumedStore.get(COLLECTION);
            SearchCollection reference = referenceStore.get(COLLECTION);
            Map<String, float[]> resumedVectors = vectorsById(resumed);
            Map<String, float[]> referenceVectors = vectorsById(reference);
            assertThat(resumed.count()).isEqualTo(CORPUS_SIZE);
            assertThat(resumedVectors).hasSize(CORPUS_SIZE);
            assertThat(resumedVectors.keySet()).isEqualTo(referenceVectors.keySet());
            double maxDiff = 0;
            for (var e : resumedVectors.entrySet()) {
                float[] other = referenceVectors.get(e.getKey());
                for (int i = 0; i < other.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(other[i] - e.getValue()[i]));
                }
            }
            log.info("compared collections docs={} maxVectorComponentDiff={}", CORPUS_SIZE, maxDiff);
            assertThat(maxDiff).isLessThan(1e-4);

            for (String query : queries) {
                float[] q = encoder.encodeQuery(query);
                assertSameTop10(query + " (exact)", exactTop10(q, resumedVectors), exactTop10(q, referenceVectors));
                assertSameTop10(query + " (HNSW)", resumed.search(VectorQuery.of(q, 10, 1000)), reference.search(VectorQuery.of(q, 10, 1000)));
            }
        }
    }

    private static void assertSameTop10(String what, List<ScoredId> actual, List<ScoredId> expected) {
        assertThat(actual).as(what).hasSize(10);
        assertThat(actual).extracting(ScoredId::id).as(what).containsExactlyElementsOf(
                expected.stream().map(ScoredId::id).toList());
        for (int i = 0; i < 10; i++) {
            assertThat((double) actual.get(i).score()).as(what + " #" + i)
                    .isCloseTo(expected.get(i).score(), org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    /** Every document's stored vector; fails when an id occurs twice. */
    private static Map<String, float[]> vectorsById(SearchCollection collection) {
        Map<String, float[]> vectors = new HashMap<>();
        List<String> repeated = new ArrayList<>();
        collection.forEachDocument(d -> {
            if (vectors.put(d.document().id(), d.vector()) != null) {
                repeated.add(d.document().id());
            }
        });
        assertThat(repeated).as("ids stored more than once").isEmpty();
        return vectors;
    }

    /** Brute-force cosine top 10 (ties by id), independent of the HNSW graph each collection built. */
    private static List<ScoredId> exactTop10(float[] q, Map<String, float[]> vectors) {
        List<ScoredId> all = new ArrayList<>(vectors.size());
        vectors.forEach((id, v) -> all.add(new ScoredId(id, (float) cosine(q, v))));
        all.sort(Comparator.comparingDouble((ScoredId s) -> -s.score()).thenComparing(ScoredId::id));
        return all.subList(0, 10);
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private static String tail(Path logFile) {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
