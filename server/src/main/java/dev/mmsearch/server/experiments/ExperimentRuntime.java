package dev.mmsearch.server.experiments;

import dev.mmsearch.retrieval.stages.BuiltinStages;
import dev.mmsearch.config.ConfigSource;
import dev.mmsearch.config.ExperimentConfigParser;
import dev.mmsearch.config.FileConfigSource;
import dev.mmsearch.config.ZooKeeperConfigSource;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.experiment.ExperimentConfig;
import dev.mmsearch.retrieval.CompiledExperiments;
import dev.mmsearch.retrieval.StageRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The experiments a node serves right now: an immutable {@link CompiledExperiments} built from
 * the current config snapshot and swapped atomically when the config source reports a new,
 * valid config. A request reads {@link #current()} once and uses that snapshot to the end, so a
 * reload never changes a request half-way. Invalid configs never get here: the source runs
 * the same compilation as its validator and keeps the old config when it fails.
 */
public final class ExperimentRuntime implements AutoCloseable {
    public static final String DEFAULT_RESOURCE = "/experiments-default.yaml";
    private static final Logger log = LoggerFactory.getLogger(ExperimentRuntime.class);

    private final AtomicReference<CompiledExperiments> current = new AtomicReference<>();
    private final ExperimentCompiler compiler;
    private final ConfigSource source;
    private final CuratorFramework curator;
    private final String description;
    /** The ZooKeeper connection of the config source, as Curator last reported it; null without ZooKeeper. */
    private final AtomicReference<SourceConnection> connection = new AtomicReference<>();

    /**
     * The config source's connection to ZooKeeper.
     *
     * @param connected whether the client is connected now (the last config serves either way)
     * @param state     Curator's last connection state: CONNECTED, SUSPENDED (connection dropped), LOST (the session
     *                  timed out while disconnected), RECONNECTED, READ_ONLY
     * @param since     when {@code connected} last changed
     */
    public record SourceConnection(boolean connected, String state, Instant since) {
    }

    private ExperimentRuntime(ExperimentCompiler compiler, ConfigSource source, CuratorFramework curator,
                              ExperimentConfig builtin, String description) {
        this.compiler = compiler;
        this.source = source;
        this.curator = curator;
        this.description = description;
        if (curator != null) {
            // Listen first, then read the state now, so no change is missed in between.
            curator.getConnectionStateListenable().addListener((client, state) -> connection.updateAndGet(previous ->
                    previous != null && previous.connected() == state.isConnected()
                            ? new SourceConnection(previous.connected(), state.name(), previous.since())
                            : new SourceConnection(state.isConnected(), state.name(), Instant.now())));
            boolean connected = curator.getZookeeperClient().isConnected();
            connection.compareAndSet(null, new SourceConnection(connected, connected ? "CONNECTED" : "SUSPENDED",
                    Instant.now()));
        }
        if (source != null) {
            source.addListener(this::swap);
            swap(source.current());
        } else {
            swap(builtin);
        }
    }

    /** Opens the configured source; a missing or invalid config at start is a startup error. */
    public static ExperimentRuntime open(ExperimentSettings settings, Path dataDir) {
        ExperimentCompiler compiler = new ExperimentCompiler(BuiltinStages.registry());
        if (settings.zkConnect() != null) {
            CuratorFramework client = CuratorFrameworkFactory.newClient(settings.zkConnect(), new ExponentialBackoffRetry(200, 10));
            client.start();
            try {
                ZooKeeperConfigSource zk = new ZooKeeperConfigSource(client, settings.zkPath(), compiler);
                return new ExperimentRuntime(compiler, zk, client, null, zk.description());
            } catch (RuntimeException e) {
                client.close();
                throw e;
            }
        }
        Path file = settings.file() != null ? settings.file() : dataDir.resolve("experiments.yaml");
        if (settings.file() != null || Files.exists(file)) {
            FileConfigSource fileSource = new FileConfigSource(file, compiler);
            return new ExperimentRuntime(compiler, fileSource, null, null, fileSource.description());
        }
        return new ExperimentRuntime(compiler, null, null, readBuiltin(), "built-in " + DEFAULT_RESOURCE);
    }

    /** The built-in default config shipped in the jar. */
    public static ExperimentConfig readBuiltin() {
        try (InputStream in = ExperimentRuntime.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new MmsearchException(ErrorCode.INTERNAL, DEFAULT_RESOURCE + " is missing from the jar");
            }
            return ExperimentConfigParser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), DEFAULT_RESOURCE);
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot read " + DEFAULT_RESOURCE + ": " + e.getMessage(), e);
        }
    }

    /** The snapshot to serve a request with. */
    public CompiledExperiments current() {
        return current.get();
    }

    /** Where the config comes from, for logs and the UI. */
    public String description() {
        return description;
    }

    /** The config source's ZooKeeper connection; empty for a file or the built-in config (nothing to connect to). */
    public Optional<SourceConnection> sourceConnection() {
        return Optional.ofNullable(connection.get());
    }

    public long acceptedReloads() {
        return source == null ? 0 : source.acceptedReloads();
    }

    public long rejectedReloads() {
        return source == null ? 0 : source.rejectedReloads();
    }

    private void swap(ExperimentConfig config) {
        CompiledExperiments next = compiler.compile(config);
        CompiledExperiments previous = current.getAndSet(next);
        log.info("experiments serving version={} previous={} source={}", next.version(),
                previous == null ? "none" : previous.version(), description);
    }

    @Override
    public void close() {
        try {
            if (source != null) {
                source.close();
            }
        } catch (Exception e) {
            log.warn("closing the experiment config source failed: {}", e.toString());
        } finally {
            if (curator != null) {
                curator.close();
            }
        }
    }

}
