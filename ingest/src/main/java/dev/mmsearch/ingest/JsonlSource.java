package dev.mmsearch.ingest;

import dev.mmsearch.core.Document;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Reads a JSON Lines file ({@code .jsonl}, or gzip-compressed: detected by its magic bytes) as a
 * stream of {@link SourceRecord}s, one per non-blank line, without ever loading the file whole.
 *
 * <p>Each line must be one JSON object. Its id is the {@code id} field, or else BEIR's {@code _id}
 * (so a BEIR {@code corpus.jsonl} reads as is); numeric ids are used as their text; the id field is
 * not repeated among the document's fields. Field values may be strings, numbers, booleans and
 * lists of those; {@code null}s and empty objects (BEIR writes {@code "metadata": {}}) count as
 * absent. Anything else becomes a {@link SourceError} naming the line:
 * malformed JSON, a line that is not an object, a missing or blank id, invalid UTF-8, an
 * object-valued field, a line longer than {@link #MAX_LINE_BYTES}. A blank line is ignored.
 * A read failure in the middle (e.g. a truncated {@code .gz}) ends the stream with one error.
 */
public final class JsonlSource implements DocumentSource {
    /** Longest line accepted, in bytes (bounds memory on a corrupt input with no newlines). */
    public static final int MAX_LINE_BYTES = 64 * 1024 * 1024;

    private static final int BUFFER_BYTES = 1 << 16;

    private final Path file;
    private final Set<String> ignoredFields;
    private final boolean compressed;
    private final InputStream in;
    // Hand-written line splitting instead of BufferedReader: every line is decoded on its own with a
    // REPORTING decoder, so one line of invalid UTF-8 becomes an error for that line and the rest of the
    // file still reads (a Reader would fail or silently replace), and line numbers stay exact.
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] buffer = new byte[BUFFER_BYTES];
    private int bufferPos;
    private int bufferLimit;
    private byte[] lineBuffer = new byte[1024];
    private int lineLength;
    private boolean lineTooLong;
    private long lineNumber;
    private boolean exhausted;
    private SourceRecord next;
    private long estimatedRecords = Long.MIN_VALUE;

    private JsonlSource(Path file, Set<String> ignoredFields) {
        this.file = file;
        this.ignoredFields = Set.copyOf(ignoredFields);
        try {
            BufferedInputStream raw = new BufferedInputStream(Files.newInputStream(file), BUFFER_BYTES);
            raw.mark(2);
            boolean gz = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            this.compressed = gz;
            this.in = gz ? new GZIPInputStream(raw, BUFFER_BYTES) : raw;
        } catch (NoSuchFileException e) {
            throw new MmsearchException(ErrorCode.NOT_FOUND, "input file '" + file + "' does not exist");
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "cannot read input file '" + file + "': " + e.getMessage(), e);
        }
    }

    /** Whether the file starts with the gzip magic bytes. */
    static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    /** Opens a {@code .jsonl} or {@code .jsonl.gz} file. @throws MmsearchException NOT_FOUND when it does not exist */
    public static JsonlSource open(Path file) {
        return open(file, Set.of());
    }

    /**
     * Opens a file, dropping the named top-level fields from every document (e.g. BEIR's
     * {@code metadata}, which may hold nested objects that documents do not support).
     */
    public static JsonlSource open(Path file, Set<String> ignoredFields) {
        return new JsonlSource(file, ignoredFields);
    }

    @Override
    public Path file() {
        return file;
    }

    /** Whether the input is gzip-compressed. */
    public boolean compressed() {
        return compressed;
    }

    /** Non-blank lines of an uncompressed file (counted once, quickly, on first call); {@code -1} for gzip. */
    @Override
    public long estimatedRecords() {
        if (estimatedRecords == Long.MIN_VALUE) {
            estimatedRecords = compressed ? -1 : countNonBlankLines(file);
        }
        return estimatedRecords;
    }

    /**
     * Counts the lines of a file that hold something other than whitespace, scanning bytes
     * (no decoding, no JSON): a few hundred MB/s. A gzip file (by its magic bytes) is counted
     * through decompression, which is slower.
     */
    public static long countNonBlankLines(Path file) {
        try (InputStream stream = isGzip(file) ? new java.util.zip.GZIPInputStream(Files.newInputStream(file), BUFFER_BYTES)
                : Files.newInputStream(file)) {
            byte[] buffer = new byte[BUFFER_BYTES];
            long count = 0;
            boolean content = false;
            int n;
            while ((n = stream.read(buffer)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = buffer[i];
                    if (b == '\n') {
                        if (content) {
                            count++;
                        }
                        content = false;
                    } else if (!content && b != ' ' && b != '\t' && b != '\r') {
                        content = true;
                    }
                }
            }
            return content ? count + 1 : count;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean hasNext() {
        if (next == null && !exhausted) {
            next = readRecord();
        }
        return next != null;
    }

    @Override
    public SourceRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        SourceRecord record = next;
        next = null;
        return record;
    }

    @Override
    public void close() {
        exhausted = true;
        try {
            in.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next non-blank line as a record, or null at the end. */
    private SourceRecord readRecord() {
        while (true) {
            boolean gotLine;
            try {
                gotLine = readLine();
            } catch (IOException e) {
                exhausted = true;
                return new SourceError(file, lineNumber + 1,
                        "cannot read the rest of the input (truncated or corrupt file?): " + e.getMessage(), "");
            }
            if (!gotLine) {
                exhausted = true;
                return null;
            }
            lineNumber++;
            if (lineTooLong) {
                return new SourceError(file, lineNumber, "line is longer than " + MAX_LINE_BYTES + " bytes",
                        new String(lineBuffer, 0, Math.min(lineLength, SourceError.EXCERPT_CHARS), StandardCharsets.UTF_8));
            }
            int start = 0;
            if (lineNumber == 1 && lineLength >= 3 && (lineBuffer[0] & 0xff) == 0xef
                    && (lineBuffer[1] & 0xff) == 0xbb && (lineBuffer[2] & 0xff) == 0xbf) {
                start = 3; // UTF-8 byte order mark
            }
            if (isBlank(start)) {
                continue;
            }
            return parse(start);
        }
    }

    private boolean isBlank(int start) {
        for (int i = start; i < lineLength; i++) {
            byte b = lineBuffer[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    /** Reads bytes up to the next '\n' into lineBuffer (without '\n' and a trailing '\r'); false at end of input. */
    private boolean readLine() throws IOException {
        lineLength = 0;
        lineTooLong = false;
        boolean any = false;
        while (true) {
            if (bufferPos == bufferLimit) {
                bufferLimit = in.read(buffer, 0, buffer.length);
                bufferPos = 0;
                if (bufferLimit <= 0) {
                    bufferLimit = 0;
                    break;
                }
            }
            any = true;
            int end = bufferPos;
            while (end < bufferLimit && buffer[end] != '\n') {
                end++;
            }
            append(bufferPos, end - bufferPos);
            boolean newline = end < bufferLimit;
            bufferPos = newline ? end + 1 : end;
            if (newline) {
                break;
            }
        }
        if (!any) {
            return false;
        }
        if (lineLength > 0 && lineBuffer[lineLength - 1] == '\r') {
            lineLength--;
        }
        return true;
    }

    private void append(int from, int length) {
        if (lineTooLong || length == 0) {
            return;
        }
        long needed = (long) lineLength + length;
        if (needed > MAX_LINE_BYTES) {
            lineTooLong = true; // keep the start for the excerpt, drop the rest up to the newline
            return;
        }
        if (needed > lineBuffer.length) {
            lineBuffer = Arrays.copyOf(lineBuffer, (int) Math.min(MAX_LINE_BYTES, Math.max(needed, 2L * lineBuffer.length)));
        }
        System.arraycopy(buffer, from, lineBuffer, lineLength, length);
        lineLength += length;
    }

    private SourceRecord parse(int start) {
        ByteBuffer bytes = ByteBuffer.wrap(lineBuffer, start, lineLength - start);
        CharBuffer chars = CharBuffer.allocate(lineLength - start);
        decoder.reset();
        CoderResult result = decoder.decode(bytes, chars, true);
        if (!result.isError()) {
            result = decoder.flush(chars);
        }
        if (result.isError()) {
            String excerpt = new String(lineBuffer, start, lineLength - start, StandardCharsets.UTF_8); // replaced, for humans
            return new SourceError(file, lineNumber, "invalid UTF-8 at byte " + (bytes.position() - start + 1) + " of the line", excerpt);
        }
        String text = chars.flip().toString();
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(text);
        } catch (JacksonException e) {
            return new SourceError(file, lineNumber, "malformed JSON: " + describe(e), text);
        }
        if (node == null || !node.isObject()) {
            String type = node == null ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT);
            return new SourceError(file, lineNumber, "not a JSON object (found " + type + ")", text);
        }
        return toDocument(node, text);
    }

    private SourceRecord toDocument(JsonNode object, String text) {
        String idField = present(object.get("id")) ? "id" : present(object.get("_id")) ? "_id" : null;
        if (idField == null) {
            return new SourceError(file, lineNumber, "missing id (expected an \"id\" or \"_id\" field)", text);
        }
        JsonNode idNode = object.get(idField);
        if (!idNode.isString() && !idNode.isNumber()) {
            return new SourceError(file, lineNumber, "field '" + idField + "' must be a string or a number, found "
                    + idNode.getNodeType().name().toLowerCase(Locale.ROOT), text);
        }
        String id = idNode.asString();
        if (id.isBlank()) {
            return new SourceError(file, lineNumber, "blank id in field '" + idField + "'", text);
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> property : object.properties()) {
            String name = property.getKey();
            if (name.equals(idField) || ignoredFields.contains(name)) {
                continue;
            }
            JsonNode value = property.getValue();
            if (value.isArray()) {
                List<Object> items = new ArrayList<>(value.size());
                for (JsonNode item : value.values()) {
                    if (item.isArray() || (item.isObject() && !item.isEmpty())) {
                        return new SourceError(file, lineNumber, id, "field '" + name + "' has a list holding "
                                + (item.isArray() ? "a list" : "an object") + "; only strings, numbers and booleans may be listed", text);
                    }
                    Object scalar = scalar(item);
                    if (scalar != null) {
                        items.add(scalar);
                    }
                }
                fields.put(name, List.copyOf(items));
            } else if (value.isObject()) {
                if (!value.isEmpty()) {
                    return new SourceError(file, lineNumber, id, "field '" + name
                            + "' has an object value; only strings, numbers, booleans and lists of those are allowed", text);
                }
            } else {
                Object scalar = scalar(value);
                if (scalar != null) {
                    fields.put(name, scalar);
                }
            }
        }
        return new SourceDocument(new Document(id, fields), lineNumber);
    }

    private static boolean present(JsonNode node) {
        return node != null && !node.isNull() && !node.isMissingNode();
    }

    /** String, Number or Boolean for a scalar node; null for JSON null / empty object. */
    private static Object scalar(JsonNode node) {
        if (node.isString()) {
            return node.stringValue();
        }
        if (node.isNumber()) {
            return node.numberValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        return null;
    }

    private static String describe(JacksonException e) {
        String message = e.getOriginalMessage();
        if (message == null) {
            message = e.getClass().getSimpleName();
        }
        message = message.replaceAll("\\s+", " ").strip();
        if (message.length() > 160) {
            message = message.substring(0, 160) + "...";
        }
        if (e.getLocation() != null && e.getLocation().getColumnNr() > 0) {
            return message + " (column " + e.getLocation().getColumnNr() + ")";
        }
        return message;
    }
}
