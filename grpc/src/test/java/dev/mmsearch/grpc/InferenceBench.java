package dev.mmsearch.grpc;

import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.inference.onnx.EncoderOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A small benchmark of the inference service on loopback (not a test; run by hand):
 * <ol>
 *   <li>throughput (single-query EncodeText calls per second) with 16 concurrent clients, micro-batching on vs off;</li>
 *   <li>latency p50/p95 of one client, remote vs in-process, i.e. the cost of the gRPC hop.</li>
 * </ol>
 * Arguments: {@code [model] [seconds per throughput run] [intra-op threads]}; defaults
 * {@code bge-small-en-v1.5 10 <all cores>}. System property {@code mmsearch.models} = model cache
 * directory (default {@code target/test-cache/models}).
 */
public final class InferenceBench {

    private static final int CLIENTS = 16;

    private InferenceBench() {
    }

    public static void main(String[] args) throws Exception {
        String model = args.length > 0 ? args[0] : "bge-small-en-v1.5";
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        Path models = Path.of(System.getProperty("mmsearch.models", "target/test-cache/models"));
        EncoderOptions options = new EncoderOptions(threads, EncoderOptions.DEFAULT_MAX_BATCH_SIZE);
        System.out.printf(Locale.ROOT, "model=%s seconds=%d intraOpThreads=%d clients=%d cores=%d%n", model, seconds,
                threads, CLIENTS, Runtime.getRuntime().availableProcessors());
        try (ModelRegistry registry = new ModelRegistry(models, options)) {
            TextEncoder local = registry.textEncoder(model);
            for (boolean batching : new boolean[] {true, false}) {
                try (InferenceServer server = new InferenceServer(registry)) {
                    InferenceServerOptions serverOptions = batching
                            ? InferenceServerOptions.loopback().withBatching(InferenceServerOptions.DEFAULT_MAX_BATCH,
                                    java.time.Duration.ofMillis(Long.getLong("bench.maxWaitMs", 0)))
                                    .withBatchWorkers(Integer.getInteger("bench.batchWorkers",
                                            InferenceServerOptions.DEFAULT_BATCH_WORKERS))
                            : InferenceServerOptions.loopback().withBatching(false);
                    int port = server.start(serverOptions);
                    // A long deadline: this measures throughput; failures are counted, not fatal.
                    try (RemoteEncoderProvider remote = new RemoteEncoderProvider(RemoteEncoderOptions.of(
                            List.of(GrpcTestSupport.loopback(port))).withDeadline(java.time.Duration.ofSeconds(30)))) {
                        TextEncoder encoder = remote.textEncoder(model);
                        throughput(encoder, 2); // warm-up
                        long[] counts = new long[2];
                        double perSecond = throughput(encoder, seconds, counts);
                        BatchingStats stats = server.batchingStats();
                        System.out.printf(Locale.ROOT, "throughput clients=%d batching=%s queries/s=%.1f"
                                        + " meanRequestsPerBatch=%.2f slowestCallMs=%d failedCalls=%d%n", CLIENTS,
                                batching ? "on" : "off", perSecond, stats.meanRequestsPerBatch(), counts[0] / 1_000_000,
                                counts[1]);
                    }
                }
            }
            try (InferenceServer server = new InferenceServer(registry)) {
                int port = server.start(InferenceServerOptions.loopback());
                try (RemoteEncoderProvider remote = RemoteEncoderProvider.connect(List.of(GrpcTestSupport.loopback(port)))) {
                    TextEncoder encoder = remote.textEncoder(model);
                    latency("in-process", local, 50);
                    latency("remote", encoder, 50);
                    long[] inProcess = latency("in-process", local, 300);
                    long[] hop = latency("remote", encoder, 300);
                    System.out.printf(Locale.ROOT, "latency one client: in-process p50=%.2fms p95=%.2fms;"
                                    + " remote p50=%.2fms p95=%.2fms; added by the hop p50=%.2fms%n",
                            ms(inProcess, 50), ms(inProcess, 95), ms(hop, 50), ms(hop, 95),
                            ms(hop, 50) - ms(inProcess, 50));
                }
            }
        }
    }

    private static double throughput(TextEncoder encoder, int seconds) throws Exception {
        return throughput(encoder, seconds, new long[2]);
    }

    /** Queries per second; {@code counts} gets {slowest call in ns, failed calls}. */
    private static double throughput(TextEncoder encoder, int seconds, long[] counts) throws Exception {
        java.util.concurrent.atomic.AtomicLong slowest = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<Long>> clients = new ArrayList<>();
        long start = System.nanoTime();
        for (int c = 0; c < CLIENTS; c++) {
            int offset = c;
            clients.add(pool.submit(() -> {
                long done = 0;
                for (int n = offset; running.get(); n++) {
                    long begin = System.nanoTime();
                    try {
                        encoder.encodeQuery(GrpcTestSupport.TEXTS.get(n % GrpcTestSupport.TEXTS.size()));
                        done++;
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                    }
                    slowest.accumulateAndGet(System.nanoTime() - begin, Math::max);
                }
                return done;
            }));
        }
        Thread.sleep(seconds * 1000L);
        running.set(false);
        long total = 0;
        for (Future<Long> client : clients) {
            total += client.get();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        counts[0] = slowest.get();
        counts[1] = failed.get();
        return total / elapsed;
    }

    private static long[] latency(String label, TextEncoder encoder, int calls) {
        long[] nanos = new long[calls];
        for (int i = 0; i < calls; i++) {
            long start = System.nanoTime();
            encoder.encodeQuery(GrpcTestSupport.TEXTS.get(i % GrpcTestSupport.TEXTS.size()));
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        return nanos;
    }

    private static double ms(long[] sorted, int percentile) {
        int index = Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }
}
