package dev.mmsearch.server.web;

import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.server.Engine;
import java.util.List;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health} component "store": UP while the store answers, with the size of every collection it serves
 * and, under {@code unavailable}, the collections it cannot serve (damaged ones) with the reason. Those stay out of the
 * status: the node still serves the others (alert on the {@code mmsearch_collections_unavailable} gauge instead).
 */
@Component("store")
class StoreHealthIndicator implements HealthIndicator {
    private final Engine engine;

    StoreHealthIndicator(Engine engine) {
        this.engine = engine;
    }

    @Override
    public Health health() {
        try {
            List<CollectionInfo> collections = engine.store().list();
            Health.Builder up = Health.up().withDetail("dataDir", engine.dataDirectory().root().toString());
            for (CollectionInfo info : collections) {
                up.withDetail("collection." + info.name(), info.documentCount() + " docs, " + info.stamp().modelId());
            }
            Map<String, String> unavailable = engine.store().unavailable();
            if (!unavailable.isEmpty()) {
                up.withDetail("unavailable", unavailable);
            }
            return up.build();
        } catch (RuntimeException e) {
            return Health.down(e).build();
        }
    }
}
