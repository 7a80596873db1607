package dev.mmsearch.store.lucene;

import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.VectorEncoding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.SearchCollection;
import tools.jackson.core.type.TypeReference;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.Lock;
import org.apache.lucene.store.LockObtainFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store: one Lucene index per collection in {@code <root>/<name>/}. Collections are opened
 * lazily, once, and stay open (holding their write lock) until {@link #delete} or {@link #close}. Thread-safe.
 *
 * <p>A directory counts as a collection once it holds a Lucene commit; a directory without one is a
 * creation that never finished and is created afresh by {@link #getOrCreate}. Deletion first renames the
 * directory away (atomic), so a crash mid-delete never leaves a half-deleted collection behind.
 *
 * <p><b>Versions.</b> A re-index writes a new version of a collection into {@code <root>/<name>~<n>/}
 * ({@link #createVersion}); {@link #publishVersion} switches the name over by rewriting {@value #ALIASES_FILE}
 * (name -> directory) with an atomic rename, so after a crash the name points at a complete old or a complete
 * new version. The replaced version keeps serving calls that already hold it for a grace period, then is
 * closed and removed. Version directories no alias points at (an interrupted re-index, or a retirement cut
 * short by a crash) are removed at startup.
 *
 * <p><b>Damage.</b> Lucene checks file checksums only on demand, so a service calls {@link #verify()} at startup.
 * A collection found damaged (there, or when it is opened) is left out of {@link #list()}, reported by
 * {@link #unavailable()}, and {@link #get} of it throws COLLECTION_UNAVAILABLE; the others are served as usual.
 */
public final class LuceneCollectionStore implements CollectionStore {
    private static final Logger log = LoggerFactory.getLogger(LuceneCollectionStore.class);
    private static final String DELETING_PREFIX = ".deleting-";
    /** Name -> directory of the published version, for collections that were re-indexed. */
    static final String ALIASES_FILE = "aliases.json";
    private static final Pattern VERSION_DIR = Pattern.compile("([a-z0-9][a-z0-9_-]{0,63})~([0-9]{1,9})");
    /** How long a replaced version keeps serving calls that already hold it. */
    public static final Duration DEFAULT_RETIRE_GRACE = Duration.ofSeconds(10);

    private final Path root;
    private final Map<String, LuceneCollection> open = new ConcurrentHashMap<>();
    /** Collections found damaged (by {@link #verify} or when opened), by name: not served until verified again. */
    private final Map<String, MmsearchException> unavailable = new ConcurrentHashMap<>();
    /** Serialises opening, creating and deleting; reads of already open collections do not take it. */
    private final Object lifecycleLock = new Object();
    /** Collection name -> directory name, for collections whose published version is not {@code <root>/<name>}. */
    private volatile Map<String, String> aliases;
    /** Versions created and not yet published or discarded, by directory name. */
    private final Map<String, LuceneCollection> staged = new ConcurrentHashMap<>();
    /** Replaced versions waiting for their grace period to end, by directory name. */
    private final Map<String, LuceneCollection> retiring = new ConcurrentHashMap<>();
    private final Duration retireGrace;
    private ScheduledExecutorService retirer;
    private volatile boolean closed;

    /**
     * @param root the collections directory, usually {@code <data-dir>/collections}; created when missing
     * @throws MmsearchException INTERNAL when it cannot be created
     */
    public LuceneCollectionStore(Path root) {
        this(root, DEFAULT_RETIRE_GRACE);
    }

    /**
     * @param retireGrace how long a version replaced by {@link #publishVersion} keeps serving calls that already
     *                    hold it before it is closed and removed
     */
    public LuceneCollectionStore(Path root, Duration retireGrace) {
        this.retireGrace = Objects.requireNonNull(retireGrace, "retireGrace");
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot create the collections directory " + this.root
                    + ": " + e.getMessage() + "; check --data-dir and its permissions", e);
        }
        removeUnfinishedDeletions();
        this.aliases = readAliases();
        removeUnpublishedVersions();
    }

    /** The directory that holds one subdirectory per collection. */
    public Path root() {
        return root;
    }

    @Override
    public List<CollectionInfo> list() {
        ensureOpen();
        List<CollectionInfo> infos = new ArrayList<>();
        for (String name : collectionNames()) {
            if (unavailable.containsKey(name)) {
                continue; // reported by unavailable()
            }
            LuceneCollection collection = open.get(name);
            try {
                infos.add(collection != null && !collection.isClosed()
                        ? collection.info()
                        : LuceneCollection.readInfo(name, pathOf(name)));
            } catch (MmsearchException e) {
                // One unreadable collection must not hide the others; a damaged one is reported by unavailable().
                if (e.code() == ErrorCode.COLLECTION_UNAVAILABLE) {
                    remember(name, e);
                } else {
                    log.warn("listing skips collection={}: {}", name, e.getMessage());
                }
            }
        }
        infos.sort(Comparator.comparing(CollectionInfo::name));
        return infos;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Filled by {@link #verify()}, and by {@link #get}, {@link #getOrCreate} and {@link #list()} when they find a
     * collection damaged; a collection leaves it when {@link #verify()} passes it again or it is deleted.
     */
    @Override
    public Map<String, String> unavailable() {
        Map<String, String> reasons = new TreeMap<>();
        unavailable.forEach((name, e) -> reasons.put(name, e.getMessage()));
        return java.util.Collections.unmodifiableMap(reasons);
    }

    /**
     * Verifies every collection's last commit: opens a fresh reader over it and checks the checksum of every
     * file (see {@link LuceneCollection#verify}), taking no write lock. Meant for startup, before the node
     * serves: a collection that fails is closed (if this store had it open) and is unavailable until a later
     * verification passes it or it is deleted; {@link #get} of it throws COLLECTION_UNAVAILABLE with the reason.
     * Reads every byte of every collection once.
     */
    public VerificationReport verify() {
        ensureOpen();
        long start = System.nanoTime();
        List<VerificationReport.Check> checks = new ArrayList<>();
        for (String name : collectionNames()) {
            long collectionStart = System.nanoTime();
            try {
                CollectionInfo info = LuceneCollection.verify(name, pathOf(name));
                unavailable.remove(name);
                checks.add(new VerificationReport.Check(name, info.documentCount(), info.sizeBytes(),
                        millisSince(collectionStart), null));
            } catch (MmsearchException e) {
                markUnavailable(name, e);
                checks.add(new VerificationReport.Check(name, 0, 0, millisSince(collectionStart), e.getMessage()));
            }
        }
        return new VerificationReport(checks, millisSince(start));
    }

    private void markUnavailable(String name, MmsearchException e) {
        MmsearchException reason = e.code() == ErrorCode.COLLECTION_UNAVAILABLE ? e
                : new MmsearchException(ErrorCode.COLLECTION_UNAVAILABLE, e.getMessage(), e);
        synchronized (lifecycleLock) {
            unavailable.put(name, reason);
            LuceneCollection collection = open.remove(name);
            if (collection != null) {
                collection.close();
            }
        }
    }

    /** A fresh exception per call (the stored one's stack trace is the first failure's). */
    private void requireAvailable(String name) {
        MmsearchException reason = unavailable.get(name);
        if (reason != null) {
            throw new MmsearchException(ErrorCode.COLLECTION_UNAVAILABLE, reason.getMessage(), reason.getCause());
        }
    }

    /** Opens collection {@code name}, remembering it as unavailable when it is damaged. */
    private LuceneCollection openCollection(String name, Path path) {
        try {
            return LuceneCollection.open(name, path);
        } catch (MmsearchException e) {
            if (e.code() == ErrorCode.COLLECTION_UNAVAILABLE) {
                remember(name, e);
            }
            throw e;
        }
    }

    /** Remembers a collection found damaged outside {@link #verify()} (whose caller reports what it finds). */
    private void remember(String name, MmsearchException e) {
        if (unavailable.put(name, e) == null) {
            log.error("collection unavailable collection={} reason={}", name, e.getMessage());
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @Override
    public boolean exists(String name) {
        CollectionStore.validateName(name);
        ensureOpen();
        return open.containsKey(name) || hasCommit(pathOf(name));
    }

    @Override
    public LuceneCollection get(String name) {
        CollectionStore.validateName(name);
        ensureOpen();
        requireAvailable(name);
        LuceneCollection collection = open.get(name);
        if (collection != null) {
            return collection;
        }
        synchronized (lifecycleLock) {
            ensureOpen();
            collection = open.get(name);
            if (collection != null) {
                return collection;
            }
            Path path = pathOf(name);
            if (!hasCommit(path)) {
                throw MmsearchException.collectionNotFound(name);
            }
            collection = openCollection(name, path);
            open.put(name, collection);
            return collection;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>When the collection exists its stored schema is kept; a different requested schema is logged, not
     * applied (re-index to change it).
     */
    @Override
    public LuceneCollection getOrCreate(String name, CollectionSchema schema, ModelStamp stamp) {
        return getOrCreate(name, schema, stamp, VectorEncoding.FLOAT32);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Both encodings are supported. An existing collection keeps its stored schema and encoding; a
     * different requested one is logged, not applied (re-index into a new collection to change it).
     */
    @Override
    public LuceneCollection getOrCreate(String name, CollectionSchema schema, ModelStamp stamp,
                                        VectorEncoding encoding) {
        CollectionStore.validateName(name);
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(stamp, "stamp");
        ensureOpen();
        synchronized (lifecycleLock) {
            ensureOpen();
            requireAvailable(name);
            Path path = pathOf(name);
            LuceneCollection collection = open.get(name);
            if (collection == null && hasCommit(path)) {
                collection = openCollection(name, path);
                open.put(name, collection);
            }
            if (collection != null) {
                ModelStamp.requireCompatible(name, collection.stamp(), stamp);
                if (!collection.schema().equals(schema)) {
                    log.warn("collection={} keeps its stored schema {}; requested schema {} is ignored", name,
                            collection.schema(), schema);
                }
                if (collection.vectorEncoding() != encoding) {
                    log.warn("collection={} keeps its vector encoding {}; requested encoding {} is ignored", name,
                            collection.vectorEncoding().label(), encoding.label());
                }
                return collection;
            }
            if (Files.exists(path)) {
                log.warn("collection={} path={} has no commit (an interrupted creation); creating it afresh", name,
                        path);
            }
            collection = LuceneCollection.create(name, path, schema, stamp, encoding);
            open.put(name, collection);
            return collection;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Works on damaged collections too (it only needs the write lock, not a readable index).
     *
     * @throws MmsearchException NOT_READY when another process holds the collection open
     */
    @Override
    public void delete(String name) {
        CollectionStore.validateName(name);
        ensureOpen();
        synchronized (lifecycleLock) {
            ensureOpen();
            Path path = pathOf(name);
            LuceneCollection collection = open.remove(name);
            if (collection != null) {
                collection.close();
            } else if (!Files.isDirectory(path)) {
                throw MmsearchException.collectionNotFound(name);
            }
            Path doomed = root.resolve(DELETING_PREFIX + name + "-" + System.nanoTime());
            try (Directory directory = FSDirectory.open(path);
                 Lock lock = directory.obtainLock(IndexWriter.WRITE_LOCK_NAME)) {
                lock.ensureValid();
                Files.move(path, doomed, StandardCopyOption.ATOMIC_MOVE);
            } catch (LockObtainFailedException e) {
                throw new MmsearchException(ErrorCode.NOT_READY, "collection '" + name
                        + "' is locked by another mmsearch process (" + path.resolve(IndexWriter.WRITE_LOCK_NAME)
                        + "); stop it before deleting the collection", e);
            } catch (IOException e) {
                throw new MmsearchException(ErrorCode.INTERNAL, "cannot delete collection '" + name + "' at " + path
                        + ": " + e.getMessage() + "; check the directory's permissions", e);
            }
            if (aliases.containsKey(name)) {
                Map<String, String> next = new TreeMap<>(aliases);
                next.remove(name);
                writeAliases(next);
            }
            unavailable.remove(name);
            deleteTree(doomed);
            log.info("deleted collection={} path={}", name, path);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The version lives in {@code <root>/<name>~<n>/} with the next free {@code n}; it reports the
     * collection's name.
     */
    @Override
    public LuceneCollection createVersion(String name, CollectionSchema schema, ModelStamp stamp,
                                          VectorEncoding encoding) {
        CollectionStore.validateName(name);
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(stamp, "stamp");
        Objects.requireNonNull(encoding, "encoding");
        synchronized (lifecycleLock) {
            ensureOpen();
            if (!exists(name)) {
                throw MmsearchException.collectionNotFound(name);
            }
            int next = 1;
            for (String dir : childDirectoryNames()) {
                Matcher m = VERSION_DIR.matcher(dir);
                if (m.matches() && m.group(1).equals(name)) {
                    next = Math.max(next, Integer.parseInt(m.group(2)) + 1);
                }
            }
            String dirName = name + "~" + next;
            LuceneCollection version = LuceneCollection.create(name, root.resolve(dirName), schema, stamp, encoding);
            staged.put(dirName, version);
            log.info("created version collection={} dir={} model={}", name, dirName, stamp.describe());
            return version;
        }
    }

    /** {@inheritDoc} The version's writes must be committed; uncommitted ones are committed here. */
    @Override
    public void publishVersion(String name, SearchCollection version) {
        CollectionStore.validateName(name);
        synchronized (lifecycleLock) {
            ensureOpen();
            String dirName = stagedDirectory(name, version);
            LuceneCollection published = staged.get(dirName);
            published.commit();
            Path oldPath = pathOf(name);
            LuceneCollection old = open.get(name);
            Map<String, String> next = new TreeMap<>(aliases);
            next.put(name, dirName);
            writeAliases(next); // the switch: atomic, durable
            open.put(name, published);
            unavailable.remove(name);
            staged.remove(dirName);
            String oldDir = oldPath.getFileName().toString();
            if (old != null) {
                retiring.put(oldDir, old);
            }
            scheduleRetirement(name, oldDir);
            log.info("published version collection={} dir={} docs={} model={} replaced={}", name, dirName,
                    published.count(), published.stamp().describe(), oldDir);
        }
    }

    @Override
    public void discardVersion(String name, SearchCollection version) {
        CollectionStore.validateName(name);
        synchronized (lifecycleLock) {
            String dirName = stagedDirectory(name, version);
            LuceneCollection dropped = staged.remove(dirName);
            dropped.close();
            removeDirectory(dirName);
            log.info("discarded version collection={} dir={}", name, dirName);
        }
    }

    private String stagedDirectory(String name, SearchCollection version) {
        Objects.requireNonNull(version, "version");
        for (Map.Entry<String, LuceneCollection> e : staged.entrySet()) {
            if (e.getValue() == version) {
                if (!version.name().equals(name)) {
                    throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "version in " + e.getKey()
                            + " belongs to collection '" + version.name() + "', not '" + name + "'");
                }
                return e.getKey();
            }
        }
        throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "collection '" + name
                + "': the given version was not created by createVersion of this store, or was already published"
                + " or discarded");
    }

    private void scheduleRetirement(String name, String oldDir) {
        if (retirer == null) {
            retirer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "mmsearch-version-retirer");
                t.setDaemon(true);
                return t;
            });
        }
        retirer.schedule(() -> retire(name, oldDir), retireGrace.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Closes and removes a replaced version once no new call can reach it and old calls had their grace. */
    private void retire(String name, String oldDir) {
        synchronized (lifecycleLock) {
            LuceneCollection old = retiring.remove(oldDir);
            if (old != null) {
                old.close();
            }
            boolean stillPublished = aliases.containsValue(oldDir)
                    || (isValidName(oldDir) && !aliases.containsKey(oldDir)); // deleted and created afresh since
            if (stillPublished) {
                return;
            }
            try {
                removeDirectory(oldDir);
                log.info("retired version collection={} dir={}", name, oldDir);
            } catch (MmsearchException e) {
                log.warn("could not remove retired version collection={} dir={}: {}", name, oldDir, e.getMessage());
            }
        }
    }

    private void removeDirectory(String dirName) {
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

    /** Where collection {@code name}'s published version lives. */
    private Path pathOf(String name) {
        return root.resolve(aliases.getOrDefault(name, name));
    }

    private Map<String, String> readAliases() {
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
    private void writeAliases(Map<String, String> next) {
        Path file = root.resolve(ALIASES_FILE);
        Path temp = root.resolve(ALIASES_FILE + ".tmp");
        try {
            Files.write(temp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(new TreeMap<>(next)));
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            aliases = Map.copyOf(next);
        } catch (IOException | RuntimeException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot write " + file + ": " + e.getMessage()
                    + "; the previous version stays published", e);
        }
    }

    /** Removes version directories nothing points at: interrupted re-indexes and cut-short retirements. */
    private void removeUnpublishedVersions() {
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

    private List<String> childDirectoryNames() {
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

    /** Closes every open collection, discarding writes not committed. Idempotent. */
    @Override
    public void close() {
        synchronized (lifecycleLock) {
            if (closed) {
                return;
            }
            closed = true;
            if (retirer != null) {
                retirer.shutdownNow();
            }
            open.values().forEach(LuceneCollection::close);
            open.clear();
            staged.values().forEach(LuceneCollection::close);
            staged.clear();
            // Replaced versions not yet removed are removed at the next start (nothing points at them).
            retiring.values().forEach(LuceneCollection::close);
            retiring.clear();
        }
    }

    private List<String> collectionNames() {
        Set<String> names = new java.util.TreeSet<>(aliases.keySet());
        for (String name : childDirectoryNames()) {
            if (isValidName(name) && (open.containsKey(name) || hasCommit(pathOf(name)))) {
                names.add(name);
            }
        }
        return new ArrayList<>(names);
    }

    private static boolean isValidName(String name) {
        try {
            CollectionStore.validateName(name);
            return true;
        } catch (MmsearchException e) {
            return false;
        }
    }

    /** Whether {@code path} holds a Lucene commit (a {@code segments_N} file), i.e. a finished collection. */
    private static boolean hasCommit(Path path) {
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

    private void removeUnfinishedDeletions() {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(root, DELETING_PREFIX + "*")) {
            for (Path leftover : leftovers) {
                log.info("removing the rest of an interrupted delete path={}", leftover);
                deleteTree(leftover);
            }
        } catch (IOException | MmsearchException e) {
            log.warn("could not remove interrupted deletes under path={}: {}", root, e.getMessage());
        }
    }

    private static void deleteTree(Path top) {
        try (Stream<Path> paths = Files.walk(top)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot remove " + top + ": " + e.getMessage()
                    + "; remove it by hand", e);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new MmsearchException(ErrorCode.NOT_READY, "the collection store at " + root
                    + " is closed (the node is shutting down)");
        }
    }
}
