package dev.mmsearch.config;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The experiment config from a YAML (or JSON) file, reloaded when the file changes.
 *
 * <p>The file is loaded in the constructor: a missing or invalid file is a startup error. Then one
 * daemon thread watches it two ways: a {@link WatchService} on the parent directory (so editors
 * and tools that write a temporary file and rename it over the original are seen, as are in-place
 * writes), and a poll every {@code pollInterval} (default 500 ms) comparing modification time,
 * size and file key (inode) — a fallback for file systems without change events (NFS, some
 * container mounts) and for symlink swaps such as Kubernetes ConfigMaps, whose events name
 * another entry. A change is read once the file has stopped changing for 50 ms (so a half-written
 * file is not read), and only when its content hash differs from the last one seen, so each
 * distinct content is offered once: a valid change is swapped in and announced, an invalid one
 * is rejected with a WARN log and counted. A deleted file keeps the last config serving.
 */
public final class FileConfigSource extends AbstractConfigSource {
    private static final Logger LOG = LoggerFactory.getLogger(FileConfigSource.class);
    /** How often the file is polled when no change event arrives. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(500);
    private static final long SETTLE_MILLIS = 50;
    private static final int MAX_SETTLE_ROUNDS = 20;

    private final Path file;
    private final Duration pollInterval;
    private final WatchService watchService;
    private final Thread watcher;
    private volatile boolean closed;
    // Touched only by the watcher thread after construction.
    private FileStamp lastStamp;
    private byte[] lastHash;
    private boolean missingReported;

    private record FileStamp(FileTime modified, long size, Object fileKey) {
    }

    /** Loads {@code file} (a startup error if missing or invalid) and starts watching it. */
    public FileConfigSource(Path file, ConfigValidator validator) {
        this(file, validator, DEFAULT_POLL_INTERVAL);
    }

    /** As {@link #FileConfigSource(Path, ConfigValidator)} with another poll interval. */
    public FileConfigSource(Path file, ConfigValidator validator, Duration pollInterval) {
        super(validator);
        this.file = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
        this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
        byte[] bytes;
        try {
            lastStamp = stamp();
            bytes = Files.readAllBytes(this.file);
        } catch (NoSuchFileException e) {
            throw new MmsearchException(ErrorCode.NOT_FOUND, "experiment config file " + this.file
                    + " does not exist; create it (see experiments-example.yaml) or point the setting at another file");
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot read experiment config file " + this.file + ": " + e, e);
        }
        lastHash = sha256(bytes);
        loadInitial(new String(bytes, StandardCharsets.UTF_8));
        this.watchService = registerWatch();
        this.watcher = Thread.ofPlatform().daemon().name("mmsearch-config-watch").unstarted(this::watchLoop);
        watcher.start();
    }

    @Override
    public String description() {
        return "file:" + file;
    }

    /** The watched file (absolute). */
    public Path file() {
        return file;
    }

    private WatchService registerWatch() {
        Path dir = file.getParent();
        try {
            WatchService service = file.getFileSystem().newWatchService();
            dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            return service;
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("cannot watch directory={} for config changes ({}); polling every {} ms instead", dir, e,
                    pollInterval.toMillis());
            return null;
        }
    }

    private void watchLoop() {
        while (!closed) {
            try {
                boolean eventForFile = false;
                if (watchService != null) {
                    WatchKey key = watchService.poll(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
                    if (key != null) {
                        for (WatchEvent<?> event : key.pollEvents()) {
                            Object context = event.context();
                            if (event.kind() == StandardWatchEventKinds.OVERFLOW
                                    || (context instanceof Path name && name.equals(file.getFileName()))) {
                                eventForFile = true;
                            }
                        }
                        if (!key.reset()) {
                            LOG.warn("config directory={} can no longer be watched; polling only", file.getParent());
                        }
                    }
                } else {
                    Thread.sleep(pollInterval.toMillis());
                }
                check(eventForFile);
            } catch (ClosedWatchServiceException | InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // Never let the watcher die: the next poll tries again.
                LOG.error("config watch failed file={}; retrying", file, e);
            }
        }
    }

    /** Offers the file's content when it (may have) changed since the last look. */
    private void check(boolean force) throws InterruptedException {
        FileStamp stamp;
        try {
            stamp = stamp();
            if (!force && stamp.equals(lastStamp)) {
                return;
            }
            stamp = settle(stamp);
            byte[] bytes = Files.readAllBytes(file);
            lastStamp = stamp;
            missingReported = false;
            byte[] hash = sha256(bytes);
            if (Arrays.equals(hash, lastHash)) {
                return;
            }
            lastHash = hash;
            offer(new String(bytes, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            if (!missingReported) {
                LOG.warn("experiment config file={} is gone; keeping version={} until it is back", file, currentVersion());
                missingReported = true;
            }
            lastStamp = null;
        } catch (IOException e) {
            LOG.warn("cannot read experiment config file={} ({}); keeping version={}", file, e, currentVersion());
            lastStamp = null;
        }
    }

    /** Waits until the file's stamp holds still for {@value #SETTLE_MILLIS} ms (a writer has finished). */
    private FileStamp settle(FileStamp stamp) throws IOException, InterruptedException {
        for (int round = 0; round < MAX_SETTLE_ROUNDS; round++) {
            Thread.sleep(SETTLE_MILLIS);
            FileStamp again = stamp();
            if (again.equals(stamp)) {
                return again;
            }
            stamp = again;
        }
        return stamp;
    }

    private FileStamp stamp() throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return new FileStamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (watchService != null) {
                watchService.close();
            }
        } catch (IOException e) {
            LOG.debug("closing watch service failed", e);
        }
        watcher.interrupt();
        try {
            watcher.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
