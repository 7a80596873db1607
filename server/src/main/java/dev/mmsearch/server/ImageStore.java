package dev.mmsearch.server;

import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.image.DecodedImage;
import dev.mmsearch.image.ImageDecoder;
import dev.mmsearch.image.ImageLimits;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Images uploaded into image collections, kept content-addressed inside the data directory:
 * {@code DATA_DIR/images/COLLECTION/ab/abcdef...(sha256).EXT}, the extension from the format the decoder found (not
 * from the client's file name). The folder is an image root ({@link Engine#imageRoots()}), so a document's image
 * field holds the file's path relative to it ({@code COLLECTION/ab/....png}), as an indexed image folder's documents
 * hold paths relative to their folder, and the image and thumbnail endpoints serve it under the same confinement.
 *
 * <p>An image is decoded under the {@link ImageLimits} before anything is written (a file that is not an image, or
 * whose header declares too many pixels, leaves no trace); then it is written to a temporary file in its target
 * folder, forced to disk, and moved into place atomically, so a reader never sees half a file and a file named by a
 * committed document survives a crash. The same bytes uploaded again (under any id) are stored once. Files are never
 * deleted here: several documents may share one, and deleting a document or a collection leaves its images in place.
 * Thread-safe (two concurrent uploads of the same bytes both move a complete file to the same name).
 */
public final class ImageStore {
    private static final Logger log = LoggerFactory.getLogger(ImageStore.class);
    private static final Map<String, String> EXTENSIONS = Map.of("jpeg", "jpg", "png", "png", "gif", "gif",
            "bmp", "bmp", "webp", "webp");

    private final Path root;
    private final ImageLimits limits;

    /**
     * One stored image.
     *
     * @param reference the path relative to the store's root, for the document's image field
     * @param sha256    the bytes' SHA-256, hex
     * @param written   whether this call wrote the file (false: the same bytes were stored already)
     */
    public record Stored(String reference, String sha256, boolean written) {
    }

    /** @param root the store's folder ({@link DataDirectory#uploadedImages()}); created on the first upload */
    public ImageStore(Path root, ImageLimits limits) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    public ImageLimits limits() {
        return limits;
    }

    /**
     * Checks {@code bytes} with the image decoder and stores them for {@code collection}.
     *
     * @throws MmsearchException PAYLOAD_TOO_LARGE over the byte or pixel limit, UNSUPPORTED_MEDIA_TYPE for bytes the
     *                           decoder does not read as an image (nothing is written in both cases); STORAGE_FULL or
     *                           INTERNAL when the file cannot be written
     */
    public Stored store(String collection, byte[] bytes) {
        CollectionStore.validateName(collection);
        DecodedImage decoded = ImageDecoder.decode(bytes, limits);
        String extension = EXTENSIONS.get(decoded.sourceFormat());
        if (extension == null) {
            throw new MmsearchException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "image format '" + decoded.sourceFormat()
                    + "' cannot be stored; send a JPEG, PNG, GIF, BMP or WebP file");
        }
        String sha256 = sha256(bytes);
        String prefix = sha256.substring(0, 2);
        String reference = collection + "/" + prefix + "/" + sha256 + "." + extension;
        Path folder = root.resolve(collection).resolve(prefix);
        Path target = folder.resolve(sha256 + "." + extension);
        try {
            if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && Files.size(target) == bytes.length) {
                return new Stored(reference, sha256, false);
            }
            Files.createDirectories(folder);
            Path temp = Files.createTempFile(folder, ".upload-", ".tmp");
            try {
                try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    ByteBuffer buffer = ByteBuffer.wrap(bytes);
                    while (buffer.hasRemaining()) {
                        out.write(buffer);
                    }
                    out.force(true);
                }
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
            forceFolder(folder);
        } catch (IOException e) {
            if (ErrorCode.isDiskFull(e)) {
                throw new MmsearchException(ErrorCode.STORAGE_FULL, "no space left to store the uploaded image ("
                        + bytes.length + " bytes); free disk space and upload it again", e);
            }
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot store the uploaded image: " + e.getMessage(), e);
        }
        log.info("stored uploaded image collection={} sha256={} bytes={} format={}", collection, sha256, bytes.length,
                decoded.sourceFormat());
        return new Stored(reference, sha256, true);
    }

    /** Makes the move into {@code folder} durable where the platform allows opening a folder (Linux, macOS). */
    private static void forceFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            log.debug("cannot force folder={}: {}", folder, e.toString()); // e.g. Windows: the move is still atomic
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
