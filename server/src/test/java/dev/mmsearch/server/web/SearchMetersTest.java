package dev.mmsearch.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SearchMetersTest {
    /** The meters as the controller built them per request before they were cached (the published contract). */
    static void recordTheOldWay(MeterRegistry meters) {
        Timer.builder("mmsearch.search").description("Search requests, server side, by collection and outcome")
                .tags("collection", "docs", "outcome", "ok").publishPercentileHistogram().register(meters)
                .record(Duration.ofMillis(12));
        Timer.builder("mmsearch.search.stage").description("Time per search stage")
                .tags("collection", "docs", "stage", "recall").register(meters).record(Duration.ofMillis(3));
        Timer.builder("mmsearch.experiment.requests").description("Requests served by each experiment arm, with their latency")
                .tags("scene", "default", "layer", "recall", "arm", "dense").publishPercentileHistogram().register(meters)
                .record(Duration.ofMillis(12));
        Counter.builder("mmsearch.experiment.zero_results").description("Requests that returned no hit, per arm")
                .tags("scene", "default", "layer", "recall", "arm", "dense").register(meters).increment();
        Counter.builder("mmsearch.experiment.clicks")
                .description("Clicks on results, credited to the arm of each layer that served the query")
                .tags("scene", "default", "layer", "recall", "arm", "dense").register(meters).increment();
        DistributionSummary.builder("mmsearch.search.hits").description("Hits returned per search")
                .tags("collection", "docs").register(meters).record(0);
        DistributionSummary.builder("mmsearch.feedback.position").description("Position of clicked results")
                .tags("collection", "docs").register(meters).record(2);
    }

    static void recordThroughTheCache(SearchMeters meters) {
        meters.search("docs", "ok").record(12, TimeUnit.MILLISECONDS);
        meters.stage("docs", "recall").record(3, TimeUnit.MILLISECONDS);
        meters.armRequests("default", "recall", "dense").record(12, TimeUnit.MILLISECONDS);
        meters.zeroResults("default", "recall", "dense").increment();
        meters.clicks("default", "recall", "dense").increment();
        meters.hits("docs").record(0);
        meters.clickPosition("docs").record(2);
    }

    @Test
    void theCachedMetersPublishExactlyThePrometheusOutputOfTheMetersTheyReplace() {
        PrometheusMeterRegistry old = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PrometheusMeterRegistry cached = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        recordTheOldWay(old);
        recordThroughTheCache(new SearchMeters(cached));
        String scrape = cached.scrape();
        assertThat(scrape).isEqualTo(old.scrape());
        assertThat(scrape).contains("mmsearch_search_seconds_count{collection=\"docs\",outcome=\"ok\"} 1")
                .contains("mmsearch_search_stage_seconds_count{collection=\"docs\",stage=\"recall\"} 1")
                .contains("mmsearch_experiment_requests_seconds_bucket{arm=\"dense\",layer=\"recall\",scene=\"default\"")
                .contains("mmsearch_experiment_zero_results_total{arm=\"dense\",layer=\"recall\",scene=\"default\"} 1.0")
                .contains("mmsearch_experiment_clicks_total{arm=\"dense\",layer=\"recall\",scene=\"default\"} 1.0")
                .contains("mmsearch_search_hits_count{collection=\"docs\"} 1")
                .contains("mmsearch_feedback_position_sum{collection=\"docs\"} 2.0");
    }

    @Test
    void eachTagCombinationIsRegisteredOnceAndReused() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        SearchMeters meters = new SearchMeters(registry);
        Timer first = meters.search("docs", "ok");
        assertThat(meters.search("docs", "ok")).isSameAs(first);
        assertThat(meters.search("docs", "invalid_argument")).isNotSameAs(first);
        assertThat(meters.stage("docs", "ok")).isNotSameAs(first); // same tag values, other meter
        assertThat(registry.find("mmsearch.search").tags("collection", "docs", "outcome", "ok").timer()).isSameAs(first);
        assertThat(meters.zeroResults("s", "l", "a")).isSameAs(meters.zeroResults("s", "l", "a"))
                .isNotSameAs(meters.clicks("s", "l", "a"));
        for (int i = 0; i < 1000; i++) {
            meters.armRequests("default", "recall", i % 2 == 0 ? "dense" : "hybrid").record(1, TimeUnit.MILLISECONDS);
        }
        assertThat(registry.find("mmsearch.experiment.requests").timers()).hasSize(2);
        assertThat(meters.armRequests("default", "recall", "dense").count()).isEqualTo(500);
    }
}
