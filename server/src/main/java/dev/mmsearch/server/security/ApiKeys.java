package dev.mmsearch.server.security;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A set of API keys, kept as SHA-256 hashes only (a key file never holds a usable key). The file format is one
 * {@code name:sha256hex} per line; blank lines and lines starting with {@code #} are ignored. Keys are random
 * 256-bit values, so one unsalted SHA-256 is enough (nothing to brute-force, unlike passwords).
 */
public final class ApiKeys {
    /** Default file name under the data dir: {@code DATA_DIR/api-keys}. */
    public static final String DEFAULT_FILE_NAME = "api-keys";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PREFIX = "mms_";

    private final Map<String, byte[]> hashesByName;

    private ApiKeys(Map<String, byte[]> hashesByName) {
        this.hashesByName = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hashesByName)); // file order
    }

    /** No keys at all. */
    public static ApiKeys empty() {
        return new ApiKeys(Map.of());
    }

    /** Parses a key file's text; a malformed line or a repeated name is INVALID_ARGUMENT naming the line. */
    public static ApiKeys parse(String text, String source) {
        Map<String, byte[]> keys = new LinkedHashMap<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.lastIndexOf(':');
            String name = colon < 0 ? "" : line.substring(0, colon).strip();
            String hash = colon < 0 ? "" : line.substring(colon + 1).strip().toLowerCase(java.util.Locale.ROOT);
            if (!NAME.matcher(name).matches() || !HASH.matcher(hash).matches()) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, source + " line " + (i + 1)
                        + " is not 'name:sha256hex' (name of 1-64 characters A-Z a-z 0-9 . _ -, 64 hex digits);"
                        + " make entries with `mmsearch keys add NAME`");
            }
            if (keys.putIfAbsent(name, HexFormat.of().parseHex(hash)) != null) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, source + " line " + (i + 1)
                        + " repeats key name '" + name + "'");
            }
        }
        return new ApiKeys(keys);
    }

    /** Reads a key file. */
    public static ApiKeys load(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "cannot read API key file " + file + ": " + e, e);
        }
    }

    public boolean isEmpty() {
        return hashesByName.isEmpty();
    }

    public List<String> names() {
        return List.copyOf(hashesByName.keySet());
    }

    /**
     * The name of the key {@code presented} is, if any. Compares the presented key's hash with every stored hash
     * in constant time ({@link MessageDigest#isEqual}) and without stopping at a match, so timing tells nothing
     * about which key or how much of it matched.
     */
    public Optional<String> match(String presented) {
        if (presented == null || presented.isEmpty() || presented.length() > 512) {
            return Optional.empty();
        }
        byte[] hash = sha256(presented);
        String found = null;
        for (Map.Entry<String, byte[]> entry : hashesByName.entrySet()) {
            if (MessageDigest.isEqual(hash, entry.getValue()) && found == null) {
                found = entry.getKey();
            }
        }
        return Optional.ofNullable(found);
    }

    /** A fresh random key: {@code mms_} and 32 random bytes, base64url. */
    public static String newKey() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Lowercase hex SHA-256 of a key, as stored in the key file. */
    public static String hashHex(String key) {
        return HexFormat.of().formatHex(sha256(key));
    }

    /**
     * Makes a new key named {@code name}, appends its hash to {@code file} (created owner-read/write only where the
     * file system allows) and returns the key, which is shown once and stored nowhere.
     */
    public static String add(Path file, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "invalid key name '" + name
                    + "': use 1-64 characters of A-Z, a-z, 0-9, '.', '_' and '-'");
        }
        ApiKeys existing = Files.exists(file) ? load(file) : empty();
        if (existing.hashesByName.containsKey(name)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "key file " + file + " already has a key named '"
                    + name + "'; remove it first (`mmsearch keys remove " + name + "`) or pick another name");
        }
        String key = newKey();
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            if (!Files.exists(file)) {
                createPrivate(file);
            }
            Files.writeString(file, name + ":" + hashHex(key) + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "cannot write API key file " + file + ": " + e, e);
        }
        return key;
    }

    /** Removes the key named {@code name} from {@code file}; false when there was none. */
    public static boolean remove(Path file, String name) {
        if (!Files.exists(file)) {
            return false;
        }
        try {
            List<String> kept = new ArrayList<>();
            boolean removed = false;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int colon = line.lastIndexOf(':');
                if (colon > 0 && !line.strip().startsWith("#") && line.substring(0, colon).strip().equals(name)) {
                    removed = true;
                } else {
                    kept.add(line);
                }
            }
            if (removed) {
                Path temp = file.resolveSibling(file.getFileName() + ".tmp");
                Files.deleteIfExists(temp);
                createPrivate(temp);
                Files.write(temp, kept, StandardCharsets.UTF_8);
                Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            return removed;
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "cannot rewrite API key file " + file + ": " + e, e);
        }
    }

    private static void createPrivate(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
