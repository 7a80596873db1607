package dev.mmsearch.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The folders images may be read from, and the one place that turns an image reference from a document or a
 * request into a file. A reference is a path relative to one of the roots (tried in order) or an absolute path
 * inside one. Whatever the spelling ({@code ..}, absolute, a symbolic link pointing elsewhere), the file's real
 * path must lie inside a root's real path, else the reference is refused: documents and HTTP clients never
 * reach other files. Immutable.
 */
public final class ImageRoots {
    private final List<Path> roots;

    private ImageRoots(List<Path> roots) {
        this.roots = roots;
    }

    /**
     * @param roots existing directories
     * @throws MmsearchException INVALID_ARGUMENT when one is not a directory
     */
    public static ImageRoots of(List<Path> roots) {
        Objects.requireNonNull(roots, "roots");
        List<Path> real = new ArrayList<>();
        for (Path root : roots) {
            try {
                Path r = root.toRealPath();
                if (!Files.isDirectory(r)) {
                    throw new IOException("not a directory");
                }
                real.add(r);
            } catch (IOException e) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "image root " + root
                        + " is not a readable directory (" + e.getMessage() + ")", e);
            }
        }
        return new ImageRoots(List.copyOf(real));
    }

    /** No roots: every reference is refused. */
    public static ImageRoots none() {
        return new ImageRoots(List.of());
    }

    public List<Path> roots() {
        return roots;
    }

    /**
     * The file {@code reference} names.
     *
     * @throws MmsearchException INVALID_INPUT for a reference outside every root (or a URL, or an empty one),
     *                           NOT_FOUND when no root holds such a file
     */
    public Path resolve(String reference) {
        if (reference == null || reference.isBlank()) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "empty image path");
        }
        if (reference.matches("(?i)[a-z][a-z0-9+.-]*://.*")) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "image '" + reference
                    + "' is a URL; mmsearch reads images from files under its image roots only");
        }
        if (reference.indexOf('\0') >= 0) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "image path contains a NUL character");
        }
        if (roots.isEmpty()) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "image '" + reference
                    + "' cannot be read: no image roots are configured (--image-root)");
        }
        Path given;
        try {
            given = Path.of(reference);
        } catch (InvalidPathException e) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "image path '" + reference + "' is not a valid path", e);
        }
        List<Path> candidates = given.isAbsolute() ? List.of(given) : roots.stream().map(r -> r.resolve(given)).toList();
        boolean outside = true;
        for (Path candidate : candidates) {
            Path normal = candidate.normalize();
            if (roots.stream().noneMatch(normal::startsWith)) {
                continue; // ".." or an absolute path leaving the roots
            }
            outside = false;
            if (!Files.exists(normal, LinkOption.NOFOLLOW_LINKS) && !Files.exists(normal)) {
                continue;
            }
            Path real;
            try {
                real = normal.toRealPath();
            } catch (IOException e) {
                continue; // a dangling link
            }
            if (roots.stream().noneMatch(real::startsWith)) {
                throw outsideRoots(reference);
            }
            if (!Files.isRegularFile(real)) {
                throw new MmsearchException(ErrorCode.INVALID_INPUT, "image '" + reference + "' is not a file");
            }
            return real;
        }
        if (outside) {
            throw outsideRoots(reference);
        }
        throw new MmsearchException(ErrorCode.NOT_FOUND, "image '" + reference + "' not found under the image roots");
    }

    /** {@code file} relative to the root that holds it, with '/' separators; null when outside every root. */
    public String relativize(Path file) {
        Path real = file.toAbsolutePath().normalize();
        for (Path root : roots) {
            if (real.startsWith(root)) {
                return root.relativize(real).toString().replace('\\', '/');
            }
        }
        return null;
    }

    private static MmsearchException outsideRoots(String reference) {
        return new MmsearchException(ErrorCode.INVALID_INPUT, "image '" + reference
                + "' is outside the allowed image roots");
    }
}
