package dev.mmsearch.server.web;

import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.image.DecodedImage;
import dev.mmsearch.image.ImageDecoder;
import dev.mmsearch.image.Thumbnailer;
import dev.mmsearch.server.Engine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Serves the images of image collections: {@code GET /api/v1/collections/{name}/image?id=ID} (the original file)
 * and {@code .../thumbnail?id=ID} (a JPEG of at most {@value #THUMBNAIL_EDGE} px, made once and cached under
 * {@code DATA_DIR/thumbnails/NAME/}). Only documents' own image paths are served, and only from the image roots
 * ({@link dev.mmsearch.core.ImageRoots}): a request names a document id, never a path. Security headers
 * (nosniff, CSP) come from {@link dev.mmsearch.server.security.SecurityHeadersFilter}.
 */
@RestController
@RequestMapping("/api/v1/collections/{name}")
class ImageController {
    static final int THUMBNAIL_EDGE = 256;
    private static final Map<String, MediaType> TYPES = Map.of("jpg", MediaType.IMAGE_JPEG, "jpeg",
            MediaType.IMAGE_JPEG, "png", MediaType.IMAGE_PNG, "gif", MediaType.IMAGE_GIF, "webp",
            MediaType.parseMediaType("image/webp"), "bmp", MediaType.parseMediaType("image/bmp"));

    private final Engine engine;

    ImageController(Engine engine) {
        this.engine = engine;
    }

    @GetMapping("/image")
    ResponseEntity<byte[]> image(@PathVariable String name, @RequestParam String id) throws IOException {
        Path file = imageFile(name, id);
        String extension = extension(file);
        return ResponseEntity.ok()
                .contentType(TYPES.getOrDefault(extension, MediaType.APPLICATION_OCTET_STREAM))
                .cacheControl(CacheControl.maxAge(Duration.ofHours(1)))
                .body(Files.readAllBytes(file));
    }

    @GetMapping("/thumbnail")
    ResponseEntity<byte[]> thumbnail(@PathVariable String name, @RequestParam String id) throws IOException {
        Path file = imageFile(name, id);
        Path cached = engine.dataDirectory().thumbnails().resolve(name)
                .resolve(sha256(file + "|" + Files.getLastModifiedTime(file).toMillis() + "|" + THUMBNAIL_EDGE) + ".jpg");
        byte[] bytes;
        if (Files.isRegularFile(cached)) {
            bytes = Files.readAllBytes(cached);
        } else {
            DecodedImage decoded = ImageDecoder.decode(Files.readAllBytes(file));
            bytes = Thumbnailer.jpegThumbnail(decoded, THUMBNAIL_EDGE);
            Files.createDirectories(cached.getParent());
            Path temp = Files.createTempFile(cached.getParent(), "thumb", ".tmp");
            Files.write(temp, bytes);
            Files.move(temp, cached, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return ResponseEntity.ok().contentType(MediaType.IMAGE_JPEG)
                .cacheControl(CacheControl.maxAge(Duration.ofHours(1)))
                .body(bytes);
    }

    private Path imageFile(String name, String id) {
        SearchCollection collection = engine.store().get(CollectionStore.validateName(name));
        String field = collection.schema().imageField();
        if (field == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "collection '" + name
                    + "' holds text, not images");
        }
        Document document = collection.fetch(List.of(id)).get(id);
        if (document == null) {
            throw new MmsearchException(ErrorCode.NOT_FOUND, "collection '" + name + "' has no document '" + id + "'");
        }
        return engine.imageRoots().resolve(document.text(field));
    }

    private static String extension(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
