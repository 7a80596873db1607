package dev.mmsearch.server.web;

import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.SearchRequest;
import dev.mmsearch.core.SearchResponse;
import dev.mmsearch.server.Engine;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The search API, version 1. */
@RestController
@RequestMapping("/api/v1")
class SearchController {
    private static final Logger log = LoggerFactory.getLogger(SearchController.class);

    private final Engine engine;
    private final MeterRegistry meters;

    SearchController(Engine engine, MeterRegistry meters) {
        this.engine = engine;
        this.meters = meters;
    }

    @GetMapping("/collections")
    List<CollectionInfo> collections() {
        return engine.store().list();
    }

    @GetMapping("/collections/{name}")
    CollectionInfo collection(@PathVariable String name) {
        return engine.store().get(CollectionStore.validateName(name)).info();
    }

    @PostMapping(path = "/collections/{name}/search", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    SearchResponse search(@PathVariable String name, @RequestBody(required = false) SearchBody body) {
        long start = System.nanoTime();
        String outcome = "ok";
        String retriever = "unknown";
        try {
            if (body == null) {
                throw MmsearchException.badRequest("request body is empty; send JSON like {\"query\": \"...\"}");
            }
            SearchRequest request = body.toRequest();
            retriever = request.retriever().label();
            SearchResponse response = engine.searcher().search(name, request);
            record(name, response);
            return response;
        } catch (MmsearchException e) {
            outcome = e.code().code();
            throw e;
        } catch (RuntimeException e) {
            outcome = "internal";
            throw e;
        } finally {
            long nanos = System.nanoTime() - start;
            Timer.builder("mmsearch.search")
                    .description("Search requests, server side, by collection, retriever and outcome")
                    .tags("collection", safeTag(name), "retriever", retriever, "outcome", outcome)
                    .publishPercentileHistogram()
                    .register(meters)
                    .record(Duration.ofNanos(nanos));
            log.debug("search collection={} retriever={} outcome={} ms={}", name, retriever, outcome, nanos / 1e6);
        }
    }

    private void record(String collection, SearchResponse response) {
        for (Map.Entry<String, Double> stage : response.timingsMs().entrySet()) {
            if (!stage.getKey().equals("total")) {
                Timer.builder("mmsearch.search.stage")
                        .description("Time per search stage")
                        .tags("collection", collection, "stage", stage.getKey())
                        .register(meters)
                        .record(Duration.ofNanos((long) (stage.getValue() * 1e6)));
            }
        }
        DistributionSummary.builder("mmsearch.search.hits")
                .description("Hits returned per search")
                .tags("collection", collection)
                .register(meters)
                .record(response.hits().size());
    }

    /** Unknown collection names would otherwise create one meter per typo. */
    private String safeTag(String name) {
        return engine.store().exists(name) ? name : "unknown";
    }
}
