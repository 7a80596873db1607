package dev.mmsearch.server.web;

import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.server.Engine;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Loads the model of every collection and runs one query through it once the service is up,
 * so the first user query does not pay for loading the ONNX session.
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
        Set<String> models = new LinkedHashSet<>();
        for (CollectionInfo info : engine.store().list()) {
            models.add(info.stamp().modelId());
        }
        for (String model : models) {
            long start = System.nanoTime();
            try {
                engine.encoders().textEncoder(model).encodeQuery("warm up");
                log.info("model warm model={} ms={}", model, (System.nanoTime() - start) / 1_000_000);
            } catch (RuntimeException e) {
                log.warn("model warm-up failed model={} reason={}", model, e.getMessage());
            }
        }
    }
}
