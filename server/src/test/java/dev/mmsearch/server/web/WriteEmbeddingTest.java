package dev.mmsearch.server.web;

import dev.mmsearch.core.Document;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.VectorSimilarity;
import dev.mmsearch.ingest.DocumentEmbedder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The write API's bound on concurrent embed calls, and its count of embedded documents. */
class WriteEmbeddingTest {
    static final ModelStamp STAMP = new ModelStamp("slow-2d", "3".repeat(64), 2, VectorSimilarity.COSINE);

    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger mostAtOnce = new AtomicInteger();

    /** Embeds slowly and records how many calls ran at the same time. */
    DocumentEmbedder slow() {
        return new DocumentEmbedder() {
            @Override
            public ModelStamp stamp() {
                return STAMP;
            }

            @Override
            public String input(Document document) {
                return document.text("text");
            }

            @Override
            public String emptyReason() {
                return "no text";
            }

            @Override
            public int[] lengths(List<String> inputs) {
                return inputs.stream().mapToInt(String::length).toArray();
            }

            @Override
            public float[][] embed(List<String> inputs) {
                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    running.decrementAndGet();
                }
                return inputs.stream().map(i -> new float[] {1, i.length()}).toArray(float[][]::new);
            }
        };
    }

    int mostConcurrentCalls(int bound, SimpleMeterRegistry meters) throws Exception {
        DocumentEmbedder embedder = new WriteEmbedding(meters, bound).wrap("c", slow());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<float[][]>> calls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String text = "x".repeat(i + 1);
            calls.add(pool.submit(() -> embedder.embed(List.of(text, text))));
        }
        for (int i = 0; i < calls.size(); i++) {
            assertThat(calls.get(i).get(30, TimeUnit.SECONDS)[0][1]).as("each caller gets its own vectors")
                    .isEqualTo(i + 1f);
        }
        pool.shutdown();
        return mostAtOnce.get();
    }

    @Test
    void atMostTheBoundRunAtOnceAndEveryDocumentIsCounted() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        assertThat(mostConcurrentCalls(1, meters)).isEqualTo(1);
        assertThat(meters.get("mmsearch.write.embedded").tag("collection", "c").counter().count()).isEqualTo(32);
        assertThat(meters.get("mmsearch.write.embed.wait").timer().count()).isEqualTo(16);
    }

    @Test
    void zeroMeansNoBound() throws Exception {
        assertThat(mostConcurrentCalls(0, new SimpleMeterRegistry())).isGreaterThan(1);
    }

    @Test
    void aNegativeBoundIsRefused() {
        assertThatThrownBy(() -> new WriteEmbedding(new SimpleMeterRegistry(), -1))
                .hasMessageContaining("max-concurrent-embeds");
    }
}
