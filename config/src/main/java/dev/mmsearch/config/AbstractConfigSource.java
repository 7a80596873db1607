package dev.mmsearch.config;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.experiment.ExperimentConfig;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What both sources share: parse, validate, swap atomically, count, notify. */
abstract class AbstractConfigSource implements ConfigSource {
    private final Logger log = LoggerFactory.getLogger(getClass());

    /** What became of an offered text. */
    enum Outcome { ACCEPTED, UNCHANGED, REJECTED }

    private final ConfigValidator validator;
    private final AtomicReference<ExperimentConfig> current = new AtomicReference<>();
    private final List<Consumer<ExperimentConfig>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicReference<String> lastRejection = new AtomicReference<>();
    private final Object reloadLock = new Object();

    AbstractConfigSource(ConfigValidator validator) {
        this.validator = validator == null ? ConfigValidator.ACCEPT_ALL : validator;
    }

    /** Parses and validates the first config; any problem is thrown (a startup error). */
    final ExperimentConfig loadInitial(String text) {
        synchronized (reloadLock) {
            ExperimentConfig config = ExperimentConfigParser.parse(text, description());
            validate(config);
            current.set(config);
            log.info("experiment config loaded source={} version={} scenes={}", description(), config.version(),
                    config.scenes().keySet());
            return config;
        }
    }

    /**
     * Offers a changed text: parsed, compared, validated, then swapped in and announced, or
     * rejected with a WARN log. Changes are applied one at a time.
     */
    final Outcome offer(String text) {
        synchronized (reloadLock) {
            ExperimentConfig running = current.get();
            ExperimentConfig candidate;
            try {
                candidate = ExperimentConfigParser.parse(text, description());
                if (candidate.equals(running)) {
                    log.debug("experiment config unchanged source={} version={}", description(), running.version());
                    return Outcome.UNCHANGED;
                }
                if (candidate.version().equals(running.version())) {
                    throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "the config changed but its version is still '"
                            + running.version() + "'; give every change a new version (it is reported in responses and metrics)");
                }
                validate(candidate);
            } catch (MmsearchException e) {
                reject(running, e.getMessage(), null);
                return Outcome.REJECTED;
            } catch (RuntimeException e) {
                reject(running, "validation failed unexpectedly: " + e, e);
                return Outcome.REJECTED;
            }
            current.set(candidate);
            accepted.incrementAndGet();
            log.info("experiment config reloaded source={} version={} previous={}", description(), candidate.version(),
                    running.version());
            for (Consumer<ExperimentConfig> listener : listeners) {
                try {
                    listener.accept(candidate);
                } catch (RuntimeException e) {
                    log.error("experiment config listener failed source={} version={}", description(), candidate.version(), e);
                }
            }
            return Outcome.ACCEPTED;
        }
    }

    private void validate(ExperimentConfig config) {
        try {
            validator.validate(config);
        } catch (MmsearchException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "config " + config.version() + " failed validation: " + e, e);
        }
    }

    private void reject(ExperimentConfig running, String reason, Throwable cause) {
        rejected.incrementAndGet();
        lastRejection.set(reason);
        if (cause == null) {
            log.warn("experiment config change rejected source={} keeping version={} reason={}", description(),
                    running.version(), reason);
        } else {
            log.warn("experiment config change rejected source={} keeping version={} reason={}", description(),
                    running.version(), reason, cause);
        }
    }

    @Override
    public final ExperimentConfig current() {
        return current.get();
    }

    @Override
    public final void addListener(Consumer<ExperimentConfig> listener) {
        listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public final long acceptedReloads() {
        return accepted.get();
    }

    @Override
    public final long rejectedReloads() {
        return rejected.get();
    }

    @Override
    public final Optional<String> lastRejection() {
        return Optional.ofNullable(lastRejection.get());
    }
}
