package dev.mmsearch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.ImageRoots;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.image.ImageLimits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The content-addressed store of uploaded images: layout, dedup, and refusals that leave nothing behind. */
class ImageStoreTest {
    @TempDir
    Path dir;

    static byte[] fixture(String name) throws Exception {
        return Files.readAllBytes(ImageSearchIT.fixtures().resolve("models/tiny-clip/eval").resolve(name));
    }

    @Test
    void storesBytesUnderTheirHashOnceAndTheReferenceResolvesUnderTheRoot() throws Exception {
        ImageStore store = new ImageStore(dir.resolve("images"), ImageLimits.DEFAULTS);
        byte[] png = fixture("000-red-circle.png");
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(png));

        ImageStore.Stored first = store.store("pics", png);
        assertThat(first.sha256()).isEqualTo(sha);
        assertThat(first.reference()).isEqualTo("pics/" + sha.substring(0, 2) + "/" + sha + ".png");
        assertThat(first.written()).isTrue();
        Path file = ImageRoots.of(List.of(dir.resolve("images"))).resolve(first.reference());
        assertThat(Files.readAllBytes(file)).isEqualTo(png);

        ImageStore.Stored again = store.store("pics", png);
        assertThat(again).isEqualTo(new ImageStore.Stored(first.reference(), sha, false));
        ImageStore.Stored other = store.store("other", png);
        assertThat(other.reference()).startsWith("other/");
        assertThat(files()).hasSize(2).noneMatch(p -> p.getFileName().toString().endsWith(".tmp"));
    }

    @Test
    void theExtensionComesFromTheDecodedFormatNotFromTheClient() throws Exception {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(8, 8,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.io.ByteArrayOutputStream jpeg = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "jpeg", jpeg);
        ImageStore.Stored stored = new ImageStore(dir.resolve("images"), ImageLimits.DEFAULTS)
                .store("pics", jpeg.toByteArray());
        assertThat(stored.reference()).endsWith(".jpg");
    }

    @Test
    void refusedBytesLeaveNothingOnDisk() throws Exception {
        ImageStore store = new ImageStore(dir.resolve("images"), new ImageLimits(1000, ImageLimits.DEFAULT_MAX_PIXELS));
        assertThatThrownBy(() -> store.store("pics", "not an image".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(MmsearchException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_MEDIA_TYPE));
        assertThatThrownBy(() -> store.store("pics", ImageSearchIT.pngHeaderClaiming(60000, 60000)))
                .isInstanceOfSatisfying(MmsearchException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE));
        assertThatThrownBy(() -> store.store("pics", fixture("000-red-circle.png")))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
                    assertThat(e.getMessage()).contains("limit of 1000 bytes");
                });
        assertThatThrownBy(() -> store.store("../escape", new byte[]{1}))
                .isInstanceOfSatisfying(MmsearchException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThat(dir.resolve("images")).doesNotExist();
    }

    private List<Path> files() throws Exception {
        try (Stream<Path> walk = Files.walk(dir.resolve("images"))) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }
}
