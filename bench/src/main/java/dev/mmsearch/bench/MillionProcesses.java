package dev.mmsearch.bench;

import dev.mmsearch.core.Json;
import dev.mmsearch.server.DataDirectory;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;

/**
 * {@link MillionBench}'s processes and probes: the child server it serves from, its HTTP client, the model cache link,
 * and the sizes and memory figures it reads from disk, {@code /proc} and OpenSearch.
 */
final class MillionProcesses {

    /** The search endpoint of the served collection, over HTTP/1.1 as a user's client calls it. */
    static final class Client {
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        private final URI search;
        private final int topK;

        Client(URI base, int topK) {
            this.search = base.resolve("/api/v1/collections/" + MillionBench.COLLECTION + "/search");
            this.topK = topK;
        }

        HttpResponse<String> send(String q, Map<String, Object> extra) throws Exception {
            Map<String, Object> body = new LinkedHashMap<>(Map.of("query", q, "topK", topK));
            body.putAll(extra);
            return http.send(HttpRequest.newBuilder(search).timeout(Duration.ofSeconds(60))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        boolean ok(String q, Map<String, Object> extra) throws Exception {
            return send(q, extra).statusCode() == 200;
        }

        JsonNode search(String q, Map<String, Object> extra) throws Exception {
            HttpResponse<String> r = send(q, extra);
            if (r.statusCode() != 200) {
                throw new IllegalStateException("search " + extra + " failed: " + r.statusCode() + " " + r.body());
            }
            return Json.MAPPER.readTree(r.body());
        }
    }

    /**
     * The real server in its own JVM: {@code dev.mmsearch.server.cli.Main serve} (what {@code ./mmsearch serve}
     * runs) on this JVM's class path, with the launcher's JVM flags, {@code -Xmx}, and its per-client rate limit off
     * (one address sends all the load). Its output goes to {@code log}.
     */
    record ChildServer(Process process, URI base, Path log, Thread reaper) implements AutoCloseable {
        static ChildServer start(List<String> serveArgs, String xmx, int threads, Path log) throws Exception {
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                            .toString(), "-Xmx" + xmx, "--add-modules", "jdk.incubator.vector",
                    "--enable-native-access=ALL-UNNAMED", "-Dmmsearch.security.rate-limit.per-second=0",
                    "-cp", System.getProperty("java.class.path"), "dev.mmsearch.server.cli.Main", "serve",
                    "--port", Integer.toString(port), "--threads", Integer.toString(threads)));
            command.addAll(serveArgs);
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toAbsolutePath().toFile()).start();
            // An interrupted bench (Ctrl-C) must not leave the server running.
            Thread reaper = new Thread(process::destroyForcibly, "million-server-reaper");
            Runtime.getRuntime().addShutdownHook(reaper);
            ChildServer server = new ChildServer(process, URI.create("http://127.0.0.1:" + port), log, reaper);
            try {
                server.awaitHealthy(Duration.ofMinutes(15));
            } catch (Exception | Error e) {
                server.close();
                throw e;
            }
            return server;
        }

        long pid() {
            return process.pid();
        }

        private void awaitHealthy(Duration timeout) throws Exception {
            HttpClient http = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the server exited with " + process.exitValue() + "; its log "
                            + log + " ends:\n" + tail(log));
                }
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/actuator/health"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                TimeUnit.MILLISECONDS.sleep(500);
            }
            throw new IllegalStateException("the server was not healthy within " + timeout + "; log " + log);
        }

        /** A full GC in the server ({@code jcmd PID GC.run}), so the heap gauge reads the live heap. */
        void gc() throws Exception {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(pid()), "GC.run").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!jcmd.waitFor(60, TimeUnit.SECONDS)) {
                jcmd.destroyForcibly();
            }
        }

        private static String tail(Path log) {
            try {
                List<String> lines = Files.readAllLines(log);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    static void linkModels(DataDirectory dataDir, Path modelCache) throws IOException {
        Files.createDirectories(dataDir.root());
        Path models = dataDir.models();
        if (!Files.exists(models) && Files.isDirectory(modelCache)) {
            // Saves extracting the built-in model again: the cache's copy, for the server and the thin phase.
            Files.createSymbolicLink(models, modelCache.toAbsolutePath());
        }
    }

    /** Bytes of the benchmark index's segments, primaries only or all copies ({@code _cat/segments}). */
    static long segmentBytes(String host, boolean primariesOnly) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(host
                + "/_cat/segments/mmsearch-" + MillionBench.COLLECTION + "*?bytes=b&h=prirep,size")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("segment sizes unavailable: " + response.statusCode() + " "
                    + response.body());
        }
        return response.body().lines().map(String::strip).filter(l -> !l.isEmpty())
                .filter(l -> !primariesOnly || l.startsWith("p "))
                .mapToLong(l -> Long.parseLong(l.substring(2).strip())).sum();
    }

    static long directorySize(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /** A {@code /proc/meminfo} line's value in KiB, or -1. */
    static long meminfoKb(String key) {
        return procKb(Path.of("/proc/meminfo"), key);
    }

    /** A {@code /proc/PID/status} line's value in KiB ({@code VmHWM}, ...), or -1. */
    static long statusKb(long pid, String key) {
        return procKb(Path.of("/proc/" + pid + "/status"), key);
    }

    static long procKb(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            AnnBench.deleteTree(dir);
        }
    }

    private MillionProcesses() {
    }
}
