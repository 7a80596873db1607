package dev.mmsearch.server.web;

import dev.mmsearch.server.Engine;
import dev.mmsearch.server.experiments.ExperimentRuntime;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The live experiment configuration, for people and for the UI's experiments page. With a ZooKeeper source it also
 * says whether the source is connected ({@code connected}, {@code connectionState}, {@code connectedSince} or
 * {@code disconnectedSince}): while it is not, the last config keeps serving.
 */
@RestController
@RequestMapping("/api/v1")
class ExperimentsController {
    private final Engine engine;

    ExperimentsController(Engine engine, MeterRegistry meters) {
        this.engine = engine;
        ExperimentRuntime runtime = engine.experiments();
        FunctionCounter.builder("mmsearch.experiment.reloads", runtime, ExperimentRuntime::acceptedReloads)
                .description("Config reloads accepted").tag("result", "accepted").register(meters);
        FunctionCounter.builder("mmsearch.experiment.reloads", runtime, ExperimentRuntime::rejectedReloads)
                .description("Config reloads rejected (the running config stayed)").tag("result", "rejected").register(meters);
        if (runtime.sourceConnection().isPresent()) {
            Gauge.builder("mmsearch.experiment.source.connected", runtime,
                            r -> r.sourceConnection().map(c -> c.connected() ? 1.0 : 0.0).orElse(0.0))
                    .description("1 while the experiment config source (ZooKeeper) is connected; the last config serves"
                            + " either way").register(meters);
        }
    }

    @GetMapping("/experiments")
    Map<String, Object> experiments() {
        ExperimentRuntime runtime = engine.experiments();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", runtime.current().version());
        body.put("source", runtime.description());
        runtime.sourceConnection().ifPresent(c -> {
            body.put("connected", c.connected());
            body.put("connectionState", c.state());
            body.put(c.connected() ? "connectedSince" : "disconnectedSince", c.since().toString());
        });
        body.put("acceptedReloads", runtime.acceptedReloads());
        body.put("rejectedReloads", runtime.rejectedReloads());
        body.put("config", runtime.current().config());
        return body;
    }
}
