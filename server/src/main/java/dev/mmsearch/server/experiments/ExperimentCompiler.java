package dev.mmsearch.server.experiments;

import dev.mmsearch.config.ConfigValidator;
import dev.mmsearch.core.experiment.ExperimentConfig;
import dev.mmsearch.retrieval.CompiledExperiments;
import dev.mmsearch.retrieval.StageRegistry;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Validates a config by compiling it (every stage of every arm is built, so an unknown stage
 * type or a bad parameter rejects the config), and keeps the last result so the config the
 * source then accepts is not compiled a second time.
 */
final class ExperimentCompiler implements ConfigValidator {
    private final StageRegistry registry;
    private final AtomicReference<Map.Entry<ExperimentConfig, CompiledExperiments>> last = new AtomicReference<>();

    ExperimentCompiler(StageRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void validate(ExperimentConfig config) {
        compile(config);
    }

    CompiledExperiments compile(ExperimentConfig config) {
        Map.Entry<ExperimentConfig, CompiledExperiments> previous = last.get();
        if (previous != null && previous.getKey() == config) {
            return previous.getValue();
        }
        CompiledExperiments compiled = CompiledExperiments.compile(config, registry);
        last.set(Map.entry(config, compiled));
        return compiled;
    }
}
