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
    /** Name -> directory of the published version, for collections that were re-indexed. */
    static final String ALIASES_FILE = StoreDirectory.ALIASES_FILE;
    /** How long a replaced version keeps serving calls that already hold it. */
    public static final Duration DEFAULT_RETIRE_GRACE = Duration.ofSeconds(10);

    private final Path root;
    private final StoreDirectory directory;
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
        this.directory = new StoreDirectory(this.root);
        directory.removeUnfinishedDeletions();
        this.aliases = directory.readAliases();
        directory.removeUnpublishedVersions(aliases);
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
        return open.containsKey(name) || StoreDirectory.hasCommit(pathOf(name));
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
            if (!StoreDirectory.hasCommit(path)) {
                throw MmsearchException.collectionNotFound(name);
            }
            collection = openCollection(name, path);
            open.put(name, collection);
            return collection;
        }
    }

    /** {@inheritDoc} <p>The Lucene collection itself (tests and tools use its extra methods). */
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
            if (collection == null && StoreDirectory.hasCommit(path)) {
                collection = openCollection(name, path);
                open.put(name, collection);
            }
            if (collection != null) {
                CollectionStore.requireReusable(collection, schema, stamp, encoding);
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
            Path doomed = directory.doomed(name);
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
                directory.writeAliases(next);
                aliases = Map.copyOf(next);
            }
            unavailable.remove(name);
            directory.deleteTree(doomed);
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
            for (String dir : directory.childDirectoryNames()) {
                Matcher m = StoreDirectory.VERSION_DIR.matcher(dir);
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
            directory.writeAliases(next); // the switch: atomic, durable
            aliases = Map.copyOf(next);
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
            directory.removeDirectory(dirName);
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
                    || (StoreDirectory.isValidName(oldDir) && !aliases.containsKey(oldDir)); // deleted and created afresh since
            if (stillPublished) {
                return;
            }
            try {
                directory.removeDirectory(oldDir);
                log.info("retired version collection={} dir={}", name, oldDir);
            } catch (MmsearchException e) {
                log.warn("could not remove retired version collection={} dir={}: {}", name, oldDir, e.getMessage());
            }
        }
    }

    /** Where collection {@code name}'s published version lives. */
    private Path pathOf(String name) {
        return root.resolve(aliases.getOrDefault(name, name));
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
        for (String name : directory.childDirectoryNames()) {
            if (StoreDirectory.isValidName(name) && (open.containsKey(name) || StoreDirectory.hasCommit(pathOf(name)))) {
                names.add(name);
            }
        }
        return new ArrayList<>(names);
    }

    private void ensureOpen() {
        if (closed) {
            throw new MmsearchException(ErrorCode.NOT_READY, "the collection store at " + root
                    + " is closed (the node is shutting down)");
        }
    }
}
