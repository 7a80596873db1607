package dev.mmsearch.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Path confinement of image references, on a real file tree with a symbolic link out of the root. */
class ImageRootsTest {
    @TempDir
    Path dir;

    private ImageRoots roots() throws Exception {
        Path root = Files.createDirectories(dir.resolve("photos/sub"));
        Files.writeString(root.resolve("cat.jpg"), "x");
        Files.writeString(dir.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(root.resolve("escape.jpg"), dir.resolve("secret.txt"));
        Files.createSymbolicLink(dir.resolve("photos/linkdir"), dir);
        return ImageRoots.of(List.of(dir.resolve("photos")));
    }

    @Test
    void relativeAndAbsolutePathsInsideARootResolveToTheRealFile() throws Exception {
        ImageRoots roots = roots();
        Path cat = dir.resolve("photos/sub/cat.jpg").toRealPath();
        assertThat(roots.resolve("sub/cat.jpg")).isEqualTo(cat);
        assertThat(roots.resolve("sub/../sub/cat.jpg")).isEqualTo(cat);
        assertThat(roots.resolve(cat.toString())).isEqualTo(cat);
        assertThat(roots.relativize(cat)).isEqualTo("sub/cat.jpg");
        // A link that leaves the root and comes back in reaches a file inside it: allowed (its real path is inside).
        assertThat(roots.resolve("linkdir/photos/sub/cat.jpg")).isEqualTo(cat);
    }

    @Test
    void everyWayOutOfTheRootsIsRefusedWithTheSameClearError() throws Exception {
        ImageRoots roots = roots();
        for (String hostile : List.of("../secret.txt", "sub/../../secret.txt", dir.resolve("secret.txt").toString(),
                "/etc/passwd", "sub/escape.jpg", "linkdir/secret.txt")) {
            assertThatThrownBy(() -> roots.resolve(hostile)).as(hostile)
                    .isInstanceOfSatisfying(MmsearchException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT))
                    .hasMessageContaining("outside the allowed image roots");
        }
    }

    @Test
    void missingEmptyUrlAndDirectoryReferencesHaveTheirOwnErrors() throws Exception {
        ImageRoots roots = roots();
        assertThatThrownBy(() -> roots.resolve("sub/dog.jpg")).isInstanceOfSatisfying(MmsearchException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThatThrownBy(() -> roots.resolve(" ")).hasMessageContaining("empty image path");
        assertThatThrownBy(() -> roots.resolve("http://example.com/a.jpg")).hasMessageContaining("is a URL");
        assertThatThrownBy(() -> roots.resolve("sub")).hasMessageContaining("is not a file");
        assertThatThrownBy(() -> roots.resolve("a\0b")).hasMessageContaining("NUL");
        assertThatThrownBy(() -> ImageRoots.none().resolve("sub/cat.jpg")).hasMessageContaining("no image roots");
        assertThatThrownBy(() -> ImageRoots.of(List.of(dir.resolve("nope"))))
                .isInstanceOfSatisfying(MmsearchException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
}
