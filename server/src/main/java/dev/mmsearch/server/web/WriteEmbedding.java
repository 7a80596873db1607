package dev.mmsearch.server.web;

import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.ingest.DocumentEmbedder;
import dev.mmsearch.ingest.ForwardingDocumentEmbedder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.Semaphore;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * How the write API runs the model: at most {@code mmsearch.write.max-concurrent-embeds} embed calls at once across
 * all collections (default 1; 0 for no bound), in arrival order, and counted per collection in
 * {@code mmsearch.write.embedded}. One call already uses the encoder's intra-op threads; eight concurrent
 * single-document writes would put eight such calls on the cores at once and leave the searches' query encoding a
 * small share of them. Bounded, writes queue behind each other instead, and a search finds the cores no more crowded
 * than by one write (docs/benchmarks.md, "Online writes": search p99 while writing, bounded vs unbounded). The wait
 * is measured in {@code mmsearch.write.embed.wait}.
 */
@Component
class WriteEmbedding {
    private final MeterRegistry meters;
    private final Semaphore permits;
    private final Timer waits;

    WriteEmbedding(MeterRegistry meters, @Value("${mmsearch.write.max-concurrent-embeds:1}") int maxConcurrent) {
        if (maxConcurrent < 0) {
            throw new IllegalArgumentException("mmsearch.write.max-concurrent-embeds must be 0 (no bound) or more, got "
                    + maxConcurrent);
        }
        this.meters = meters;
        this.permits = maxConcurrent == 0 ? null : new Semaphore(maxConcurrent, true);
        this.waits = Timer.builder("mmsearch.write.embed.wait")
                .description("Time a write waited for its turn to run the model").register(meters);
    }

    /** {@code embedder} with the bound and the count (documents that bring their own vector are not embedded). */
    DocumentEmbedder wrap(String collection, DocumentEmbedder embedder) {
        Counter counter = Counter.builder("mmsearch.write.embedded")
                .description("Documents the write API embedded with the collection's model")
                .tag("collection", collection).register(meters);
        return new ForwardingDocumentEmbedder(embedder) {
            @Override
            public float[][] embed(List<String> inputs) {
                counter.increment(inputs.size());
                return bounded(() -> embedder.embed(inputs));
            }

            @Override
            public List<EmbeddedDocument> embedDocuments(List<Document> documents,
                                                                          List<String> inputs) {
                counter.increment(documents.size());
                return bounded(() -> embedder.embedDocuments(documents, inputs));
            }
        };
    }

    /** Runs one model call within the bound on concurrent embeds (none when the bound is 0). */
    private <T> T bounded(java.util.function.Supplier<T> call) {
        if (permits == null) {
            return call.get();
        }
        long start = System.nanoTime();
        permits.acquireUninterruptibly();
        waits.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        try {
            return call.get();
        } finally {
            permits.release();
        }
    }
}
