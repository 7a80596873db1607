package dev.mmsearch.bench;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.ingest.IndexOptions;
import dev.mmsearch.ingest.IndexProgress;
import dev.mmsearch.ingest.IndexSummary;
import dev.mmsearch.ingest.Indexer;
import dev.mmsearch.server.DataDirectory;
import dev.mmsearch.store.lucene.LuceneCollectionStore;

import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Memory of the offline pipeline on a large input: writes a synthetic JSONL file of {@code --size-mb} MB (documents of
 * about {@code --doc-kb} KB of English-like text, so the file is big but the encoder's work stays bounded by the
 * model's token limit), indexes it with {@link Indexer} into a fresh Lucene collection, and reports
 * <ul>
 *   <li>the peak heap in use (sampled every 100 ms, and the JVM's own peak of each heap pool, summed),</li>
 *   <li>the process's peak resident set ({@code VmHWM} from {@code /proc/self/status}),</li>
 *   <li>the file size, documents, and docs/s.</li>
 * </ul>
 * Run it under a small {@code -Xmx} (e.g. {@code BENCH_JVM_OPTS=-Xmx512m}): a pipeline that buffered its input would
 * die with OutOfMemoryError; a bounded one keeps its peak heap near the window size whatever the file size.
 *
 * <p>Usage: {@code BENCH_JVM_OPTS=-Xmx512m bench/run.sh memory [--size-mb 1024] [--doc-kb 48]
 * [--model all-MiniLM-L6-v2-q] [--data-dir DIR]}. {@code DIR/models} is the model cache; the input and the collection
 * go to a temporary folder under {@code DIR} that is deleted at the end.
 */
public final class IngestMemoryBench {
    private static final String[] WORDS = ("protein folding ocean current jazz harmony medieval castle volcanic soil "
            + "neural network coffee roasting glacier retreat chess opening bee colony river delta solar wind cell "
            + "membrane enzyme kinetics trade route bridge design").split(" ");

    private IngestMemoryBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = SearchLatencyBench.parse(args);
        long sizeBytes = Long.parseLong(opts.getOrDefault("--size-mb", "1024")) * 1024 * 1024;
        int docBytes = Integer.parseInt(opts.getOrDefault("--doc-kb", "48")) * 1024;
        String modelId = opts.getOrDefault("--model", "all-MiniLM-L6-v2-q");
        DataDirectory dataDir = new DataDirectory(Path.of(opts.getOrDefault("--data-dir",
                DataDirectory.defaultLocation().root().toString())));
        Files.createDirectories(dataDir.root());
        Path work = Files.createTempDirectory(dataDir.root(), "memory-bench-");
        try {
            Path input = work.resolve("synthetic.jsonl");
            long documents = writeInput(input, sizeBytes, docBytes);
            long fileBytes = Files.size(input);

            AtomicLong sampledPeak = new AtomicLong();
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                var memory = ManagementFactory.getMemoryMXBean();
                while (!Thread.currentThread().isInterrupted()) {
                    sampledPeak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                pool.resetPeakUsage();
            }
            IndexSummary summary;
            try (ModelRegistry registry = new ModelRegistry(dataDir.models());
                 LuceneCollectionStore store = new LuceneCollectionStore(work.resolve("collections"))) {
                TextEncoder encoder = registry.textEncoder(modelId);
                SearchCollection collection = store.getOrCreate("memory", CollectionSchema.BEIR, encoder.stamp());
                summary = Indexer.index(input, collection, encoder, CollectionSchema.BEIR, IndexOptions.defaults(),
                        IndexProgress.NONE, work.resolve("reports"));
                if (collection.count() != documents) {
                    throw new IllegalStateException("indexed " + collection.count() + " of " + documents + " documents");
                }
            }
            sampler.interrupt();
            long poolPeaks = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                    poolPeaks += pool.getPeakUsage().getUsed();
                }
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("inputMiB", round(fileBytes / 1048576.0));
            result.put("documents", documents);
            result.put("model", modelId);
            result.put("maxHeapMiB", round(Runtime.getRuntime().maxMemory() / 1048576.0));
            result.put("peakHeapUsedSampledMiB", round(sampledPeak.get() / 1048576.0));
            result.put("peakHeapPoolsSumMiB", round(poolPeaks / 1048576.0));
            result.put("peakRssMiB", round(vmHwmKb() / 1024.0));
            result.put("seconds", round(summary.elapsed().toMillis() / 1000.0));
            result.put("docsPerSecond", round(summary.docsPerSecond()));
            result.put("summary", summary.toLine());
            System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        } finally {
            try (var paths = Files.walk(work)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Streams documents to {@code file} until it holds {@code sizeBytes}; never holds more than one in memory. */
    private static long writeInput(Path file, long sizeBytes, int docBytes) throws IOException {
        Random random = new Random(42);
        long written = 0;
        long documents = 0;
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            StringBuilder text = new StringBuilder(docBytes + 64);
            while (written < sizeBytes) {
                text.setLength(0);
                while (text.length() < docBytes) {
                    text.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
                }
                String line = Json.MAPPER.writeValueAsString(Map.of("id", "doc-" + documents,
                        "title", "Synthetic record " + documents, "text", text.toString()));
                out.write(line);
                out.write('\n');
                written += line.length() + 1;
                documents++;
            }
        }
        return documents;
    }

    private static long vmHwmKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
