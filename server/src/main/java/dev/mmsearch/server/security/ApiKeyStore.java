package dev.mmsearch.server.security;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API keys of the running service, read from one key file and re-read when the file changes (size or
 * modification time), so {@code mmsearch keys add} takes effect without a restart. A file that becomes
 * unreadable or malformed keeps the last good keys (and logs why); a file that is deleted means no keys.
 */
public final class ApiKeyStore {
    private static final Logger log = LoggerFactory.getLogger(ApiKeyStore.class);
    private final Path file;
    private volatile Snapshot snapshot;

    private record Snapshot(long size, long modifiedMillis, ApiKeys keys) {
    }

    /** @param file the key file; it need not exist yet */
    public ApiKeyStore(Path file) {
        this.file = file;
        this.snapshot = new Snapshot(-1, -1, ApiKeys.empty());
        if (Files.exists(file)) {
            ApiKeys keys = ApiKeys.load(file); // a broken file at startup fails the startup
            BasicFileAttributes attributes = attributes();
            this.snapshot = new Snapshot(attributes == null ? -1 : attributes.size(),
                    attributes == null ? -1 : attributes.lastModifiedTime().toMillis(), keys);
            log.info("api keys file={} keys={}", file, keys.names().size());
        }
    }

    public Path file() {
        return file;
    }

    /** The current keys (re-read if the file changed since the last call). */
    public ApiKeys keys() {
        BasicFileAttributes attributes = attributes();
        Snapshot current = snapshot;
        if (attributes == null) {
            if (!current.keys().isEmpty()) {
                log.warn("api keys file={} is gone; admin endpoints are closed until it is back", file);
                snapshot = new Snapshot(-1, -1, ApiKeys.empty());
            }
            return ApiKeys.empty();
        }
        long size = attributes.size();
        long modified = attributes.lastModifiedTime().toMillis();
        if (size != current.size() || modified != current.modifiedMillis()) {
            synchronized (this) {
                current = snapshot;
                if (size != current.size() || modified != current.modifiedMillis()) {
                    try {
                        ApiKeys keys = ApiKeys.load(file);
                        snapshot = new Snapshot(size, modified, keys);
                        log.info("api keys reloaded file={} keys={}", file, keys.names().size());
                    } catch (RuntimeException e) {
                        log.warn("api keys file={} not reloaded, keeping the last good keys: {}", file, e.getMessage());
                        snapshot = new Snapshot(size, modified, current.keys());
                    }
                }
            }
        }
        return snapshot.keys();
    }

    /** Which key {@code presented} is. */
    public Optional<String> match(String presented) {
        return keys().match(presented);
    }

    private BasicFileAttributes attributes() {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class);
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
