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
 */
public final class LuceneCollectionStore implements CollectionStore {
    private static final Logger log = LoggerFactory.getLogger(LuceneCollectionStore.class);
    private static final String DELETING_PREFIX = ".deleting-";

    private final Path root;
    private final Map<String, LuceneCollection> open = new ConcurrentHashMap<>();
    /** Serialises opening, creating and deleting; reads of already open collections do not take it. */
    private final Object lifecycleLock = new Object();
    private volatile boolean closed;

    /**
     * @param root the collections directory, usually {@code <data-dir>/collections}; created when missing
     * @throws MmsearchException INTERNAL when it cannot be created
     */
    public LuceneCollectionStore(Path root) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot create the collections directory " + this.root
                    + ": " + e.getMessage() + "; check --data-dir and its permissions", e);
        }
        removeUnfinishedDeletions();
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
            LuceneCollection collection = open.get(name);
            try {
                infos.add(collection != null && !collection.isClosed()
                        ? collection.info()
                        : LuceneCollection.readInfo(name, root.resolve(name)));
            } catch (MmsearchException e) {
                // One unreadable collection must not hide the others; it still fails loudly when opened.
                log.warn("listing skips collection={}: {}", name, e.getMessage());
            }
        }
        infos.sort(Comparator.comparing(CollectionInfo::name));
        return infos;
    }

    @Override
    public boolean exists(String name) {
        CollectionStore.validateName(name);
        ensureOpen();
        return open.containsKey(name) || hasCommit(root.resolve(name));
    }

    @Override
    public LuceneCollection get(String name) {
        CollectionStore.validateName(name);
        ensureOpen();
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
            Path path = root.resolve(name);
            if (!hasCommit(path)) {
                throw MmsearchException.collectionNotFound(name);
            }
            collection = LuceneCollection.open(name, path);
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
            Path path = root.resolve(name);
            LuceneCollection collection = open.get(name);
            if (collection == null && hasCommit(path)) {
                collection = LuceneCollection.open(name, path);
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
            Path path = root.resolve(name);
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
            deleteTree(doomed);
            log.info("deleted collection={} path={}", name, path);
        }
    }

    /** Closes every open collection, discarding writes not committed. Idempotent. */
    @Override
    public void close() {
        synchronized (lifecycleLock) {
            if (closed) {
                return;
            }
            closed = true;
            open.values().forEach(LuceneCollection::close);
            open.clear();
        }
    }

    private List<String> collectionNames() {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path child : children) {
                String name = child.getFileName().toString();
                if (isValidName(name) && (open.containsKey(name) || hasCommit(child))) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot list the collections directory " + root + ": "
                    + e.getMessage(), e);
        }
        return names;
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
