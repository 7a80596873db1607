package dev.mmsearch.server;

import java.nio.file.Path;

/** Where the server's tests find the shared data (system property set by the parent pom), as other modules' TestPaths. */
final class TestPaths {
    private TestPaths() {
    }

    /** {@code mmsearch.sharedData}, else {@code ../shared/data} beside the repository. */
    static Path sharedData() {
        String data = System.getProperty("mmsearch.sharedData");
        Path root = data != null ? Path.of(data) : Path.of(System.getProperty("user.dir")).getParent()
                .resolve("../shared/data");
        return root.toAbsolutePath().normalize();
    }
}
