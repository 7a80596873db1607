package dev.mmsearch.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.ModelRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * 16 concurrent clients each send single-text EncodeText calls. With batching on the server
 * coalesces them (mean requests per model run &gt; 1); with it off nothing is coalesced. Results stay
 * correct either way (fp32: a text's vector is the same whatever batch it rides in, up to float
 * rounding of the padded batch). No timing is asserted.
 */
class MicroBatchingIT {

    private static final String MODEL = "all-MiniLM-L6-v2";
    private static final int CLIENTS = 16;
    private static final int CALLS_PER_CLIENT = 8;

    @Test
    void concurrentRequestsAreCoalescedWhenBatchingIsOnAndNotWhenOff() throws Exception {
        try (ModelRegistry node = GrpcTestSupport.newRegistry(); ModelRegistry local = GrpcTestSupport.newRegistry()) {
            TextEncoder reference = local.textEncoder(MODEL);
            node.textEncoder(MODEL);

            BatchingStats on = run(node, reference, InferenceServerOptions.loopback()
                    .withBatching(32, Duration.ofMillis(5)));
            assertThat(on.requests()).isEqualTo(CLIENTS * CALLS_PER_CLIENT);
            assertThat(on.texts()).isEqualTo(CLIENTS * CALLS_PER_CLIENT);
            assertThat(on.meanRequestsPerBatch()).as("mean requests per model run, batching on").isGreaterThan(1.0);
            assertThat(on.maxRequestsInOneBatch()).isGreaterThan(1).isLessThanOrEqualTo(32);
            assertThat(on.batches()).isLessThan(CLIENTS * CALLS_PER_CLIENT);

            BatchingStats off = run(node, reference, InferenceServerOptions.loopback().withBatching(false));
            assertThat(off.batches()).as("batching off: the batcher never runs").isZero();
            System.out.printf("micro-batching: on=%s meanRequestsPerBatch=%.2f; off=%s%n", on,
                    on.meanRequestsPerBatch(), off);
        }
    }

    @Test
    void oneRequestLargerThanMaxBatchStillGetsAllItsVectors() {
        try (ModelRegistry node = GrpcTestSupport.newRegistry(); InferenceServer server = new InferenceServer(node)) {
            int port = server.start(InferenceServerOptions.loopback().withBatching(4, Duration.ofMillis(1)));
            try (RemoteEncoderProvider remote = RemoteEncoderProvider.connect(List.of(GrpcTestSupport.loopback(port)))) {
                float[][] vectors = remote.textEncoder("all-MiniLM-L6-v2-q").encodeDocuments(GrpcTestSupport.TEXTS);
                assertThat(vectors).hasNumberOfRows(GrpcTestSupport.TEXTS.size());
                float[][] local = node.textEncoder("all-MiniLM-L6-v2-q").encodeDocuments(GrpcTestSupport.TEXTS);
                for (int i = 0; i < vectors.length; i++) {
                    assertThat(vectors[i]).containsExactly(local[i]);
                }
                assertThat(server.batchingStats().maxRequestsInOneBatch()).isEqualTo(1);
                assertThat(server.batchingStats().texts()).isEqualTo(GrpcTestSupport.TEXTS.size());
            }
        }
    }

    private static BatchingStats run(ModelRegistry node, TextEncoder reference, InferenceServerOptions options)
            throws Exception {
        try (InferenceServer server = new InferenceServer(node)) {
            int port = server.start(options);
            try (RemoteEncoderProvider remote = RemoteEncoderProvider.connect(List.of(GrpcTestSupport.loopback(port)))) {
                TextEncoder encoder = remote.textEncoder(MODEL);
                CyclicBarrier together = new CyclicBarrier(CLIENTS);
                ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
                List<Future<Double>> clients = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    clients.add(pool.submit(() -> {
                        double worst = 1;
                        for (int n = 0; n < CALLS_PER_CLIENT; n++) {
                            together.await(30, TimeUnit.SECONDS);
                            String text = GrpcTestSupport.TEXTS.get((client + n) % GrpcTestSupport.TEXTS.size());
                            worst = Math.min(worst, GrpcTestSupport.cosine(encoder.encodeQuery(text),
                                    reference.encodeQuery(text)));
                        }
                        return worst;
                    }));
                }
                for (Future<Double> client : clients) {
                    assertThat(client.get(120, TimeUnit.SECONDS)).as("worst cosine to in-process").isGreaterThan(0.99999);
                }
                pool.shutdown();
                return server.batchingStats();
            }
        }
    }
}
