package dev.mmsearch.it.scaleout;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where tests find shared data and the per-build cache (system properties set by the parent pom). */
final class TestPaths {
    private TestPaths() {
    }

    /** {@code mmsearch.sharedData}, or {@code ../shared/data} above the working directory. */
    static Path sharedData() {
        String property = System.getProperty("mmsearch.sharedData");
        if (property != null && !property.isBlank()) {
            return Path.of(property).toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("../shared/data"))) {
                return p.resolve("../shared/data").normalize();
            }
        }
        throw new IllegalStateException("shared data not found; set -Dmmsearch.sharedData");
    }

    /** {@code mmsearch.testCache}, or {@code target/test-cache} of this module. */
    static Path testCache() {
        String property = System.getProperty("mmsearch.testCache");
        return property != null && !property.isBlank() ? Path.of(property).toAbsolutePath().normalize()
                : Path.of("target", "test-cache").toAbsolutePath();
    }
}
