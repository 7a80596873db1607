package dev.mmsearch.server.web;

import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Per-arm live metrics for the UI's experiments page: {@code GET /api/v1/experiments/metrics}
 * answers {@code {"since", "latencyWindow", "arms": [{"scene", "layer", "arm", "requests",
 * "zeroResults", "zeroResultRate", "clicks", "clickedQueries", "clickThroughRate",
 * "latencyMs": {"samples", "p50", "p95", "p99"}}]}}. Counts are since the node started;
 * latency percentiles are over each arm's last {@value ArmMetrics#RESERVOIR} requests;
 * click-through rate is clicked queries / requests.
 */
@RestController
@RequestMapping("/api/v1")
class ExperimentMetricsController {
    private final ArmMetrics metrics;

    ExperimentMetricsController(ArmMetrics metrics) {
        this.metrics = metrics;
    }

    @GetMapping("/experiments/metrics")
    Map<String, Object> metrics() {
        return metrics.snapshot();
    }
}
