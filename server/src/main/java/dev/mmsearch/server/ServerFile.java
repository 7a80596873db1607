package dev.mmsearch.server;

import dev.mmsearch.core.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * {@code DATA_DIR/server.json}: which mmsearch server has this data directory open. A server writes it when it
 * starts serving and removes it on a clean shutdown; a command that finds a collection locked reads it to name the
 * server to push to ({@code --server URL}) instead of failing with a bare lock error. A server killed without a
 * shutdown leaves it behind: {@link #alive()} tells a stale file from a live server.
 *
 * @param pid     the server process
 * @param url     where it serves the API, e.g. {@code http://127.0.0.1:8080}
 * @param started when it started serving
 */
public record ServerFile(long pid, String url, Instant started) {
    /** File name in the data directory. */
    public static final String NAME = "server.json";
    private static final Logger log = LoggerFactory.getLogger(ServerFile.class);

    public ServerFile {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(started, "started");
    }

    /** This process serving at {@code url}, now. */
    public static ServerFile ofThisProcess(String url) {
        return new ServerFile(ProcessHandle.current().pid(), url, Instant.now());
    }

    public static Path path(DataDirectory dataDirectory) {
        return dataDirectory.root().resolve(NAME);
    }

    /** Whether the process that wrote the file still runs. */
    public boolean alive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Writes the file (atomically: a reader sees the old one or the new one). A failure is logged, not thrown. */
    public void write(DataDirectory dataDirectory) {
        Path file = path(dataDirectory);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("pid", pid);
        json.put("url", url);
        json.put("started", started.toString());
        try {
            Files.createDirectories(file.getParent());
            Path temp = file.resolveSibling(NAME + ".tmp");
            Files.writeString(temp, Json.MAPPER.writeValueAsString(json) + "\n", StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            log.info("server file written path={} pid={} url={}", file, pid, url);
        } catch (IOException e) {
            log.warn("cannot write server file path={} error={}", file, e.toString());
        }
    }

    /** Removes the file when it is still this one (another server may have taken the directory over since). */
    public void remove(DataDirectory dataDirectory) {
        Path file = path(dataDirectory);
        if (read(dataDirectory).filter(f -> f.pid() == pid && f.url().equals(url)).isEmpty()) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("cannot remove server file path={} error={}", file, e.toString());
        }
    }

    /** The file in {@code dataDirectory}, or empty when there is none or it cannot be read. */
    public static Optional<ServerFile> read(DataDirectory dataDirectory) {
        Path file = path(dataDirectory);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode json = Json.MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
            return Optional.of(new ServerFile(json.get("pid").asLong(), json.get("url").asString(),
                    Instant.parse(json.get("started").asString())));
        } catch (IOException | RuntimeException e) {
            log.warn("unreadable server file path={} error={}", file, e.toString());
            return Optional.empty();
        }
    }
}
