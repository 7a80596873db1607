package dev.mmsearch.server.web;

import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Hit;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.retrieval.SearchQuery;
import dev.mmsearch.retrieval.SearchResult;
import dev.mmsearch.server.Engine;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.multipart.MultipartFile;

/**
 * The search API, version 1: collections, search (through the experiment pipelines), feedback.
 *
 * <p>Metrics: {@code mmsearch.search} (all searches by collection and outcome),
 * {@code mmsearch.search.stage} (time per stage), {@code mmsearch.experiment.requests} (latency
 * histogram per scene, layer and arm), {@code mmsearch.experiment.zero_results} and
 * {@code mmsearch.experiment.clicks} (per arm; click-through = clicks / requests).
 */
@RestController
@RequestMapping("/api/v1")
class SearchController {
    private static final Logger log = LoggerFactory.getLogger(SearchController.class);

    private final Engine engine;
    private final SearchMeters meters;
    private final RecentQueries recent;
    private final ArmMetrics armMetrics;
    private final SearchAdmission admission;

    /** @param recentQueries setting {@value RecentQueries#SETTING}: queries remembered for feedback, at least 1 */
    SearchController(Engine engine, MeterRegistry meters, ArmMetrics armMetrics, SearchAdmission admission,
                     @Value("${" + RecentQueries.SETTING + ":" + RecentQueries.DEFAULT_CAPACITY + "}") int recentQueries) {
        this.engine = engine;
        this.admission = admission;
        this.meters = new SearchMeters(meters);
        this.armMetrics = armMetrics;
        this.recent = new RecentQueries(recentQueries);
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
    SearchResult search(@PathVariable String name, @RequestBody(required = false) SearchBody body) {
        return run(name, body, null);
    }

    /**
     * Search with an uploaded image (multipart/form-data): the file in part {@code image}, and the JSON body's other
     * fields as form fields ({@code filter} and {@code forceArms} as JSON text). Over 20 MB: 413; not an image the
     * decoder reads: 415.
     */
    @PostMapping(path = "/collections/{name}/search", consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    SearchResult searchWithImage(@PathVariable String name,
                                 @RequestPart(name = "image", required = false) MultipartFile image,
                                 @RequestParam(required = false) String query,
                                 @RequestParam(required = false) Integer topK,
                                 @RequestParam(required = false) Integer offset,
                                 @RequestParam(required = false) String retriever,
                                 @RequestParam(required = false) String model,
                                 @RequestParam(required = false) Boolean debug,
                                 @RequestParam(required = false) String userId,
                                 @RequestParam(required = false) String filter,
                                 @RequestParam(required = false) String scene,
                                 @RequestParam(required = false) String forceArms) throws java.io.IOException {
        if (image == null || image.isEmpty()) {
            throw MmsearchException.badRequest("multipart search needs a non-empty file part named 'image'");
        }
        SearchBody body = SearchBody.ofForm(query, topK, offset, retriever, model, debug, userId,
                filter == null || filter.isBlank() ? null : readJson("filter", filter), scene,
                forceArms == null || forceArms.isBlank() ? null : readForceArms(forceArms));
        return run(name, body, image.getBytes());
    }

    private static Map<String, String> readForceArms(String text) {
        try {
            return dev.mmsearch.core.Json.MAPPER.convertValue(readJson("forceArms", text),
                    new tools.jackson.core.type.TypeReference<Map<String, String>>() {
                    });
        } catch (tools.jackson.core.JacksonException | IllegalArgumentException e) {
            throw new MmsearchException(ErrorCode.BAD_REQUEST, "form field 'forceArms' must be a JSON object of"
                    + " layer name to arm name, e.g. {\"recall\": \"bm25\"}");
        }
    }

    private static tools.jackson.databind.JsonNode readJson(String field, String text) {
        try {
            return dev.mmsearch.core.Json.MAPPER.readTree(text);
        } catch (tools.jackson.core.JacksonException e) {
            throw new MmsearchException(ErrorCode.BAD_REQUEST, "form field '" + field + "' is not valid JSON: "
                    + e.getOriginalMessage());
        }
    }

    private SearchResult run(String name, SearchBody body, byte[] upload) {
        long start = System.nanoTime();
        String outcome = "ok";
        String collectionTag = null;
        try {
            if (body == null) {
                throw MmsearchException.badRequest("request body is empty; send JSON like {\"query\": \"...\"}");
            }
            SearchQuery query = upload == null ? body.toQuery(name) : body.toQuery(name, upload);
            SearchResult result = admission.run(() -> engine.search(query));
            collectionTag = result.collection(); // it was found: no second look-up for the tag
            record(result, System.nanoTime() - start);
            recent.remember(result.queryId(), new RecentQueries.Served(result.collection(), result.scene(),
                    result.configVersion(), result.arms(), result.hits().stream().map(Hit::id).toList()));
            return result;
        } catch (MmsearchException e) {
            outcome = e.code().code();
            throw e;
        } catch (RuntimeException e) {
            outcome = "internal";
            throw e;
        } finally {
            long nanos = System.nanoTime() - start;
            meters.search(collectionTag != null ? collectionTag : safeTag(name), outcome).record(nanos, TimeUnit.NANOSECONDS);
            log.debug("search collection={} outcome={} ms={}", name, outcome, nanos / 1e6);
        }
    }

    @PostMapping(path = "/feedback", consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> feedback(@RequestBody(required = false) FeedbackBody body) {
        if (body == null || body.queryId() == null || body.docId() == null || body.position() == null) {
            throw MmsearchException.badRequest("feedback needs queryId, docId and position, e.g. "
                    + "{\"queryId\": \"...\", \"docId\": \"...\", \"position\": 1}");
        }
        RecentQueries.Served served = recent.get(body.queryId());
        if (served == null) {
            throw new MmsearchException(ErrorCode.NOT_FOUND, "unknown or expired queryId '" + body.queryId()
                    + "' (this node remembers its last " + recent.capacity() + " queries)");
        }
        if (!served.hitIds().contains(body.docId())) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "document '" + body.docId()
                    + "' was not among the results of query " + body.queryId());
        }
        if (body.position() < 1) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "position is 1-based, got " + body.position());
        }
        served.arms().forEach((layer, arm) -> meters.clicks(served.scene(), layer, arm).increment());
        armMetrics.recordClick(body.queryId(), served.scene(), served.arms());
        meters.clickPosition(served.collection()).record(body.position());
        return Map.of("recorded", true, "queryId", body.queryId(), "arms", served.arms());
    }

    private void record(SearchResult result, long nanos) {
        armMetrics.recordSearch(result.scene(), result.arms(), nanos, result.hits().isEmpty());
        for (Map.Entry<String, Double> stage : result.timingsMs().entrySet()) {
            if (!stage.getKey().equals("total")) {
                meters.stage(result.collection(), stage.getKey()).record((long) (stage.getValue() * 1e6),
                        TimeUnit.NANOSECONDS);
            }
        }
        for (Map.Entry<String, String> arm : result.arms().entrySet()) {
            meters.armRequests(result.scene(), arm.getKey(), arm.getValue()).record(nanos, TimeUnit.NANOSECONDS);
            if (result.hits().isEmpty()) {
                meters.zeroResults(result.scene(), arm.getKey(), arm.getValue()).increment();
            }
        }
        meters.hits(result.collection()).record(result.hits().size());
    }

    /**
     * The collection tag of a search that failed: its name when the collection exists, else {@code unknown}, so
     * unknown (or invalid) names do not create one meter per typo. Only failed searches look the name up again.
     */
    private String safeTag(String name) {
        try {
            return engine.store().exists(name) ? name : "unknown";
        } catch (MmsearchException e) {
            return "unknown"; // not a valid collection name
        }
    }
}
