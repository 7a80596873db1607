package dev.mmsearch.ingest;

import dev.mmsearch.core.Document;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddingQueueTest {

    /**
     * Vectors that name their input ({@code [hash of the input]}); "bad" is refused as an input problem, "crash" as a
     * model failure. Each call is recorded; {@code gate} (when set) holds the first call until released.
     */
    static final class FakeEmbedder implements DocumentEmbedder {
        final List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
        volatile CountDownLatch entered;
        volatile CountDownLatch gate;

        @Override
        public ModelStamp stamp() {
            return null;
        }

        @Override
        public String input(Document document) {
            return document.text("text");
        }

        @Override
        public String emptyReason() {
            return "empty";
        }

        @Override
        public int[] lengths(List<String> inputs) {
            return inputs.stream().mapToInt(String::length).toArray();
        }

        @Override
        public float[][] embed(List<String> inputs) {
            calls.add(List.copyOf(inputs));
            CountDownLatch g = gate;
            if (g != null) {
                gate = null;
                entered.countDown();
                try {
                    g.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (inputs.contains("crash")) {
                throw new MmsearchException(ErrorCode.INTERNAL, "model crashed");
            }
            if (inputs.contains("bad")) {
                throw new MmsearchException(ErrorCode.INVALID_INPUT, "bad input");
            }
            float[][] vectors = new float[inputs.size()][];
            for (int i = 0; i < vectors.length; i++) {
                vectors[i] = new float[] {inputs.get(i).hashCode()};
            }
            return vectors;
        }
    }

    static float[][] vectors(String... inputs) {
        float[][] vectors = new float[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            vectors[i] = vectorOf(inputs[i]);
        }
        return vectors;
    }

    static float[] vectorOf(String input) {
        return new float[] {input.hashCode()};
    }

    @Test
    void aCallerAloneMakesItsOwnCallAtOnce() {
        FakeEmbedder fake = new FakeEmbedder();
        DocumentEmbedder queued = new EmbeddingQueue(8).wrap(fake);
        float[][] vectors = queued.embed(List.of("a", "b"));
        assertThat(vectors).isDeepEqualTo(vectors("a", "b"));
        assertThat(fake.calls).containsExactly(List.of("a", "b"));
        assertThat(queued.lengths(List.of("abc"))).containsExactly(3);
        assertThat(queued.embed(List.of())).isEmpty();
    }

    @Test
    void callersThatQueueDuringACallShareTheNextOneAndEachGetsItsOwnVectors() throws Exception {
        FakeEmbedder fake = new FakeEmbedder();
        fake.entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        fake.gate = release;
        EmbeddingQueue queue = new EmbeddingQueue(16);
        DocumentEmbedder queued = queue.wrap(fake);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            Future<float[][]> first = pool.submit(() -> queued.embed(List.of("first")));
            fake.entered.await(10, TimeUnit.SECONDS);
            List<Future<float[][]>> others = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String input = "doc" + i;
                others.add(pool.submit(() -> queued.embed(List.of(input, input + "-2"))));
            }
            waitUntilQueued(queue, 5);
            release.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS)).isDeepEqualTo(vectors("first"));
            for (int i = 0; i < 5; i++) {
                assertThat(others.get(i).get(10, TimeUnit.SECONDS))
                        .isDeepEqualTo(vectors("doc" + i, "doc" + i + "-2"));
            }
            // One call for the first caller, one shared call for the five that queued meanwhile.
            assertThat(fake.calls).hasSize(2);
            assertThat(fake.calls.get(1)).hasSize(10);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSharedCallHoldsAtMostMaxBatchInputsAndBigCallsGoStraightThrough() throws Exception {
        FakeEmbedder fake = new FakeEmbedder();
        fake.entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        fake.gate = release;
        EmbeddingQueue queue = new EmbeddingQueue(4);
        DocumentEmbedder queued = queue.wrap(fake);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            Future<float[][]> first = pool.submit(() -> queued.embed(List.of("x")));
            fake.entered.await(10, TimeUnit.SECONDS);
            List<Future<float[][]>> others = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String input = "s" + i;
                others.add(pool.submit(() -> queued.embed(List.of(input))));
            }
            waitUntilQueued(queue, 6);
            release.countDown();
            first.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 6; i++) {
                assertThat(others.get(i).get(10, TimeUnit.SECONDS)).isDeepEqualTo(vectors("s" + i));
            }
            assertThat(fake.calls.subList(1, fake.calls.size())).allSatisfy(call -> assertThat(call).hasSizeLessThanOrEqualTo(4));
            assertThat(fake.calls.stream().mapToInt(List::size).sum()).isEqualTo(7);
        } finally {
            pool.shutdownNow();
        }
        fake.calls.clear();
        assertThat(queued.embed(List.of("1", "2", "3", "4"))).hasNumberOfRows(4);
        assertThat(fake.calls).containsExactly(List.of("1", "2", "3", "4"));
    }

    @Test
    void aBadInputFailsOnlyItsCallerAndAModelFailureReachesEveryCallerOfThatCall() throws Exception {
        for (String poison : List.of("bad", "crash")) {
            FakeEmbedder fake = new FakeEmbedder();
            fake.entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            fake.gate = release;
            EmbeddingQueue queue = new EmbeddingQueue(16);
            DocumentEmbedder queued = queue.wrap(fake);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                Future<float[][]> first = pool.submit(() -> queued.embed(List.of("lead")));
                fake.entered.await(10, TimeUnit.SECONDS);
                Future<float[][]> good = pool.submit(() -> queued.embed(List.of("good")));
                waitUntilQueued(queue, 1);
                Future<float[][]> spoiled = pool.submit(() -> queued.embed(List.of("ok", poison)));
                waitUntilQueued(queue, 2);
                release.countDown();
                assertThat(first.get(10, TimeUnit.SECONDS)).isDeepEqualTo(vectors("lead"));
                if (poison.equals("bad")) {
                    assertThat(good.get(10, TimeUnit.SECONDS)).isDeepEqualTo(vectors("good"));
                    assertThatThrownBy(() -> spoiled.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(
                            MmsearchException.class).hasMessageContaining("bad input");
                } else {
                    assertThatThrownBy(() -> good.get(10, TimeUnit.SECONDS)).hasMessageContaining("model crashed");
                    assertThatThrownBy(() -> spoiled.get(10, TimeUnit.SECONDS)).hasMessageContaining("model crashed");
                }
            } finally {
                pool.shutdownNow();
            }
            // The queue still works after a failure.
            assertThat(queued.embed(List.of("after"))).isDeepEqualTo(vectors("after"));
        }
    }

    @Test
    void manyConcurrentCallersEachGetExactlyTheirVectors() throws Exception {
        FakeEmbedder fake = new FakeEmbedder();
        DocumentEmbedder queued = new EmbeddingQueue(8).wrap(fake);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        AtomicInteger wrong = new AtomicInteger();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 300; i++) {
                        List<String> inputs = i % 3 == 0 ? List.of("t" + thread + "-" + i)
                                : List.of("t" + thread + "-" + i, "t" + thread + "-" + i + "b");
                        float[][] vectors = queued.embed(inputs);
                        for (int j = 0; j < inputs.size(); j++) {
                            if (vectors.length != inputs.size() || vectors[j][0] != vectorOf(inputs.get(j))[0]) {
                                wrong.incrementAndGet();
                            }
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(wrong).hasValue(0);
        assertThat(fake.calls.stream().mapToInt(List::size).sum()).isEqualTo(16 * (100 + 200 * 2));
        assertThat(fake.calls).allSatisfy(call -> assertThat(call).hasSizeLessThanOrEqualTo(8));
    }

    /** Waits until {@code n} requests are queued behind the running call. */
    private static void waitUntilQueued(EmbeddingQueue queue, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (queue.queued() < n && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(queue.queued()).isEqualTo(n);
    }
}
