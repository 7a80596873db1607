package dev.mmsearch.server.web;

import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorQuery;
import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.retrieval.SearchQuery;
import dev.mmsearch.server.Engine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Once the service is up, loads the model of every collection and runs one dense and one BM25
 * search on each collection, so the first user query pays neither for loading the ONNX
 * session nor for Lucene's first touch of the index files.
 */
@Component
class ModelWarmup {
    private static final Logger log = LoggerFactory.getLogger(ModelWarmup.class);
    private final Engine engine;

    ModelWarmup(Engine engine) {
        this.engine = engine;
    }

    @EventListener(ApplicationReadyEvent.class)
    void warmUp() {
        for (CollectionInfo info : engine.store().list()) {
            long start = System.nanoTime();
            try {
                SearchCollection collection = engine.store().get(info.name());
                float[] vector = engine.encoders().textEncoder(info.stamp().modelId()).encodeQuery("warm up the index");
                collection.search(VectorQuery.of(vector, 10, 100));
                collection.search(TextQuery.of("warm up the index", 10));
                engine.search(SearchQuery.of(info.name(), "warm up the index", 10));
                log.info("warm collection={} model={} ms={}", info.name(), info.stamp().modelId(),
                        (System.nanoTime() - start) / 1_000_000);
            } catch (RuntimeException e) {
                log.warn("warm-up failed collection={} reason={}", info.name(), e.getMessage());
            }
        }
    }
}
