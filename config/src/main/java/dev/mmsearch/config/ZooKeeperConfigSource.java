package dev.mmsearch.config;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.experiment.ExperimentConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.utils.PathUtils;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The experiment config from a ZooKeeper node, so every server of a deployment follows one
 * config. A Curator {@link CuratorCache} (a persistent watch) follows the node; each change is
 * handed to a dedicated thread (so a slow validator never stalls Curator's event thread) that
 * reads the node's latest cached data and offers it: valid → swapped in atomically and announced,
 * invalid → rejected with a WARN log, the running config stays.
 *
 * <p>The node must exist and hold a valid config when the source starts (a startup error
 * otherwise). When the ensemble becomes unreachable the last config keeps serving; Curator
 * reconnects and the cache re-reads the node, so changes made meanwhile arrive. The caller owns
 * the (started) {@link CuratorFramework} and closes it after this source.
 */
public final class ZooKeeperConfigSource extends AbstractConfigSource {
    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperConfigSource.class);
    /** How long the constructor waits for the first read of the node. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(30);

    private final CuratorFramework client;
    private final String path;
    private final CuratorCache cache;
    private final ExecutorService reloader;
    private final ConnectionStateListener connectionListener;
    private volatile boolean closed;

    /** Reads the node (waiting up to 30 s for ZooKeeper), validates it and starts following it. */
    public ZooKeeperConfigSource(CuratorFramework client, String path, ConfigValidator validator) {
        this(client, path, validator, DEFAULT_START_TIMEOUT);
    }

    /** As {@link #ZooKeeperConfigSource(CuratorFramework, String, ConfigValidator)} with another start timeout. */
    public ZooKeeperConfigSource(CuratorFramework client, String path, ConfigValidator validator, Duration startTimeout) {
        super(validator);
        this.client = Objects.requireNonNull(client, "client");
        this.path = validPath(path);
        if (client.getState() != CuratorFrameworkState.STARTED) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "the CuratorFramework for " + description()
                    + " is " + client.getState() + "; start it before creating the config source");
        }
        this.reloader = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("mmsearch-config-zk").factory());
        this.cache = CuratorCache.build(client, this.path, CuratorCache.Options.SINGLE_NODE_CACHE);
        CountDownLatch initialized = new CountDownLatch(1);
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forCreatesAndChanges((before, after) -> scheduleReload())
                .forDeletes(gone -> LOG.warn("experiment config znode={} was deleted; keeping version={}", this.path,
                        runningVersion()))
                .forInitialized(initialized::countDown)
                .build());
        this.connectionListener = (c, state) -> onConnectionState(state);
        client.getConnectionStateListenable().addListener(connectionListener);
        try {
            cache.start();
            if (!initialized.await(startTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new MmsearchException(ErrorCode.NOT_READY, "ZooKeeper at " + client.getZookeeperClient()
                        .getCurrentConnectionString() + " did not answer within " + startTimeout.toSeconds()
                        + " s; cannot read the experiment config " + description());
            }
            // Events that arrive before loadInitial returns find current() null and are skipped by
            // reload(); the cache already holds their data, which is what is read here.
            Optional<ChildData> data = cache.get(this.path);
            if (data.isEmpty()) {
                throw new MmsearchException(ErrorCode.NOT_FOUND, "experiment config " + description()
                        + " does not exist; publish one with ZooKeeperConfigSource.publish(client, path, yaml)");
            }
            loadInitial(text(data.get()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new MmsearchException(ErrorCode.NOT_READY, "interrupted while reading " + description(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        scheduleReload(); // catches a change that landed between the read above and the end of loadInitial
    }

    @Override
    public String description() {
        return "zookeeper:" + path;
    }

    /** The znode followed. */
    public String path() {
        return path;
    }

    private void scheduleReload() {
        if (closed) {
            return;
        }
        try {
            reloader.execute(this::reload);
        } catch (RejectedExecutionException e) {
            LOG.debug("config source closed; change ignored");
        }
    }

    /** Offers the node's latest data (coalesces bursts of events: an equal config is a no-op). */
    private void reload() {
        if (closed || current() == null) {
            return;
        }
        cache.get(path).ifPresent(data -> offer(text(data)));
    }

    private void onConnectionState(ConnectionState state) {
        switch (state) {
            case SUSPENDED, LOST -> LOG.warn("ZooKeeper connection {} for {}; serving last config version={}", state,
                    description(), runningVersion());
            case RECONNECTED -> LOG.info("ZooKeeper reconnected for {}; re-reading the config", description());
            default -> {
            }
        }
    }

    private String runningVersion() {
        ExperimentConfig running = current();
        return running == null ? "(none yet)" : running.version();
    }

    private static String text(ChildData data) {
        byte[] bytes = data.getData();
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }

    private static String validPath(String path) {
        try {
            return PathUtils.validatePath(path);
        } catch (IllegalArgumentException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "'" + path + "' is not a ZooKeeper path: " + e.getMessage());
        }
    }

    /**
     * Checks {@code text} (parse + {@code validator}) and writes it to {@code path}, creating the
     * node and its parents as needed. Nothing is written when the config is invalid.
     *
     * @return the published config
     * @throws InvalidConfigException when the text is not a valid config
     * @throws MmsearchException NOT_READY when ZooKeeper cannot be reached
     */
    public static ExperimentConfig publish(CuratorFramework client, String path, String text, ConfigValidator validator) {
        String znode = validPath(path);
        ExperimentConfig config = ExperimentConfigParser.parse(text, "zookeeper:" + znode);
        if (validator != null) {
            validator.validate(config);
        }
        try {
            client.create().orSetData().creatingParentsIfNeeded().forPath(znode, text.getBytes(StandardCharsets.UTF_8));
        } catch (KeeperException.ConnectionLossException | KeeperException.SessionExpiredException e) {
            throw new MmsearchException(ErrorCode.NOT_READY, "cannot publish the experiment config to " + znode
                    + ": ZooKeeper is unreachable (" + e.getMessage() + ")", e);
        } catch (Exception e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot publish the experiment config to " + znode + ": " + e, e);
        }
        LOG.info("experiment config published znode={} version={}", znode, config.version());
        return config;
    }

    /** {@link #publish(CuratorFramework, String, String, ConfigValidator)} with structural checks only. */
    public static ExperimentConfig publish(CuratorFramework client, String path, String text) {
        return publish(client, path, text, null);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        client.getConnectionStateListenable().removeListener(connectionListener);
        cache.close();
        reloader.shutdownNow();
        try {
            reloader.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
