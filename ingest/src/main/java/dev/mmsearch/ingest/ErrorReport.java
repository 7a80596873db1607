package dev.mmsearch.ingest;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends bad records to {@code <reportDir>/<collection>-<timestamp>-errors.jsonl}, one JSON object
 * a line: {@code {"file","line","id"?,"reason","excerpt"}}. The file is created on the first error
 * only, so a clean run leaves nothing behind; each line is written in full as it arrives, so the report
 * survives a crash. A line that cannot be written (e.g. the disk is full) is cut off again, so the file never ends
 * in half a line, and a report that would stay empty is removed. Not thread-safe (one per indexing run).
 */
public final class ErrorReport implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ErrorReport.class);
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final Path path;
    private FileChannel channel;
    /** Bytes of complete lines in the file. */
    private long size;
    private long count;

    /** A report for one run into {@code collection}; {@code reportDir} is created when the first error arrives. */
    public ErrorReport(Path reportDir, String collection) {
        this(reportDir, collection, Clock.systemUTC());
    }

    ErrorReport(Path reportDir, String collection, Clock clock) {
        this.path = reportDir.resolve(collection + "-" + TIMESTAMP.format(clock.instant()) + "-errors.jsonl");
    }

    /** Writes one error line. */
    public void add(SourceError error) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("file", error.file().toString());
        line.put("line", error.line());
        if (error.id() != null) {
            line.put("id", error.id());
        }
        line.put("reason", error.reason());
        if (!error.rawExcerpt().isEmpty()) {
            line.put("excerpt", error.rawExcerpt());
        }
        ByteBuffer bytes = ByteBuffer.wrap((Json.MAPPER.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8));
        try {
            if (channel == null) {
                Files.createDirectories(path.getParent());
                channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                size = channel.size();
            }
            channel.position(size);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            size = channel.position();
            count++;
        } catch (IOException e) {
            discardPartialLine();
            throw new MmsearchException(ErrorCode.isDiskFull(e) ? ErrorCode.STORAGE_FULL : ErrorCode.INTERNAL,
                    "cannot write the error report '" + path + "': "
                    + e.getMessage() + "; check that the data directory is writable and the disk is not full", e);
        }
    }

    /** After a failed write: cuts the file back to its complete lines, or removes it when it has none. */
    private void discardPartialLine() {
        if (channel == null) {
            return;
        }
        try {
            channel.truncate(size);
            if (size == 0) {
                channel.close();
                channel = null;
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // Reported with the write failure that got us here; nothing more can be done about the file.
            log.warn("cannot cut back error report path={}: {}", path, e.toString());
        }
    }

    /** Errors written so far. */
    public long count() {
        return count;
    }

    /** The report file, or {@code null} when no error was written (no file exists then). */
    public Path path() {
        return count == 0 ? null : path;
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                throw new MmsearchException(ErrorCode.INTERNAL, "cannot close the error report '" + path + "'", e);
            }
        }
    }
}
