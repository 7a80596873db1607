package dev.mmsearch.config;

import dev.mmsearch.core.experiment.ExperimentConfig;

/**
 * A check a config must pass before a {@link ConfigSource} accepts it, beyond the structure the
 * parser already checks. The server passes one that builds the pipelines of every arm, so an
 * unknown stage type or a bad parameter rejects the whole config instead of failing requests.
 */
@FunctionalInterface
public interface ConfigValidator {
    /** Accepts every structurally valid config. */
    ConfigValidator ACCEPT_ALL = config -> {
    };

    /**
     * @throws dev.mmsearch.core.MmsearchException (usually INVALID_ARGUMENT) saying what is wrong
     */
    void validate(ExperimentConfig config);
}
