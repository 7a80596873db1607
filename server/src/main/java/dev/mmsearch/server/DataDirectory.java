package dev.mmsearch.server;

import java.nio.file.Path;

/**
 * Everything one mmsearch instance keeps on disk lives under one folder, so that two
 * instances (or tests) with different folders never share state.
 *
 * <pre>
 * DATA_DIR/collections/NAME/   one Lucene index per collection
 * DATA_DIR/models/ID/          built-in models extracted from the jar (the model cache)
 * DATA_DIR/reports/            ingest error reports
 * DATA_DIR/image-roots         image folders indexed here, one absolute path a line (read as image roots)
 * DATA_DIR/thumbnails/NAME/    cached JPEG thumbnails of image collections
 * DATA_DIR/images/NAME/        images uploaded over the API, content-addressed (an image root: {@link ImageStore})
 * </pre>
 *
 * The default is {@code $MMSEARCH_DATA_DIR}, else {@code ~/.mmsearch}.
 */
public record DataDirectory(Path root) {
    public static final String ENV = "MMSEARCH_DATA_DIR";

    public DataDirectory {
        root = root.toAbsolutePath().normalize();
    }

    public static DataDirectory defaultLocation() {
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return new DataDirectory(Path.of(env));
        }
        return new DataDirectory(Path.of(System.getProperty("user.home"), ".mmsearch"));
    }

    public Path collections() {
        return root.resolve("collections");
    }

    public Path models() {
        return root.resolve("models");
    }

    public Path reports() {
        return root.resolve("reports");
    }

    public Path thumbnails() {
        return root.resolve("thumbnails");
    }

    /** Images uploaded into image collections over the API ({@link ImageStore}); read as an image root once it exists. */
    public Path uploadedImages() {
        return root.resolve("images");
    }

    /** The file listing image folders that {@code index} read, so {@code serve} can show their images. */
    public Path imageRootsFile() {
        return root.resolve("image-roots");
    }

    /** The folders in {@link #imageRootsFile()} that still exist. */
    public java.util.List<Path> recordedImageRoots() {
        Path file = imageRootsFile();
        if (!java.nio.file.Files.isRegularFile(file)) {
            return java.util.List.of();
        }
        try {
            return java.nio.file.Files.readAllLines(file).stream().map(String::strip).filter(l -> !l.isEmpty())
                    .map(Path::of).filter(java.nio.file.Files::isDirectory).distinct().toList();
        } catch (java.io.IOException e) {
            throw new dev.mmsearch.core.MmsearchException(dev.mmsearch.core.ErrorCode.INTERNAL, "cannot read " + file
                    + ": " + e.getMessage(), e);
        }
    }

    /** Adds {@code folder} to {@link #imageRootsFile()} unless it is there already. */
    public synchronized void recordImageRoot(Path folder) {
        Path real;
        try {
            real = folder.toRealPath();
            if (recordedImageRoots().contains(real)) {
                return;
            }
            java.nio.file.Files.createDirectories(root);
            java.nio.file.Files.writeString(imageRootsFile(), real + "\n", java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            throw new dev.mmsearch.core.MmsearchException(dev.mmsearch.core.ErrorCode.INTERNAL, "cannot record image"
                    + " folder " + folder + " in " + imageRootsFile() + ": " + e.getMessage(), e);
        }
    }
}
