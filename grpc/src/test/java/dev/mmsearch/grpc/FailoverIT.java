package dev.mmsearch.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.ModelRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Two inference nodes and one search-side {@link RemoteEncoderProvider} on loopback. While four
 * threads encode queries non-stop, node A is killed hard ({@link InferenceServer#shutdownNow()}:
 * connections cut, calls in flight aborted). The client retries UNAVAILABLE on node B.
 *
 * <p>In-flight window: a call counts as "in flight" when it started before the kill finished and
 * ended after the kill began. Only such calls may fail (at most one per thread); every call outside
 * the window must succeed, and every vector returned, at any time, must equal the in-process one
 * bit for bit (batching is off on the nodes so each query runs alone, exactly as in-process).
 */
class FailoverIT {

    private static final String MODEL = "all-MiniLM-L6-v2";
    private static final int THREADS = 4;

    private record Outcome(long startNanos, long endNanos, boolean ok, boolean correct, String error) {
    }

    @Test
    void killingOneNodeMidStreamFailsNoCallOutsideTheInFlightWindow() throws Exception {
        try (ModelRegistry registryA = GrpcTestSupport.newRegistry(); ModelRegistry registryB = GrpcTestSupport.newRegistry();
             ModelRegistry local = GrpcTestSupport.newRegistry();
             InferenceServer a = new InferenceServer(registryA); InferenceServer b = new InferenceServer(registryB)) {
            InferenceServerOptions options = InferenceServerOptions.loopback().withBatching(false);
            int portA = a.start(options);
            int portB = b.start(options);
            List<String> texts = GrpcTestSupport.TEXTS;
            TextEncoder reference = local.textEncoder(MODEL);
            float[][] expected = new float[texts.size()][];
            for (int i = 0; i < texts.size(); i++) {
                expected[i] = reference.encodeQuery(texts.get(i));
            }

            try (RemoteEncoderProvider remote = RemoteEncoderProvider.connect(
                    List.of(GrpcTestSupport.loopback(portA), GrpcTestSupport.loopback(portB)))) {
                TextEncoder encoder = remote.textEncoder(MODEL);
                registryB.textEncoder(MODEL); // warm both nodes so the stream measures serving, not loading
                registryA.textEncoder(MODEL);

                List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
                AtomicBoolean running = new AtomicBoolean(true);
                ExecutorService pool = Executors.newFixedThreadPool(THREADS);
                List<Future<?>> workers = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int offset = t;
                    workers.add(pool.submit(() -> {
                        for (int n = offset; running.get(); n++) {
                            int i = n % texts.size();
                            long start = System.nanoTime();
                            try {
                                float[] vector = encoder.encodeQuery(texts.get(i));
                                outcomes.add(new Outcome(start, System.nanoTime(), true,
                                        java.util.Arrays.equals(vector, expected[i]), null));
                            } catch (RuntimeException e) {
                                outcomes.add(new Outcome(start, System.nanoTime(), false, false, e.toString()));
                            }
                        }
                    }));
                }
                Thread.sleep(1_500);
                long servedByABeforeKill = a.callCounts().getOrDefault("InferenceService/EncodeText", 0L);
                long killStart = System.nanoTime();
                a.shutdownNow();
                long killEnd = System.nanoTime();
                Thread.sleep(1_500);
                running.set(false);
                for (Future<?> worker : workers) {
                    worker.get(30, TimeUnit.SECONDS);
                }
                pool.shutdown();

                List<Outcome> all = List.copyOf(outcomes);
                List<Outcome> failedOutsideWindow = all.stream()
                        .filter(o -> !o.ok() && !(o.startNanos() <= killEnd && o.endNanos() >= killStart)).toList();
                List<Outcome> failed = all.stream().filter(o -> !o.ok()).toList();
                failed.forEach(o -> System.out.println("failover: in-flight call failed: " + o.error()));
                long wrong = all.stream().filter(o -> o.ok() && !o.correct()).count();
                long afterKill = all.stream().filter(o -> o.ok() && o.startNanos() > killEnd).count();
                long beforeKill = all.stream().filter(o -> o.ok() && o.endNanos() < killStart).count();

                assertThat(servedByABeforeKill).as("node A served part of the stream before the kill").isPositive();
                assertThat(b.callCounts().get("InferenceService/EncodeText")).isPositive();
                assertThat(beforeKill).as("calls before the kill").isGreaterThan(10);
                assertThat(afterKill).as("calls after the kill (all on node B)").isGreaterThan(10);
                assertThat(failedOutsideWindow).as("failed calls outside the in-flight window").isEmpty();
                assertThat(failed).as("failed calls (in-flight window included)").hasSizeLessThanOrEqualTo(THREADS);
                assertThat(wrong).as("vectors that differ from the in-process ones").isZero();
                System.out.printf("failover: calls=%d beforeKill=%d afterKill=%d failed=%d (retried on B)%n",
                        all.size(), beforeKill, afterKill, failed.size());
            }
        }
    }
}
