package dev.mmsearch.server;

import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.ingest.InputCheckpoint;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 9 acceptance, disk full during ingest: a real full file system, no mocks. A shell script runs in a
 * private mount namespace ({@code unshare --mount}) where a 40 MiB tmpfs is the data directory (its {@code models}
 * is a link to the host's model cache, so the model does not use the tmpfs); child JVMs run the real
 * {@code mmsearch index}:
 * <ol>
 *   <li>a first, small collection is indexed;</li>
 *   <li>a filler file leaves {@value #ROOM_KB} KiB free and a second collection of {@value #BIG_DOCS} long documents
 *       (about 11 MiB once indexed) is indexed with a commit every 64 documents: the run must stop with exit code
 *       1 and one clear error line (disk full, which collection, what the last commit keeps, {@code --resume}),
 *       no stack trace; the data directory is copied out at that point;</li>
 *   <li>on the then completely full disk, a run whose first record is malformed must fail on its error report with
 *       one clear line and leave no report file behind;</li>
 *   <li>the filler is deleted and {@code index --resume} completes the second collection; the data directory is
 *       copied out again.</li>
 * </ol>
 * The host then checks both copies with Lucene's CheckIndex and the store: the first collection is untouched, the
 * failed run left the second collection exactly at its last commit (the documents of the first R input records,
 * R its checkpoint, 0 &lt; R &lt; {@value #BIG_DOCS}), the partial files of the failed flush are removed when the
 * collection is next opened, and the resumed collection holds every input document exactly once.
 */
class DiskFullIT {
    private static final Logger log = LoggerFactory.getLogger(DiskFullIT.class);
    static final String MODEL = "all-MiniLM-L6-v2-q";
    static final int SMALL_DOCS = 20;
    static final int BIG_DOCS = 512;
    /** Free space left next to the filler: room for about three commits of 64 long documents, not for all. */
    static final int ROOM_KB = 6144;
    static final int TMPFS_MB = 40;

    @TempDir
    Path tmp;

    @Test
    void diskFullDuringIngestStopsCleanlyKeepsTheLastCommitAndResumesAfterSpaceIsFreed() throws Exception {
        boolean root = "0".equals(run(List.of("id", "-u")).strip());
        List<String> unshare = root ? List.of("unshare", "--mount")
                : List.of("unshare", "--user", "--map-root-user", "--mount");
        assumeTrue(probe(unshare), "this machine does not allow " + unshare + " (private mount namespaces)");

        Path small = writeJsonl(tmp.resolve("small.jsonl"), "s", SMALL_DOCS, 30);
        Path big = writeJsonl(tmp.resolve("big.jsonl"), "b", BIG_DOCS, 1500);
        // A malformed first line: its error report is the first thing that run writes, on a completely full disk.
        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "{\"_id\": \"x1\", \"title\": \n{\"_id\": \"x2\", \"title\": \"two\", \"text\": \"fine\"}\n");
        // The model is extracted on the host once (a tiny run), so the tmpfs only holds the index.
        Path hostData = ResumeKillIT.dataDir(tmp.resolve("host-data"));
        Cli.Result warm = Cli.run("index", "--data-dir", hostData.toString(), "-c", "warmup", "-i", small.toString(),
                "--model", MODEL, "--no-progress");
        assertThat(warm.exitCode()).as(warm.err()).isZero();
        Path models = hostData.resolve("models").toRealPath();
        assertThat(models.resolve(MODEL)).isDirectory();

        Path out = Files.createDirectories(tmp.resolve("out"));
        Path mount = Files.createDirectories(tmp.resolve("mnt"));
        Path script = tmp.resolve("disk-full.sh");
        Files.writeString(script, script(), StandardCharsets.UTF_8);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(unshare);
        command.addAll(List.of("sh", script.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(out.resolve("script.log").toFile());
        Map<String, String> env = pb.environment();
        env.put("JAVA", java);
        env.put("CP", System.getProperty("java.class.path"));
        env.put("MNT", mount.toString());
        env.put("OUT", out.toString());
        env.put("MODELS", models.toString());
        env.put("SMALL", small.toString());
        env.put("BIG", big.toString());
        env.put("BAD", bad.toString());
        env.put("MODEL", MODEL);
        env.put("ROOM_KB", Integer.toString(ROOM_KB));
        env.put("TMPFS_MB", Integer.toString(TMPFS_MB));
        long t0 = System.nanoTime();
        Process process = pb.start();
        boolean ended = process.waitFor(10, TimeUnit.MINUTES);
        if (!ended) {
            process.destroyForcibly();
        }
        String scriptLog = Files.readString(out.resolve("script.log"));
        assertThat(ended).as("script ended within 10 minutes: " + scriptLog).isTrue();
        assertThat(process.exitValue()).as(scriptLog).isZero();
        log.info("disk-full script seconds={} log={}", Math.round((System.nanoTime() - t0) / 1e8) / 10.0,
                scriptLog.strip().replace('\n', '|'));

        // 1. The first collection was indexed normally.
        assertThat(rc(out, "first")).as(read(out, "first.err")).isZero();

        // 2. The disk-full run: exit 1, one clear error line, no stack trace.
        String failedErr = read(out, "second.err");
        assertThat(rc(out, "second")).as(failedErr).isEqualTo(1);
        List<String> errorLines = failedErr.lines().filter(l -> l.startsWith("mmsearch: error")).toList();
        log.info("disk-full run error={}", errorLines);
        assertThat(errorLines).hasSize(1);
        String error = errorLines.getFirst();
        assertThat(error).startsWith("mmsearch: error [storage_full]: disk full: no space left on the device holding"
                        + " collection 'second'")
                .contains("nothing after its last commit was kept")
                .containsPattern("the collection keeps its last commit \\(\\d+ documents, committed at ")
                .contains("free disk space")
                .contains("run the same `mmsearch index` command with --resume");
        assertNoStackTrace("disk-full run", failedErr + read(out, "second.out"));

        // 2b. On a completely full disk, a bad record's error report cannot be written: a clear error, and no
        // half-written (or empty) report file is left behind.
        String reportErr = read(out, "report.err");
        assertThat(rc(out, "report")).as(reportErr).isEqualTo(1);
        List<String> reportErrors = reportErr.lines().filter(l -> l.startsWith("mmsearch: error")).toList();
        log.info("full-disk error report run error={}", reportErrors);
        assertThat(reportErrors).hasSize(1);
        assertThat(reportErrors.getFirst()).startsWith("mmsearch: error [storage_full]: ").contains("cannot write the error report").contains("No space left on device")
                .contains("the disk is not full");
        assertNoStackTrace("error-report run", reportErr + read(out, "report.out"));
        Path reports = out.resolve("after-failure/reports");
        if (Files.exists(reports)) {
            try (Stream<Path> files = Files.list(reports)) {
                assertThat(files.toList()).as("report files left by the failed write").isEmpty();
            }
        }

        // 3. The copy taken right after the failure: a clean index at its last commit, the first R records.
        Path failedCopy = out.resolve("after-failure/collections");
        long committed = checkCleanIndex(failedCopy.resolve("second"));
        Set<String> orphans = unreferencedFiles(failedCopy.resolve("second"));
        log.info("after the failure: committedDocs={} unreferencedFiles={}", committed, orphans);
        assertThat(checkCleanIndex(failedCopy.resolve("first"))).isEqualTo(SMALL_DOCS);
        try (LuceneCollectionStore store = new LuceneCollectionStore(failedCopy)) {
            SearchCollection second = store.get("second");
            InputCheckpoint checkpoint = InputCheckpoint.fromMap(second.checkpoint()).orElseThrow(
                    () -> new AssertionError("no checkpoint committed before the disk filled: " + second.checkpoint()));
            long records = checkpoint.records();
            assertThat(checkpoint.complete()).isFalse();
            assertThat(checkpoint.path()).isEqualTo(big.toAbsolutePath().normalize().toString());
            assertThat(records).as("a commit every 64 records, some but not all fitted")
                    .isPositive().isLessThan(BIG_DOCS).isEqualTo(records / 64 * 64);
            assertThat(second.count()).isEqualTo(records).isEqualTo(committed);
            assertThat(idsOnce(second)).isEqualTo(ids("b", (int) records));
            assertThat(error).contains("keeps its last commit (" + records + " documents")
                    .contains("its checkpoint covers the first " + records + " records of " + big);
            assertThat(store.get("first").count()).isEqualTo(SMALL_DOCS);
        }
        // Opening the collection (above) removed the partial files the failed flush had written.
        assertThat(unreferencedFiles(failedCopy.resolve("second"))).isEmpty();

        // 4. The resumed run finished the job: every document exactly once, the first collection intact.
        String resumedOut = read(out, "resume.out");
        assertThat(rc(out, "resume")).as(read(out, "resume.err")).isZero();
        assertThat(resumedOut).contains("resume: skipping the first").contains("read " + BIG_DOCS);
        assertNoStackTrace("resumed run", read(out, "resume.err") + resumedOut);
        Path finalCopy = out.resolve("final/collections");
        assertThat(checkCleanIndex(finalCopy.resolve("second"))).isEqualTo(BIG_DOCS);
        assertThat(checkCleanIndex(finalCopy.resolve("first"))).isEqualTo(SMALL_DOCS);
        try (LuceneCollectionStore store = new LuceneCollectionStore(finalCopy)) {
            SearchCollection second = store.get("second");
            assertThat(second.count()).isEqualTo(BIG_DOCS);
            assertThat(idsOnce(second)).isEqualTo(ids("b", BIG_DOCS));
            InputCheckpoint done = InputCheckpoint.fromMap(second.checkpoint()).orElseThrow();
            assertThat(done.complete()).isTrue();
            assertThat(done.records()).isEqualTo(BIG_DOCS);
            SearchCollection first = store.get("first");
            assertThat(first.count()).isEqualTo(SMALL_DOCS);
            assertThat(idsOnce(first)).isEqualTo(ids("s", SMALL_DOCS));
            assertFindsItself(first, "s7");
            assertFindsItself(second, "b300");
        }
        log.info("disk full: failed run kept {} of {} documents; resume completed {} documents", committed, BIG_DOCS,
                BIG_DOCS);
    }

    /**
     * The script run inside the mount namespace. Every step's exit code and output go to files under $OUT (on
     * the host); the data directory is copied out after the failure and at the end, without the models link.
     */
    private static String script() {
        return """
                set -u
                mount -t tmpfs -o size=${TMPFS_MB}m tmpfs "$MNT" || exit 90
                D="$MNT"
                ln -s "$MODELS" "$D/models"
                mm() {
                  "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$CP" \\
                    dev.mmsearch.server.cli.Main "$@"
                }
                copyout() { # $1: folder under $OUT
                  mkdir -p "$OUT/$1"
                  for f in "$D"/* ; do [ "$(basename "$f")" = models ] || cp -a "$f" "$OUT/$1/" ; done
                }
                mm index --data-dir "$D" -c first -i "$SMALL" --model "$MODEL" --no-progress \\
                  >"$OUT/first.out" 2>"$OUT/first.err"
                echo $? >"$OUT/first.rc"
                avail=$(df -k --output=avail "$D" | tail -1)
                fill=$(( (avail - ROOM_KB) * 1024 ))
                fallocate -l "$fill" "$D/filler" 2>/dev/null \\
                  || dd if=/dev/zero of="$D/filler" bs=1024 count=$(( avail - ROOM_KB )) 2>/dev/null || exit 91
                echo "filled: $(df -k --output=avail "$D" | tail -1) KiB free of ${TMPFS_MB} MiB"
                mm index --data-dir "$D" -c second -i "$BIG" --model "$MODEL" --batch-size 8 --commit-every 2 \\
                  --no-progress >"$OUT/second.out" 2>"$OUT/second.err"
                echo $? >"$OUT/second.rc"
                echo "after the failed run: $(df -k --output=avail "$D" | tail -1) KiB free"
                left=$(df -k --output=avail "$D" | tail -1)
                [ "$left" -gt 0 ] && fallocate -l $(( left * 1024 )) "$D/filler2"
                mm index --data-dir "$D" -c first -i "$BAD" --no-progress >"$OUT/report.out" 2>"$OUT/report.err"
                echo $? >"$OUT/report.rc"
                rm -f "$D/filler2"
                copyout after-failure
                rm -f "$D/filler"
                mm index --data-dir "$D" -c second -i "$BIG" --batch-size 8 --commit-every 2 --no-progress --resume \\
                  >"$OUT/resume.out" 2>"$OUT/resume.err"
                echo $? >"$OUT/resume.rc"
                echo "after the resumed run: $(df -k --output=avail "$D" | tail -1) KiB free"
                copyout final
                umount "$MNT"
                exit 0
                """;
    }

    /** Whether {@code unshare} works here: mounts a tmpfs in a private namespace and exits. */
    private static boolean probe(List<String> unshare) {
        try {
            Path dir = Files.createTempDirectory("unshare-probe");
            List<String> command = new ArrayList<>(unshare);
            command.addAll(List.of("sh", "-c", "mount -t tmpfs -o size=1m tmpfs '" + dir + "'"));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean ok = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
            Files.delete(dir);
            if (!ok) {
                log.warn("unshare probe failed command={} output={}", command, output.strip());
            }
            return ok;
        } catch (IOException | InterruptedException e) {
            log.warn("unshare probe failed: {}", e.toString());
            return false;
        }
    }

    /**
     * {@code count} documents with ids {@code prefix0..}: a title and {@code words} words drawn from a fixed
     * 3,000-word vocabulary (seeded), so the texts are long (stored fields dominate) but the terms dictionary small.
     */
    private static Path writeJsonl(Path file, String prefix, int count, int words) throws IOException {
        Random random = new Random(7);
        List<String> vocabulary = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            StringBuilder w = new StringBuilder();
            int length = 3 + random.nextInt(7);
            for (int c = 0; c < length; c++) {
                w.append((char) ('a' + random.nextInt(26)));
            }
            vocabulary.add(w.toString());
        }
        try (BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < count; i++) {
                StringBuilder text = new StringBuilder();
                for (int w = 0; w < words; w++) {
                    text.append(w == 0 ? "" : " ").append(vocabulary.get(random.nextInt(vocabulary.size())));
                }
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("_id", prefix + i);
                doc.put("title", "document " + prefix + i);
                doc.put("text", text.toString());
                writer.write(Json.MAPPER.writeValueAsString(doc));
                writer.write('\n');
            }
        }
        return file;
    }

    private static Set<String> ids(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + i).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Every stored id; fails when one occurs twice. */
    private static Set<String> idsOnce(SearchCollection collection) {
        Set<String> ids = new TreeSet<>();
        List<String> repeated = new ArrayList<>();
        collection.forEachDocument(d -> {
            if (!ids.add(d.document().id())) {
                repeated.add(d.document().id());
            }
        });
        assertThat(repeated).as("ids stored more than once in " + collection.name()).isEmpty();
        return ids;
    }

    /** A BM25 search for a document's own title finds it first. */
    private static void assertFindsItself(SearchCollection collection, String id) {
        List<ScoredId> hits = collection.search(TextQuery.of("document " + id, 5));
        assertThat(hits).as("search in " + collection.name()).isNotEmpty();
        assertThat(hits.getFirst().id()).isEqualTo(id);
    }

    /** Runs Lucene's CheckIndex on a collection directory (read-only); returns its document count. */
    private static long checkCleanIndex(Path dir) throws IOException {
        try (Directory directory = FSDirectory.open(dir);
             CheckIndex check = new CheckIndex(directory)) {
            CheckIndex.Status status = check.checkIndex();
            assertThat(status.clean).as("CheckIndex of " + dir).isTrue();
            try (DirectoryReader reader = DirectoryReader.open(directory)) {
                return reader.numDocs();
            }
        }
    }

    /** Files in a collection directory that its last commit does not reference (the write lock aside). */
    private static Set<String> unreferencedFiles(Path dir) throws IOException {
        try (Directory directory = FSDirectory.open(dir)) {
            Set<String> referenced = new HashSet<>(SegmentInfos.readLatestCommit(directory).files(true));
            Set<String> all = new TreeSet<>(List.of(directory.listAll()));
            all.removeAll(referenced);
            all.remove(IndexWriter.WRITE_LOCK_NAME);
            return all;
        }
    }

    private static void assertNoStackTrace(String what, String output) {
        assertThat(output.lines().filter(l -> l.matches("\\s+at [\\w.$]+\\(.*") || l.startsWith("Exception in thread")
                || l.startsWith("Caused by:"))).as(what + " printed a stack trace:\n" + output).isEmpty();
    }

    private static int rc(Path out, String step) throws IOException {
        return Integer.parseInt(read(out, step + ".rc").strip());
    }

    private static String read(Path out, String file) throws IOException {
        Path path = out.resolve(file);
        return Files.exists(path) ? Files.readString(path) : "(no " + file + ")";
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return output;
    }
}
