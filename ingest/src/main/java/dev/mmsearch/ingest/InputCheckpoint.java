package dev.mmsearch.ingest;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How far an indexing run got through one input file, as recorded in a collection's commit
 * ({@link dev.mmsearch.core.SearchCollection#commit(Map)}), so {@code index --resume} can skip what is
 * already written.
 *
 * <p>The file is identified by its absolute path, size, modification time and the SHA-256 of its first
 * {@value #HEAD_BYTES} bytes (cheap, and catches a file rewritten in place with the same size and time).
 * {@code records}: every record before this position (counted from 1 as the source returns them, bad
 * ones included) was processed and its document written in or before the commit holding this checkpoint.
 *
 * @param path           the input's absolute, normalised path
 * @param size           its size in bytes
 * @param modifiedMillis its last-modified time, epoch milliseconds
 * @param headSha256     hex SHA-256 of its first {@value #HEAD_BYTES} bytes
 * @param records        records fully processed and committed
 * @param complete       whether the run that wrote it reached the end of the input
 */
public record InputCheckpoint(String path, long size, long modifiedMillis, String headSha256, long records,
                              boolean complete) {
    /** Bytes of the file's head that are hashed. */
    public static final int HEAD_BYTES = 1 << 20;

    static final String PATH = "input.path";
    static final String SIZE = "input.size";
    static final String MODIFIED = "input.modifiedMillis";
    static final String HEAD = "input.headSha256";
    static final String RECORDS = "records";
    static final String COMPLETE = "complete";

    public InputCheckpoint {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(headSha256, "headSha256");
        if (records < 0) {
            throw new IllegalArgumentException("records must be >= 0, got " + records);
        }
    }

    /**
     * The identity of {@code input} now, at record 0.
     *
     * @throws MmsearchException NOT_FOUND when the file cannot be read
     */
    public static InputCheckpoint identify(Path input) {
        Path absolute = input.toAbsolutePath().normalize();
        try (InputStream in = Files.newInputStream(absolute)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(in.readNBytes(HEAD_BYTES));
            return new InputCheckpoint(absolute.toString(), Files.size(absolute),
                    Files.getLastModifiedTime(absolute).toMillis(), HexFormat.of().formatHex(sha.digest()), 0, false);
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.NOT_FOUND, "cannot read input '" + input + "': " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The same input at another position. */
    public InputCheckpoint at(long processedRecords, boolean finished) {
        return new InputCheckpoint(path, size, modifiedMillis, headSha256, processedRecords, finished);
    }

    /** The entries to store in a commit (keys without the store's namespace). */
    public Map<String, String> toMap() {
        Map<String, String> map = new LinkedHashMap<>();
        map.put(PATH, path);
        map.put(SIZE, Long.toString(size));
        map.put(MODIFIED, Long.toString(modifiedMillis));
        map.put(HEAD, headSha256);
        map.put(RECORDS, Long.toString(records));
        map.put(COMPLETE, Boolean.toString(complete));
        return map;
    }

    /** The checkpoint in a commit's entries; empty when there is none or it is incomplete or unreadable. */
    public static Optional<InputCheckpoint> fromMap(Map<String, String> map) {
        if (map == null || !map.keySet().containsAll(List.of(PATH, SIZE, MODIFIED, HEAD, RECORDS, COMPLETE))) {
            return Optional.empty();
        }
        try {
            return Optional.of(new InputCheckpoint(map.get(PATH), Long.parseLong(map.get(SIZE)),
                    Long.parseLong(map.get(MODIFIED)), map.get(HEAD), Long.parseLong(map.get(RECORDS)),
                    Boolean.parseBoolean(map.get(COMPLETE))));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Whether both describe the same file content (path, size, time and head hash); positions are ignored. */
    public boolean sameInput(InputCheckpoint other) {
        return path.equals(other.path) && size == other.size && modifiedMillis == other.modifiedMillis
                && headSha256.equals(other.headSha256);
    }

    /** What differs in the identity, e.g. {@code "size 120 -> 180, modified time"}; empty when the same. */
    public String differencesTo(InputCheckpoint now) {
        List<String> parts = new ArrayList<>();
        if (!path.equals(now.path)) {
            parts.add("path " + path + " -> " + now.path);
        }
        if (size != now.size) {
            parts.add("size " + size + " -> " + now.size);
        }
        if (modifiedMillis != now.modifiedMillis) {
            parts.add("modified time");
        }
        if (!headSha256.equals(now.headSha256)) {
            parts.add("content of the first MB");
        }
        return String.join(", ", parts);
    }
}
