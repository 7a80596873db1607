package dev.mmsearch.server;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration by convention, on a real {@code mmsearch serve} process: an environment variable
 * ({@code SERVER_PORT}) wins over a flag's default the user did not type, a typed flag ({@code --port}) wins over
 * the environment, and the data directory's {@code application.yaml} wins over the built-in defaults, as in any Spring
 * Boot application.
 */
class ConfigPrecedenceIT {
    @TempDir
    Path dir;

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private Process serve(Path log, String serverPortEnv, String... extra) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.mmsearch.server.cli.Main", "serve", "--data-dir", dir.resolve("data").toString(), "--threads", "1"));
        command.addAll(List.of(extra));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("SERVER_PORT");
        if (serverPortEnv != null) {
            builder.environment().put("SERVER_PORT", serverPortEnv);
        }
        return builder.start();
    }

    private static boolean healthy(int port, Process server) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline && server.isAlive()) {
            try {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/actuator/health")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        return false;
    }

    @Test
    void theEnvironmentWinsOverAnUntypedDefaultAndATypedFlagWinsOverTheEnvironment() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        int fromEnv = freePort();
        Path log = dir.resolve("env.log");
        Process server = serve(log, Integer.toString(fromEnv));
        try {
            assertThat(healthy(fromEnv, server)).as("listening on SERVER_PORT " + fromEnv + "; log: "
                    + (Files.exists(log) ? Files.readString(log) : "")).isTrue();
        } finally {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
        }

        int typed = freePort();
        Path log2 = dir.resolve("typed.log");
        Process second = serve(log2, Integer.toString(fromEnv), "--port", Integer.toString(typed));
        try {
            assertThat(healthy(typed, second)).as("listening on --port " + typed + "; log: "
                    + (Files.exists(log2) ? Files.readString(log2) : "")).isTrue();
        } finally {
            second.destroy();
            second.waitFor(30, TimeUnit.SECONDS);
        }

        // The data directory's own application.yaml is read too (below the environment, above the built-in defaults).
        int fromFile = freePort();
        Files.writeString(dir.resolve("data").resolve("application.yaml"), "server:\n  port: " + fromFile + "\n");
        Path log3 = dir.resolve("file.log");
        Process third = serve(log3, null);
        try {
            assertThat(healthy(fromFile, third)).as("listening on the data dir's application.yaml port " + fromFile
                    + "; log: " + (Files.exists(log3) ? Files.readString(log3) : "")).isTrue();
        } finally {
            third.destroy();
            third.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
