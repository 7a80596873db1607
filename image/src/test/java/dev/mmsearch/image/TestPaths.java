package dev.mmsearch.image;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where tests find shared data and committed fixtures (system properties set by the parent pom). */
final class TestPaths {
    private TestPaths() {
    }

    /** {@code mmsearch.sharedData}, or {@code ../shared/data} from the repository root. */
    static Path sharedData() {
        return fromPropertyOrAncestor("mmsearch.sharedData", "../shared/data");
    }

    /** {@code mmsearch.fixtures}, or {@code fixtures} at the repository root. */
    static Path fixtures() {
        return fromPropertyOrAncestor("mmsearch.fixtures", "fixtures/images").getParent();
    }

    private static Path fromPropertyOrAncestor(String property, String relative) {
        String value = System.getProperty(property);
        if (value != null && !value.isBlank()) {
            return Path.of(value).toAbsolutePath().normalize().resolve(
                    relative.startsWith("fixtures/") ? relative.substring("fixtures/".length()) : "").normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve(relative))) {
                return p.resolve(relative).normalize();
            }
        }
        throw new IllegalStateException(relative + " not found; set -D" + property);
    }
}
