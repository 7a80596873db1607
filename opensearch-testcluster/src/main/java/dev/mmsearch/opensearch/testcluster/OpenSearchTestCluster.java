package dev.mmsearch.opensearch.testcluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real OpenSearch 2.19.1 cluster with the k-NN 2.19.1.0 plugin for tests: {@code nodes} node processes (one
 * JVM each, started in parallel) on 127.0.0.1 with random free ports, all data in a fresh temporary directory
 * that {@link #close()} deletes.
 *
 * <p>The node JVMs run {@link OpenSearchNodeMain} on a classpath of this module's own classes plus the server
 * jars listed at build time in {@code node.classpath} (from the local Maven repository) plus the jars of the
 * k-NN plugin zip, unpacked into the cluster directory. Nothing of it is on the calling JVM's classpath.
 *
 * <p>The JVM that runs the nodes is {@code $JAVA_HOME}-independent: system property
 * {@value #JAVA_PROPERTY} names a java executable; without it the calling JVM's own {@code java} is used.
 * Each node gets {@value #DEFAULT_HEAP} of heap.
 *
 * <pre>{@code
 * try (OpenSearchTestCluster cluster = OpenSearchTestCluster.start(2)) {
 *     List<String> hosts = cluster.httpHosts(); // "http://127.0.0.1:<port>" per node
 * }
 * }</pre>
 */
public final class OpenSearchTestCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OpenSearchTestCluster.class);
    /** System property naming the java executable for the node JVMs. */
    public static final String JAVA_PROPERTY = "mmsearch.opensearch.java";
    static final String DEFAULT_HEAP = "512m";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final Pattern STATUS = Pattern.compile("\"status\"\\s*:\\s*\"(green|yellow|red)\"");
    private static final Pattern NODES = Pattern.compile("\"number_of_nodes\"\\s*:\\s*(\\d+)");

    private final String clusterName;
    private final Path root;
    private final List<NodeSpec> specs;
    private final Process[] processes;
    private final String classpath;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Duration startupTime;
    private final Map<String, String> nodeSettings;

    private record NodeSpec(String name, Path home, int httpPort, int transportPort) {
        String httpHost() {
            return "http://127.0.0.1:" + httpPort;
        }
    }

    private OpenSearchTestCluster(int nodes, Map<String, String> nodeSettings) throws IOException {
        this.nodeSettings = Map.copyOf(nodeSettings);
        if (nodes < 1) {
            throw new IllegalArgumentException("a cluster needs at least one node, got " + nodes);
        }
        long started = System.nanoTime();
        this.clusterName = "mmsearch-test-" + ProcessHandle.current().pid() + "-" + Long.toHexString(started);
        this.root = Files.createTempDirectory("opensearch-testcluster-");
        this.classpath = buildClasspath(root);
        List<Integer> ports = freePorts(nodes * 2);
        List<NodeSpec> list = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            Path home = Files.createDirectories(root.resolve("node-" + i));
            list.add(new NodeSpec("node-" + i, home, ports.get(2 * i), ports.get(2 * i + 1)));
        }
        this.specs = List.copyOf(list);
        this.processes = new Process[nodes];
        try {
            for (int i = 0; i < nodes; i++) {
                processes[i] = launch(specs.get(i));
            }
            waitForHealth(nodes == 1 ? "yellow" : "green", nodes, START_TIMEOUT);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        this.startupTime = Duration.ofNanos(System.nanoTime() - started);
        log.info("opensearch test cluster={} nodes={} hosts={} startedIn={}ms", clusterName, nodes, httpHosts(),
                startupTime.toMillis());
    }

    /**
     * Starts {@code nodes} nodes in parallel and waits until the cluster has them all and is green (yellow for one
     * node).
     *
     * @throws IOException when a node cannot be started or the cluster is not healthy within 3 minutes; the
     *                     message names the node logs
     */
    public static OpenSearchTestCluster start(int nodes) throws IOException {
        return new OpenSearchTestCluster(nodes, Map.of());
    }

    /**
     * {@link #start(int)} with extra node settings for every node, e.g. {@code thread_pool.write.queue_size} to
     * provoke rejections (429) in a test.
     */
    public static OpenSearchTestCluster start(int nodes, Map<String, String> nodeSettings)
            throws IOException {
        return new OpenSearchTestCluster(nodes, nodeSettings);
    }

    /** The HTTP addresses of all nodes, {@code http://127.0.0.1:<port>}, in node order. */
    public List<String> httpHosts() {
        return specs.stream().map(NodeSpec::httpHost).toList();
    }

    /** The HTTP address of node {@code index}. */
    public String httpHost(int index) {
        return specs.get(index).httpHost();
    }

    public int size() {
        return specs.size();
    }

    /** How long {@link #start(int)} took until the cluster was healthy. */
    public Duration startupTime() {
        return startupTime;
    }

    /**
     * The index of the node that is the elected cluster manager now. With two manager-eligible nodes the voting
     * configuration holds only one of them, so only the other one can be lost without stopping the cluster.
     *
     * @throws IOException when no running node can tell
     */
    public int clusterManagerIndex() throws IOException {
        for (int i = 0; i < specs.size(); i++) {
            if (!isRunning(i)) {
                continue;
            }
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                                new URI(specs.get(i).httpHost() + "/_cat/cluster_manager?h=node"))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                String node = response.body().strip();
                for (int j = 0; j < specs.size(); j++) {
                    if (response.statusCode() == 200 && specs.get(j).name().equals(node)) {
                        return j;
                    }
                }
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while asking for the cluster manager", e);
            } catch (IOException e) {
                // try the next node
            }
        }
        throw new IOException("no running node of cluster " + clusterName + " names an elected cluster manager");
    }

    /** The name of node {@code index} ({@code node-<index>}), as OpenSearch reports it. */
    public String nodeName(int index) {
        return specs.get(index).name();
    }

    /** Whether node {@code index}'s process is running. */
    public boolean isRunning(int index) {
        return processes[index] != null && processes[index].isAlive();
    }

    /** Kills node {@code index}'s JVM (SIGKILL, like a machine failure) and waits until the process is gone. */
    public void killNode(int index) throws InterruptedException {
        Process process = processes[index];
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        process.waitFor();
        processes[index] = null;
        log.info("killed opensearch node={} of cluster={}", specs.get(index).name(), clusterName);
    }

    /** Starts node {@code index} again on its old ports and data directory (after {@link #killNode}). */
    public void restartNode(int index) throws IOException {
        if (isRunning(index)) {
            throw new IllegalStateException("node " + index + " is running");
        }
        processes[index] = launch(specs.get(index));
    }

    /**
     * Waits until the cluster has {@code nodes} nodes and at least {@code status} (green beats yellow).
     *
     * @throws IOException when that does not happen within {@code timeout}
     */
    public void waitForHealth(String status, int nodes, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < specs.size(); i++) {
                if (processes[i] != null && !processes[i].isAlive()) {
                    throw new IOException("opensearch node " + specs.get(i).name() + " exited with code "
                            + processes[i].exitValue() + "; see " + logFile(specs.get(i)));
                }
            }
            for (int i = 0; i < specs.size(); i++) {
                if (!isRunning(i)) {
                    continue;
                }
                try {
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                                    new URI(specs.get(i).httpHost() + "/_cluster/health?wait_for_status=" + status
                                            + "&wait_for_nodes=" + nodes + "&timeout=1s"))
                            .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                    last = response.body();
                    if (response.statusCode() == 200 && healthy(last, status, nodes)) {
                        return;
                    }
                    break;
                } catch (IOException e) {
                    last = e.toString();
                } catch (URISyntaxException e) {
                    throw new IllegalStateException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for the cluster", e);
                }
            }
            sleep(250);
        }
        throw new IOException("opensearch cluster " + clusterName + " did not reach " + status + " with " + nodes
                + " nodes within " + timeout.toSeconds() + " s (last answer: " + last + "); node logs: "
                + specs.stream().map(s -> logFile(s).toString()).collect(Collectors.joining(", ")));
    }

    // The health answer is read with two patterns instead of a JSON library so that this module adds nothing
    // but SLF4J to the classpath of the tests that use it.
    private static boolean healthy(String body, String status, int nodes) {
        Matcher s = STATUS.matcher(body);
        Matcher n = NODES.matcher(body);
        if (!s.find() || !n.find() || Integer.parseInt(n.group(1)) != nodes) {
            return false;
        }
        return s.group(1).equals("green") || s.group(1).equals(status);
    }

    /** Stops every node, waits for the processes to end and deletes the cluster directory. Idempotent. */
    @Override
    public void close() {
        for (Process process : processes) {
            if (process != null) {
                try {
                    process.getOutputStream().close(); // the node stops when its stdin closes
                } catch (IOException e) {
                    process.destroy();
                }
            }
        }
        for (int i = 0; i < processes.length; i++) {
            Process process = processes[i];
            if (process == null) {
                continue;
            }
            try {
                if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            processes[i] = null;
        }
        deleteRecursively(root);
        log.info("stopped opensearch test cluster={}", clusterName);
    }

    private Process launch(NodeSpec spec) throws IOException {
        String seeds = specs.stream().map(s -> "127.0.0.1:" + s.transportPort()).collect(Collectors.joining(","));
        String managers = specs.stream().map(NodeSpec::name).collect(Collectors.joining(","));
        List<String> command = new ArrayList<>(List.of(javaExecutable(),
                "-Xms256m", "-Xmx" + DEFAULT_HEAP, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Djava.io.tmpdir=" + Files.createDirectories(spec.home().resolve("tmp")),
                "-Dlog4j2.disable.jmx=true", "-Dorg.apache.logging.log4j.level=INFO",
                "-Dopensearch.set.netty.runtime.available.processors=false",
                "--enable-native-access=ALL-UNNAMED",
                "-cp", classpath, OpenSearchNodeMain.class.getName(),
                spec.home().toString(), clusterName, spec.name(), Integer.toString(spec.httpPort()),
                Integer.toString(spec.transportPort()), seeds, managers));
        nodeSettings.forEach((key, value) -> command.add(key + "=" + value));
        Path logFile = logFile(spec);
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        log.info("started opensearch node={} pid={} http={} log={}", spec.name(), process.pid(), spec.httpPort(),
                logFile);
        return process;
    }

    private static Path logFile(NodeSpec spec) {
        return spec.home().resolve("node.log");
    }

    private static String javaExecutable() {
        String configured = System.getProperty(JAVA_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** This module's classes, the server jars listed at build time, and the k-NN plugin's jars. */
    private static String buildClasspath(Path root) throws IOException {
        List<String> entries = new ArrayList<>();
        try {
            entries.add(Path.of(OpenSearchNodeMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString());
        } catch (URISyntaxException e) {
            throw new IOException("cannot locate the test cluster's own classes", e);
        }
        String serverJars = resource("node.classpath").strip();
        if (serverJars.isEmpty()) {
            throw new IOException("node.classpath is empty; rebuild mmsearch-opensearch-testcluster");
        }
        entries.add(serverJars);
        Path zip = Path.of(resource("knn-plugin.path").strip());
        Path pluginDir = Files.createDirectories(root.resolve("knn-plugin"));
        unzip(zip, pluginDir);
        try (Stream<Path> jars = Files.list(pluginDir)) {
            jars.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> entries.add(p.toString()));
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = OpenSearchTestCluster.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("resource " + name + " is missing; rebuild mmsearch-opensearch-testcluster");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void unzip(Path zip, Path target) throws IOException {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                Path out = target.resolve(entry.getName()).normalize();
                if (!out.startsWith(target)) {
                    throw new IOException("zip entry " + entry.getName() + " of " + zip + " leaves " + target);
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(in, out);
                }
            }
        }
    }

    private static List<Integer> freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().map(ServerSocket::getLocalPort).toList();
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void deleteRecursively(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            log.warn("could not delete opensearch test cluster directory={}: {}", path, e.toString());
        }
    }

    @Override
    public String toString() {
        return "OpenSearchTestCluster[" + clusterName + ", " + Objects.toString(httpHosts()) + "]";
    }
}
