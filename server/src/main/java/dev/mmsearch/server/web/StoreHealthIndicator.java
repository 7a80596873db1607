package dev.mmsearch.server.web;

import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.server.Engine;
import java.util.List;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** {@code /actuator/health} component "store": UP when every collection opens, with their sizes. */
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
            return up.build();
        } catch (RuntimeException e) {
            return Health.down(e).build();
        }
    }
}
