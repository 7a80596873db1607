package dev.mmsearch.store.lucene;

import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.type.TypeReference;

/**
 * The embedded store's root directory on disk: one directory per collection version, the alias table
 * ({@value #ALIASES_FILE}: name -> published version directory, rewritten by atomic rename), deletions by an atomic
 * rename away followed by a recursive delete, and the clean-up of what a crash left behind. No collection state:
 * {@link LuceneCollectionStore} decides what to open.
 */
final class StoreDirectory {
    private static final Logger log = LoggerFactory.getLogger(StoreDirectory.class);
    static final String DELETING_PREFIX = ".deleting-";
    static final String ALIASES_FILE = "aliases.json";
    /** A version directory: {@code <name>~<n>}. */
    static final Pattern VERSION_DIR = Pattern.compile("([a-z0-9][a-z0-9_-]{0,63})~([0-9]{1,9})");

    private final Path root;

    StoreDirectory(Path root) {
        this.root = root;
    }

    /** A directory name for an atomic rename away before deleting {@code dirName}. */
    Path doomed(String dirName) {
        return root.resolve(DELETING_PREFIX + dirName + "-" + System.nanoTime());
    }

    void removeDirectory(String dirName) {
        Path path = root.resolve(dirName);
        if (!Files.exists(path)) {
            return;
        }
        Path doomed = root.resolve(DELETING_PREFIX + dirName + "-" + System.nanoTime());
        try {
            Files.move(path, doomed, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot remove " + path + ": " + e.getMessage(), e);
        }
        deleteTree(doomed);
    }

    Map<String, String> readAliases() {
        Path file = root.resolve(ALIASES_FILE);
        if (!Files.exists(file)) {
            return Map.of();
        }
        try {
            Map<String, String> read = Json.MAPPER.readValue(file.toFile(), new TypeReference<TreeMap<String, String>>() {
            });
            for (Map.Entry<String, String> e : read.entrySet()) {
                Matcher m = VERSION_DIR.matcher(String.valueOf(e.getValue()));
                if (!isValidName(e.getKey()) || !m.matches() || !m.group(1).equals(e.getKey())) {
                    throw new IllegalArgumentException("bad entry " + e.getKey() + " -> " + e.getValue());
                }
            }
            return Map.copyOf(read);
        } catch (RuntimeException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot read " + file + " (which collection versions are"
                    + " published): " + e.getMessage() + "; restore it from a backup or remove the broken entry", e);
        }
    }

    /** Writes the alias table to a temporary file, syncs it and renames it over the old one (atomic). */
    void writeAliases(Map<String, String> next) {
        Path file = root.resolve(ALIASES_FILE);
        Path temp = root.resolve(ALIASES_FILE + ".tmp");
        try {
            Files.write(temp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(new TreeMap<>(next)));
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot write " + file + ": " + e.getMessage()
                    + "; the previous version stays published", e);
        }
    }

    /** Removes version directories nothing in {@code aliases} points at: interrupted re-indexes and cut-short retirements. */
    void removeUnpublishedVersions(Map<String, String> aliases) {
        Set<String> published = new HashSet<>(aliases.values());
        for (String dir : childDirectoryNames()) {
            boolean orphanVersion = VERSION_DIR.matcher(dir).matches() && !published.contains(dir);
            boolean replacedOriginal = aliases.containsKey(dir);
            if (orphanVersion || replacedOriginal) {
                log.info("removing unpublished collection version dir={} ({})", dir,
                        orphanVersion ? "an interrupted re-index" : "replaced by " + aliases.get(dir));
                try {
                    removeDirectory(dir);
                } catch (MmsearchException e) {
                    log.warn("could not remove dir={}: {}", dir, e.getMessage());
                }
            }
        }
    }

    List<String> childDirectoryNames() {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path child : children) {
                names.add(child.getFileName().toString());
            }
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot list the collections directory " + root + ": "
                    + e.getMessage(), e);
        }
        return names;
    }

    static boolean isValidName(String name) {
        try {
            CollectionStore.validateName(name);
            return true;
        } catch (MmsearchException e) {
            return false;
        }
    }

    /** Whether {@code path} holds a Lucene commit (a {@code segments_N} file), i.e. a finished collection. */
    static boolean hasCommit(Path path) {
        if (!Files.isDirectory(path)) {
            return false;
        }
        try (Stream<Path> files = Files.list(path)) {
            return files.anyMatch(f -> f.getFileName().toString().startsWith("segments_"));
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot read directory " + path + ": " + e.getMessage(),
                    e);
        }
    }

    void removeUnfinishedDeletions() {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(root, DELETING_PREFIX + "*")) {
            for (Path leftover : leftovers) {
                log.info("removing the rest of an interrupted delete path={}", leftover);
                deleteTree(leftover);
            }
        } catch (IOException | MmsearchException e) {
            log.warn("could not remove interrupted deletes under path={}: {}", root, e.getMessage());
        }
    }

    static void deleteTree(Path top) {
        try (Stream<Path> paths = Files.walk(top)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot remove " + top + ": " + e.getMessage()
                    + "; remove it by hand", e);
        }
    }
}
