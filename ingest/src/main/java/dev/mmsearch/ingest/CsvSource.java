package dev.mmsearch.ingest;

import dev.mmsearch.core.Document;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;

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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Reads a CSV ({@code .csv}, comma-separated) or TSV ({@code .tsv}, tab-separated) file, optionally
 * gzip-compressed ({@code .csv.gz}, {@code .tsv.gz}; detected by the magic bytes), as a stream of
 * {@link SourceRecord}s, one per record, without loading the file whole.
 *
 * <p>The first record is the header: it names the fields. The id is the {@code id} column, or else
 * {@code _id}; it is not repeated among the fields. Quoting follows RFC 4180: a field in double quotes
 * may hold delimiters, newlines and doubled quotes ({@code ""} for one {@code "}); a quote inside an
 * unquoted field is kept as is (TSV files often hold such quotes). Line endings may be LF or CRLF. Line
 * numbers count physical lines, so a record spanning several lines is reported at the line where it starts.
 * An empty cell is an absent field; a blank line is ignored. Cells are text, except in the columns named
 * in {@code numericColumns} (the collection's numeric fields, which the store indexes as numbers): those
 * become a {@code Long} or {@code Double}.
 *
 * <p>Each of these is a {@link SourceError} naming the line, and the rest of the file still reads: a
 * record with another number of cells than the header, a missing or blank id, invalid UTF-8, a text
 * after a closing quote, a non-numeric cell in a numeric column, a record longer than
 * {@link #MAX_RECORD_BYTES}. These end the stream with one error: a header with duplicate, blank or
 * no id column, a quote still open at the end of the input, a read failure (e.g. a truncated {@code .gz}).
 */
public final class CsvSource implements DocumentSource {
    /** Longest record accepted, in bytes (bounds memory on a corrupt input, e.g. a quote never closed). */
    public static final int MAX_RECORD_BYTES = 64 * 1024 * 1024;

    private static final int BUFFER_BYTES = 1 << 16;
    private static final int EOF = -1;

    // Hand-written instead of Apache Commons CSV (not on the classpath, and it reads a Reader): the state
    // machine runs over bytes (delimiter, quote, CR and LF are ASCII, so they never occur inside a UTF-8
    // multi-byte sequence) and each cell is decoded on its own with a REPORTING decoder. So a record with
    // invalid UTF-8 becomes an error for that record and the rest of the file still reads (a decoding
    // Reader would either fail the whole parse or silently replace bytes), and physical line numbers stay exact.
    private final Path file;
    private final byte delimiter;
    private final Set<String> numericColumns;
    private final boolean compressed;
    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] buffer = new byte[BUFFER_BYTES];
    private int bufferPos;
    private int bufferLimit;
    private int pushedBack = Integer.MIN_VALUE;

    // The record being read: cell bytes one after the other, cellEnds[i] = end offset of cell i.
    private byte[] recordBytes = new byte[1024];
    private int recordLength;
    private int[] cellEnds = new int[16];
    private int cellCount;
    private boolean recordTooLong;
    private String recordProblem;

    private long physicalLines; // newlines consumed so far
    private List<String> header;
    private int idColumn = -1;
    private boolean exhausted;
    private SourceRecord next;
    private long estimatedRecords = Long.MIN_VALUE;

    private CsvSource(Path file, byte delimiter, Set<String> numericColumns) {
        this.file = file;
        this.delimiter = delimiter;
        this.numericColumns = Set.copyOf(numericColumns);
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

    /** Opens a CSV/TSV file with every cell read as text. See {@link #open(Path, Set)}. */
    public static CsvSource open(Path file) {
        return open(file, Set.of());
    }

    /**
     * Opens a {@code .csv}, {@code .tsv}, {@code .csv.gz} or {@code .tsv.gz} file; the name picks the delimiter.
     *
     * @param numericColumns columns whose cells become numbers (a column the header lacks is ignored)
     * @throws MmsearchException INVALID_ARGUMENT for another file name, NOT_FOUND when the file does not exist
     */
    public static CsvSource open(Path file, Set<String> numericColumns) {
        return new CsvSource(file, delimiterFor(file), numericColumns);
    }

    /** Whether the file name ends in {@code .csv}, {@code .tsv}, {@code .csv.gz} or {@code .tsv.gz}. */
    public static boolean supports(Path file) {
        String name = baseName(file);
        return name.endsWith(".csv") || name.endsWith(".tsv");
    }

    private static byte delimiterFor(Path file) {
        String name = baseName(file);
        if (name.endsWith(".csv")) {
            return ',';
        }
        if (name.endsWith(".tsv")) {
            return '\t';
        }
        throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "cannot tell the delimiter of '" + file
                + "': name a CSV file .csv or .csv.gz and a TSV file .tsv or .tsv.gz");
    }

    private static String baseName(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    }

    @Override
    public Path file() {
        return file;
    }

    /** The field names of the header (including the id column), once the first record was read; else empty. */
    public List<String> header() {
        return header == null ? List.of() : header;
    }

    /**
     * Non-blank lines minus the header for an uncompressed file (exact unless quoted cells hold newlines),
     * {@code -1} for gzip.
     */
    @Override
    public long estimatedRecords() {
        if (estimatedRecords == Long.MIN_VALUE) {
            estimatedRecords = compressed ? -1 : Math.max(0, JsonlSource.countNonBlankLines(file) - 1);
        }
        return estimatedRecords;
    }

    @Override
    public boolean hasNext() {
        if (next == null && !exhausted) {
            next = readNext();
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

    private SourceRecord readNext() {
        try {
            if (header == null) {
                SourceError headerError = readHeader();
                if (headerError != null) {
                    exhausted = true;
                    return headerError;
                }
                if (header == null) {
                    exhausted = true; // empty file
                    return null;
                }
            }
            while (true) {
                long startLine = physicalLines + 1;
                ReadResult result = readRecord();
                if (result == ReadResult.END) {
                    exhausted = true;
                    return null;
                }
                if (result == ReadResult.UNTERMINATED) {
                    exhausted = true;
                    return new SourceError(file, startLine, "unterminated quoted field: the input ends inside quotes"
                            + " opened on this record", excerpt());
                }
                if (cellCount == 1 && recordLength == 0 && recordProblem == null) {
                    continue; // blank line
                }
                return toRecord(startLine);
            }
        } catch (IOException e) {
            exhausted = true;
            return new SourceError(file, physicalLines + 1,
                    "cannot read the rest of the input (truncated or corrupt file?): " + e.getMessage(), "");
        }
    }

    /** Reads the header; null when it is fine (or the file is empty), else the error that ends the stream. */
    private SourceError readHeader() throws IOException {
        ReadResult result;
        long startLine;
        do {
            startLine = physicalLines + 1;
            result = readRecord();
        } while (result == ReadResult.RECORD && cellCount == 1 && recordLength == 0);
        if (result == ReadResult.END) {
            return null;
        }
        if (result == ReadResult.UNTERMINATED) {
            return new SourceError(file, startLine, "unterminated quoted field in the header", excerpt());
        }
        if (recordProblem != null) {
            return new SourceError(file, startLine, "bad header: " + recordProblem, excerpt());
        }
        List<String> names = new ArrayList<>(cellCount);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < cellCount; i++) {
            String name = decodeCell(i);
            if (name == null) {
                return new SourceError(file, startLine, "invalid UTF-8 in the header, column " + (i + 1), excerpt());
            }
            if (i == 0 && !name.isEmpty() && name.charAt(0) == '\uFEFF') {
                name = name.substring(1); // byte order mark
            }
            name = name.strip();
            if (name.isEmpty()) {
                return new SourceError(file, startLine, "header column " + (i + 1) + " has no name; name every column", excerpt());
            }
            if (!seen.add(name)) {
                return new SourceError(file, startLine, "duplicate column name '" + name
                        + "' in the header; column names must be unique", excerpt());
            }
            names.add(name);
        }
        int id = names.indexOf("id");
        if (id < 0) {
            id = names.indexOf("_id");
        }
        if (id < 0) {
            return new SourceError(file, startLine, "header has no id column (expected \"id\" or \"_id\"), found "
                    + names, excerpt());
        }
        header = List.copyOf(names);
        idColumn = id;
        return null;
    }

    private SourceRecord toRecord(long line) {
        if (recordTooLong) {
            return new SourceError(file, line, "record is longer than " + MAX_RECORD_BYTES + " bytes", excerpt());
        }
        if (recordProblem != null) {
            return new SourceError(file, line, recordProblem, excerpt());
        }
        if (cellCount != header.size()) {
            return new SourceError(file, line, "record has " + cellCount + " " + (cellCount == 1 ? "column" : "columns")
                    + " but the header has " + header.size(), excerpt());
        }
        String id = decodeCell(idColumn);
        if (id == null) {
            return new SourceError(file, line, "invalid UTF-8 in column '" + header.get(idColumn) + "'", excerpt());
        }
        if (id.isBlank()) {
            return new SourceError(file, line, "missing id: column '" + header.get(idColumn) + "' is empty", excerpt());
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < cellCount; i++) {
            if (i == idColumn) {
                continue;
            }
            String name = header.get(i);
            String value = decodeCell(i);
            if (value == null) {
                return new SourceError(file, line, id, "invalid UTF-8 in column '" + name + "'", excerpt());
            }
            if (value.isEmpty()) {
                continue; // an empty cell is an absent field
            }
            if (numericColumns.contains(name)) {
                Number number = parseNumber(value);
                if (number == null) {
                    return new SourceError(file, line, id, "column '" + name + "' is numeric but holds '"
                            + SourceError.excerpt(value) + "'; write a number or leave the cell empty", excerpt());
                }
                fields.put(name, number);
            } else {
                fields.put(name, value);
            }
        }
        return new SourceDocument(new Document(id, fields), line);
    }

    /** A Long for an integer, a Double for another finite number, null for anything else. */
    static Number parseNumber(String text) {
        String value = text.strip();
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException notLong) {
            try {
                double d = Double.parseDouble(value);
                // Double.parseDouble accepts "NaN", "Infinity" and a trailing 'd'/'f'; none of them is a number here.
                return Double.isFinite(d) && value.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?") ? d : null;
            } catch (NumberFormatException notDouble) {
                return null;
            }
        }
    }

    private enum ReadResult { RECORD, END, UNTERMINATED }

    /** Reads one record's cells into recordBytes / cellEnds. */
    private ReadResult readRecord() throws IOException {
        recordLength = 0;
        cellCount = 0;
        recordTooLong = false;
        recordProblem = null;
        int b = read();
        if (b == EOF) {
            return ReadResult.END;
        }
        while (true) {
            // at the start of a cell, b is its first byte
            if (b == '"') {
                while (true) { // quoted cell
                    b = read();
                    if (b == EOF) {
                        return ReadResult.UNTERMINATED;
                    }
                    if (b == '"') {
                        b = read();
                        if (b == '"') {
                            append('"');
                            continue;
                        }
                        break; // closing quote; b is the byte after it
                    }
                    if (b == '\n') {
                        physicalLines++;
                    }
                    append(b);
                }
                if (b != delimiter && b != '\n' && b != '\r' && b != EOF && recordProblem == null) {
                    recordProblem = "text after the closing quote of column " + (cellCount + 1)
                            + "; double a quote inside a quoted cell (\"\")";
                }
                b = readUnquoted(b); // the rest up to the delimiter or end of line (normally nothing)
            } else {
                b = readUnquoted(b);
            }
            endCell();
            if (b == delimiter) {
                b = read();
                if (b == EOF || b == '\n' || b == '\r') {
                    endOfLine(b);
                    endCell(); // a trailing delimiter: one more, empty cell
                    return ReadResult.RECORD;
                }
                continue;
            }
            endOfLine(b);
            return ReadResult.RECORD;
        }
    }

    /** Appends unquoted bytes from b up to a delimiter, CR/LF or the end; returns the byte that stopped it. */
    private int readUnquoted(int b) throws IOException {
        while (b != EOF && b != delimiter && b != '\n') {
            if (b == '\r') {
                int after = read();
                if (after == '\n' || after == EOF) {
                    pushBack(after);
                    return '\r';
                }
                append('\r');
                b = after;
                continue;
            }
            append(b);
            b = read();
        }
        return b;
    }

    /** Consumes the line end that stopped a record (b is LF, CR before LF, or EOF). */
    private void endOfLine(int b) throws IOException {
        if (b == '\r') {
            int after = read();
            if (after != '\n' && after != EOF) {
                pushBack(after);
            }
            physicalLines++;
        } else if (b == '\n') {
            physicalLines++;
        }
    }

    private void append(int b) {
        if (recordTooLong) {
            return;
        }
        if (recordLength == MAX_RECORD_BYTES) {
            recordTooLong = true;
            return;
        }
        if (recordLength == recordBytes.length) {
            recordBytes = Arrays.copyOf(recordBytes, (int) Math.min(MAX_RECORD_BYTES, 2L * recordBytes.length));
        }
        recordBytes[recordLength++] = (byte) b;
    }

    private void endCell() {
        if (cellCount == cellEnds.length) {
            cellEnds = Arrays.copyOf(cellEnds, cellEnds.length * 2);
        }
        cellEnds[cellCount++] = recordLength;
    }

    private int read() throws IOException {
        if (pushedBack != Integer.MIN_VALUE) {
            int b = pushedBack;
            pushedBack = Integer.MIN_VALUE;
            return b;
        }
        if (bufferPos == bufferLimit) {
            bufferLimit = in.read(buffer, 0, buffer.length);
            bufferPos = 0;
            if (bufferLimit <= 0) {
                bufferLimit = 0;
                return EOF;
            }
        }
        return buffer[bufferPos++] & 0xff;
    }

    private void pushBack(int b) {
        pushedBack = b;
    }

    /** Cell i decoded strictly; null when it is not valid UTF-8. */
    private String decodeCell(int i) {
        int start = i == 0 ? 0 : cellEnds[i - 1];
        int end = cellEnds[i];
        ByteBuffer bytes = ByteBuffer.wrap(recordBytes, start, end - start);
        CharBuffer chars = CharBuffer.allocate(end - start);
        decoder.reset();
        CoderResult result = decoder.decode(bytes, chars, true);
        if (!result.isError()) {
            result = decoder.flush(chars);
        }
        return result.isError() ? null : chars.flip().toString();
    }

    /** The record read so far, cells (leniently decoded) joined by the delimiter, for error reports. */
    private String excerpt() {
        int limit = Math.min(recordLength, SourceError.EXCERPT_CHARS * 4); // bytes; SourceError cuts the text
        StringBuilder out = new StringBuilder();
        int start = 0;
        for (int i = 0; i <= cellCount && start < limit; i++) {
            int end = Math.min(i < cellCount ? cellEnds[i] : recordLength, limit); // past the last: an unfinished cell
            if (i > 0) {
                out.append((char) delimiter);
            }
            out.append(new String(recordBytes, start, end - start, StandardCharsets.UTF_8));
            start = end;
        }
        return out.toString();
    }
}
