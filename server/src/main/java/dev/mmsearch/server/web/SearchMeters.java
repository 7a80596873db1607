package dev.mmsearch.server.web;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The search API's Micrometer meters, each built and registered once per tag combination and then served from a
 * map, so a request does not rebuild a meter id (name, description, sorted tags) and look it up in the registry for
 * every stage and arm it reports. The names, tags and descriptions are those the API has always published
 * (Prometheus: {@code mmsearch_search_seconds}, {@code mmsearch_search_stage_seconds},
 * {@code mmsearch_experiment_requests_seconds}, {@code mmsearch_experiment_zero_results_total},
 * {@code mmsearch_experiment_clicks_total}, {@code mmsearch_search_hits}, {@code mmsearch_feedback_position}).
 *
 * <p>Bounded like the registry itself: collection tags are names of existing collections (else {@code unknown}),
 * outcomes are error codes, stages are the pipeline's timing names, and scene/layer/arm come from the config.
 */
final class SearchMeters {
    /** One meter's identity: its name and up to three tag values (the tag keys follow from the name). */
    private record Key(String meter, String a, String b, String c) {
    }

    private final MeterRegistry registry;
    private final ConcurrentHashMap<Key, Meter> meters = new ConcurrentHashMap<>();

    SearchMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** {@code mmsearch.search}: all searches by collection and outcome. */
    Timer search(String collection, String outcome) {
        return get(new Key("mmsearch.search", collection, outcome, null), k -> Timer.builder(k.meter())
                .description("Search requests, server side, by collection and outcome")
                .tags("collection", k.a(), "outcome", k.b())
                .publishPercentileHistogram()
                .register(registry));
    }

    /** {@code mmsearch.search.stage}: time per stage. */
    Timer stage(String collection, String stage) {
        return get(new Key("mmsearch.search.stage", collection, stage, null), k -> Timer.builder(k.meter())
                .description("Time per search stage")
                .tags("collection", k.a(), "stage", k.b())
                .register(registry));
    }

    /** {@code mmsearch.experiment.requests}: requests and latency per arm. */
    Timer armRequests(String scene, String layer, String arm) {
        return get(new Key("mmsearch.experiment.requests", scene, layer, arm), k -> Timer.builder(k.meter())
                .description("Requests served by each experiment arm, with their latency")
                .tags("scene", k.a(), "layer", k.b(), "arm", k.c())
                .publishPercentileHistogram()
                .register(registry));
    }

    /** {@code mmsearch.experiment.zero_results}: requests without a hit, per arm. */
    Counter zeroResults(String scene, String layer, String arm) {
        return get(new Key("mmsearch.experiment.zero_results", scene, layer, arm), k -> Counter.builder(k.meter())
                .description("Requests that returned no hit, per arm")
                .tags("scene", k.a(), "layer", k.b(), "arm", k.c())
                .register(registry));
    }

    /** {@code mmsearch.experiment.clicks}: clicks credited to each arm that served the query. */
    Counter clicks(String scene, String layer, String arm) {
        return get(new Key("mmsearch.experiment.clicks", scene, layer, arm), k -> Counter.builder(k.meter())
                .description("Clicks on results, credited to the arm of each layer that served the query")
                .tags("scene", k.a(), "layer", k.b(), "arm", k.c())
                .register(registry));
    }

    /** {@code mmsearch.search.hits}: hits returned per search. */
    DistributionSummary hits(String collection) {
        return get(new Key("mmsearch.search.hits", collection, null, null), k -> DistributionSummary.builder(k.meter())
                .description("Hits returned per search")
                .tags("collection", k.a())
                .register(registry));
    }

    /** {@code mmsearch.feedback.position}: position of clicked results. */
    DistributionSummary clickPosition(String collection) {
        return get(new Key("mmsearch.feedback.position", collection, null, null), k -> DistributionSummary.builder(k.meter())
                .description("Position of clicked results")
                .tags("collection", k.a())
                .register(registry));
    }

    @SuppressWarnings("unchecked")
    private <M extends Meter> M get(Key key, Function<Key, M> register) {
        Meter meter = meters.get(key); // the hit path takes no lock; computeIfAbsent only for a new combination
        if (meter == null) {
            meter = meters.computeIfAbsent(key, register);
        }
        return (M) meter;
    }
}
