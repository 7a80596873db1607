package dev.mmsearch.inference.bundle;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** SHA-256 helpers for model files (the JDK's MessageDigest; hex as written by {@code sha256sum}). */
public final class Checksums {
    private Checksums() {
    }

    /** A fresh SHA-256 digest. */
    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The digest's value in lower-case hex (completes the digest). */
    public static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    /** SHA-256 of a file, hex. */
    public static String sha256(Path file) {
        return sha256(List.of(file));
    }

    /**
     * SHA-256 over the files' bytes, one after the other in order, hex.
     *
     * @throws MmsearchException MODEL_NOT_FOUND naming a file that cannot be read
     */
    public static String sha256(List<Path> files) {
        MessageDigest digest = newSha256();
        byte[] buffer = new byte[1 << 16];
        for (Path file : files) {
            try (InputStream in = Files.newInputStream(file)) {
                for (int read; (read = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, read);
                }
            } catch (IOException e) {
                throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "cannot read model file " + file + ": "
                        + e.getMessage(), new UncheckedIOException(e));
            }
        }
        return hex(digest);
    }
}
