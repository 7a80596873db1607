package dev.mmsearch.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The version of a stored document for optimistic concurrency: a hash of its stored fields (16 hex digits of the
 * SHA-256 of their canonical JSON, keys sorted), served as the document's HTTP {@code ETag} and checked against a
 * write's {@code If-Match}. Being derived from the content, it needs nothing stored beside the document and is the
 * same on every store and after a restart; a document changed and changed back has its old version again, which is
 * right for "write only if the document is still what I read". Compute it from a document as the store returns it
 * (fetched), never from a document as a client sent it: stores may normalise values (e.g. an int read back as a long).
 */
public final class DocumentVersion {
    private DocumentVersion() {
    }

    /** The version of {@code document} as the store returns it. */
    public static String of(Document document) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] json = Json.MAPPER.writeValueAsBytes(canonical(document.fields()));
            return HexFormat.of().formatHex(sha.digest(json), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * Sorted keys at every level, and every number as its double value, so that the same content hashes the same
     * whatever map type or number width the store decoded it into.
     */
    private static Object canonical(Object value) {
        if (value instanceof Map<?, ?> map) {
            TreeMap<String, Object> sorted = new TreeMap<>();
            map.forEach((k, v) -> sorted.put(String.valueOf(k), canonical(v)));
            return sorted;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(DocumentVersion::canonical).toList();
        }
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        return value;
    }

    /** Quoted as an HTTP entity tag. */
    public static String etag(String version) {
        return "\"" + version + "\"";
    }

    /**
     * The version a client's {@code If-Match} header asks for: the tag with or without quotes (a weak {@code W/}
     * prefix is accepted: versions are content hashes, strong by nature), or null for no header.
     *
     * @throws MmsearchException INVALID_ARGUMENT for {@code *}, a list of tags, or a tag that is not a version
     */
    public static String fromIfMatch(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String tag = header.strip();
        if (tag.startsWith("W/")) {
            tag = tag.substring(2);
        }
        if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
            tag = tag.substring(1, tag.length() - 1);
        }
        if (!tag.matches("[0-9a-f]{16}")) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "If-Match must be one version as the document's"
                    + " ETag gives it (16 hex digits, e.g. \"3f2a9c0d1b7e4a55\"), got: " + header);
        }
        return tag;
    }
}
