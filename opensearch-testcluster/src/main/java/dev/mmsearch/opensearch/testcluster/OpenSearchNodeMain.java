package dev.mmsearch.opensearch.testcluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;

/**
 * The entry point of one OpenSearch node JVM started by {@link OpenSearchTestCluster}; not for use on its own.
 * Arguments: {@code home clusterName nodeName httpPort transportPort seedHosts(comma) initialManagers(comma)},
 * then any number of {@code setting=value} node settings.
 *
 * <p>It runs a plain {@link Node} with the Netty transport, Painless, common analysis (language analyzers) and
 * k-NN plugins from the classpath (the
 * way OpenSearch's own integration tests do), without the production bootstrap (no security manager, no
 * bootstrap checks). The node stops when its standard input closes, so a node never outlives the test JVM
 * that started it, even when that JVM is killed. Logging goes through OpenSearch's own log4j.
 */
public final class OpenSearchNodeMain {
    private static final List<String> PLUGIN_CLASSES = List.of(
            "org.opensearch.transport.Netty4Plugin",
            "org.opensearch.painless.PainlessPlugin",
            "org.opensearch.analysis.common.CommonAnalysisPlugin",
            "org.opensearch.knn.plugin.KNNPlugin");

    private OpenSearchNodeMain() {
    }

    /** A node with plugins given as classes (Node's constructor for that is protected). */
    private static final class PluginsNode extends Node {
        PluginsNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
            super(environment, plugins, true);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 7) {
            throw new IllegalArgumentException("usage: home clusterName nodeName httpPort transportPort seedHosts"
                    + " initialManagers [setting=value ...]");
        }
        Path home = Path.of(args[0]);
        String nodeName = args[2];
        Settings settings = Settings.builder()
                .put("path.home", home.toString())
                .put("cluster.name", args[1])
                .put("node.name", nodeName)
                .put("network.host", "127.0.0.1")
                .put("http.port", args[3])
                .put("transport.port", args[4])
                .putList("discovery.seed_hosts", List.of(args[5].split(",")))
                .putList("cluster.initial_cluster_manager_nodes", List.of(args[6].split(",")))
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                .put(extraSettings(args))
                .build();
        Logger log = LogManager.getLogger(OpenSearchNodeMain.class);
        List<Class<? extends Plugin>> plugins = new ArrayList<>();
        for (String name : PLUGIN_CLASSES) {
            plugins.add(Class.forName(name).asSubclass(Plugin.class));
        }
        Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null,
                () -> nodeName);
        Node node = new PluginsNode(environment, plugins);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(node, log)));
        node.start();
        log.info("node {} started: http 127.0.0.1:{} transport 127.0.0.1:{}", nodeName, args[3], args[4]);
        Thread watcher = new Thread(() -> {
            try (InputStream in = System.in) {
                while (in.read() >= 0) {
                    // Only the end of the stream matters: the parent closed it or died.
                }
            } catch (IOException e) {
                // Treated as the end of the stream.
            }
            stopped.countDown();
        }, "stdin-watcher");
        watcher.setDaemon(true);
        watcher.start();
        stopped.await();
        log.info("node {} stopping: its parent closed standard input", nodeName);
        System.exit(0);
    }

    /** Arguments after the seventh: {@code setting=value} node settings (e.g. thread pool sizes for a test). */
    private static Settings extraSettings(String[] args) {
        Settings.Builder extra = Settings.builder();
        for (int i = 7; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("node setting '" + args[i] + "' is not setting=value");
            }
            extra.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        return extra.build();
    }

    private static void closeQuietly(Node node, Logger log) {
        try {
            node.close();
        } catch (IOException | RuntimeException e) {
            log.warn("closing the node failed: {}", e.toString());
        }
    }
}
