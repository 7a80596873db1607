package dev.mmsearch.ingest;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;

import java.io.BufferedWriter;
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

/**
 * Appends bad records to {@code <reportDir>/<collection>-<timestamp>-errors.jsonl}, one JSON object
 * a line: {@code {"file","line","id"?,"reason","excerpt"}}. The file is created on the first error
 * only, so a clean run leaves nothing behind; each line is flushed as it is written, so the report
 * survives a crash. Not thread-safe (one per indexing run).
 */
public final class ErrorReport implements AutoCloseable {
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final Path path;
    private BufferedWriter writer;
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
        try {
            if (writer == null) {
                Files.createDirectories(path.getParent());
                writer = Files.newBufferedWriter(path, StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            writer.write(Json.MAPPER.writeValueAsString(line));
            writer.write('\n');
            writer.flush();
            count++;
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot write the error report '" + path + "': "
                    + e.getMessage() + "; check that the data directory is writable", e);
        }
    }

    /** Errors written so far. */
    public long count() {
        return count;
    }

    /** The report file, or {@code null} when no error was written (no file exists then). */
    public Path path() {
        return writer == null ? null : path;
    }

    @Override
    public void close() {
        if (writer != null) {
            try {
                writer.close();
            } catch (IOException e) {
                throw new MmsearchException(ErrorCode.INTERNAL, "cannot close the error report '" + path + "'", e);
            }
        }
    }
}
