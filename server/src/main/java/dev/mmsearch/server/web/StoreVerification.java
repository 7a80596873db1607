package dev.mmsearch.server.web;

import dev.mmsearch.server.Engine;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import dev.mmsearch.store.lucene.VerificationReport;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * At startup, before the service takes requests, verifies the checksum of every file of every embedded (Lucene)
 * collection ({@link LuceneCollectionStore#verify()}): a damaged collection is logged with its reason and answers
 * {@code 503 collection_unavailable}; the service starts anyway and serves the others. Registers the gauge
 * {@code mmsearch.collections.unavailable} (Prometheus {@code mmsearch_collections_unavailable}), which also counts
 * collections found damaged later, when first opened. An OpenSearch store keeps its own checksums and is not verified.
 * The check reads every byte once (12-15 ms for SciFact's 15 MB); for data sets where that delays startup too much,
 * {@code -Dmmsearch.store.verify-on-start=false} turns it off.
 */
@Component
class StoreVerification {
    private static final Logger log = LoggerFactory.getLogger(StoreVerification.class);

    StoreVerification(Engine engine, MeterRegistry meters,
                      @Value("${mmsearch.store.verify-on-start:true}") boolean verifyOnStart) {
        if (!verifyOnStart) {
            log.warn("startup verification off (mmsearch.store.verify-on-start=false): damaged files are found only"
                    + " when a search reads them");
        } else if (engine.store() instanceof LuceneCollectionStore lucene) {
            VerificationReport report = lucene.verify();
            for (VerificationReport.Check broken : report.unavailable()) {
                log.error("collection unavailable collection={} reason={}", broken.name(), broken.problem());
            }
            long documents = report.verified().stream().mapToLong(VerificationReport.Check::documents).sum();
            long bytes = report.verified().stream().mapToLong(VerificationReport.Check::sizeBytes).sum();
            log.info("verified collections={} unavailable={} docs={} mb={} ms={}", report.verified().size(),
                    report.unavailable().size(), documents, bytes / (1024 * 1024), report.millis());
        }
        Gauge.builder("mmsearch.collections.unavailable", engine, e -> e.store().unavailable().size())
                .description("Collections that exist but cannot be served (e.g. damaged index files)")
                .register(meters);
    }
}
