package dev.mmsearch.store.lucene;

import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.CollectionView;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.HnswOptions;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.VectorEncoding;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.index.ConcurrentMergeScheduler;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.IndexWriterConfig.OpenMode;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.NIOFSDirectory;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.IOUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;

/**
 * One collection as one Lucene index in its own directory ({@link IndexLayout}): its lifecycle, metadata and writes.
 * Thread-safe: writes go through one {@link IndexWriter}; reads go through {@link LuceneView views}, each holding one
 * searcher of a {@link SearcherManager} over the last commit, so searches run concurrently with writes, see exactly
 * what was committed, and see one point in time for their whole request.
 *
 * <p>Durability: the writer is opened with {@code commitOnClose=false}, so only {@link #commit()} persists anything;
 * closing (or a crash) discards writes since the last commit. Every commit carries the model stamp and schema in its
 * user data ({@link CommitMetadata}), so they are never out of step with the data.
 */
public final class LuceneCollection implements SearchCollection {
    private static final Logger log = LoggerFactory.getLogger(LuceneCollection.class);
    private static final TypeReference<LinkedHashMap<String, Object>> FIELDS_TYPE = new TypeReference<>() {
    };

    private final String name;
    private final Path path;
    private final Directory directory;
    private final Analyzer analyzer;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final IndexLayout layout;
    private final LuceneQueries queries;
    private final Highlighting.PageHighlighter highlighter;
    private final LongAdder acquisitions = new LongAdder();
    private final Object commitLock = new Object();
    private volatile CommitMetadata metadata;
    /** The checkpoint of the last commit (see {@link #commit(Map)}); empty when none. */
    private volatile Map<String, String> checkpoint;
    private volatile boolean closed;

    private LuceneCollection(String name, Path path, Directory directory, Analyzer analyzer, IndexWriter writer,
                             SearcherManager searchers, CommitMetadata metadata, Map<String, String> checkpoint) {
        this.name = name;
        this.checkpoint = checkpoint;
        this.path = path;
        this.directory = directory;
        this.analyzer = analyzer;
        this.writer = writer;
        this.searchers = searchers;
        this.metadata = metadata;
        this.layout = new IndexLayout(name, metadata);
        this.queries = new LuceneQueries(name, metadata.schema(), metadata.unitVectors(),
                metadata.vectorEncoding().rescoreOversample(), analyzer);
        this.highlighter = Highlighting.highlighter(analyzer);
    }

    /**
     * Creates a new, empty collection in {@code path} and commits it once, so the stamp and schema are on
     * disk before the first document.
     */
    static LuceneCollection create(String name, Path path, CollectionSchema schema, ModelStamp stamp) {
        return create(name, path, schema, stamp, VectorEncoding.FLOAT32);
    }

    /** As {@link #create(String, Path, CollectionSchema, ModelStamp)}, indexing the vectors with {@code encoding}. */
    static LuceneCollection create(String name, Path path, CollectionSchema schema, ModelStamp stamp,
                                   VectorEncoding encoding) {
        Objects.requireNonNull(encoding, "encoding");
        if (stamp.dimension() > VectorIndexing.MAX_DIMENSIONS) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "model " + stamp.describe() + " has "
                    + stamp.dimension() + "-d vectors but the Lucene store indexes at most "
                    + VectorIndexing.MAX_DIMENSIONS + " dimensions; use a smaller model");
        }
        Directory directory = null;
        Analyzer analyzer = null;
        IndexWriter writer = null;
        SearcherManager searchers = null;
        try {
            java.nio.file.Files.createDirectories(path);
            directory = FSDirectory.open(path);
            analyzer = TextAnalysis.create(schema.analyzer());
            writer = new IndexWriter(directory, writerConfig(analyzer, OpenMode.CREATE, encoding, schema.hnsw()));
            Instant now = Instant.now();
            CommitMetadata metadata = CommitMetadata.created(stamp, schema, now, encoding);
            writer.setLiveCommitData(metadata.toUserData().entrySet());
            writer.commit();
            searchers = new SearcherManager(directory, ViewSearcher.factory(schema.textFields()));
            log.info("created collection={} path={} model={} vectorEncoding={} hnsw={} analyzer={}", name, path,
                    stamp.describe(), encoding.label(), schema.hnsw(), schema.analyzer().label());
            return new LuceneCollection(name, path, directory, analyzer, writer, searchers, metadata, Map.of());
        } catch (IOException | RuntimeException e) {
            IOUtils.closeWhileHandlingException(searchers, writer, analyzer, directory);
            throw LuceneErrors.openFailure(name, path, "create", e);
        }
    }

    /** Opens an existing collection for reading and writing; holds its write lock until closed. */
    static LuceneCollection open(String name, Path path) {
        Directory directory = null;
        Analyzer analyzer = null;
        IndexWriter writer = null;
        SearcherManager searchers = null;
        try {
            directory = FSDirectory.open(path);
            // The metadata says which vector format new segments get and how text is analysed, so it is read before
            // the writer opens.
            Map<String, String> userData = SegmentInfos.readLatestCommit(directory).getUserData();
            CommitMetadata metadata = CommitMetadata.fromUserData(name, path, userData);
            analyzer = TextAnalysis.create(metadata.schema().analyzer());
            writer = new IndexWriter(directory, writerConfig(analyzer, OpenMode.APPEND, metadata.vectorEncoding(),
                    metadata.schema().hnsw()));
            searchers = new SearcherManager(directory, ViewSearcher.factory(metadata.schema().textFields()));
            LuceneCollection collection = new LuceneCollection(name, path, directory, analyzer, writer, searchers,
                    metadata, CommitMetadata.checkpointOf(userData));
            log.info("opened collection={} path={} docs={} model={}", name, path, collection.count(),
                    metadata.stamp().describe());
            return collection;
        } catch (IOException | RuntimeException e) {
            IOUtils.closeWhileHandlingException(searchers, writer, analyzer, directory);
            throw LuceneErrors.openFailure(name, path, "open", e);
        }
    }

    /**
     * Reads a collection's info from its last commit without opening a writer (no lock taken), for listings
     * of collections this process has not opened.
     */
    static CollectionInfo readInfo(String name, Path path) {
        try (Directory directory = FSDirectory.open(path)) {
            SegmentInfos infos = SegmentInfos.readLatestCommit(directory);
            CommitMetadata metadata = CommitMetadata.fromUserData(name, path, infos.getUserData());
            long documents = 0;
            for (SegmentCommitInfo segment : infos) {
                documents += segment.info.maxDoc() - segment.getDelCount() - segment.getSoftDelCount();
            }
            if (metadata.schema().hasPassages()) {
                try (DirectoryReader reader = DirectoryReader.open(directory)) {
                    documents = IndexLayout.documentCount(reader, true);
                }
            }
            return new CollectionInfo(name, metadata.stamp(), metadata.schema(), documents,
                    LuceneErrors.sizeOf(directory, infos.files(true)), metadata.committedAt());
        } catch (IOException | RuntimeException e) {
            throw LuceneErrors.openFailure(name, path, "read", e);
        }
    }

    /**
     * Verifies a collection's last commit without taking its write lock: opens a fresh reader over it (which
     * reads and checksums the commit, segment and field infos) and verifies the checksum of every other file of
     * every segment ({@link LeafReader#checkIntegrity}). Lucene checks those only on demand, so a flipped bit in a
     * vector or postings file would otherwise be served as garbage or fail some later search. The reader holds
     * the commit's files open, so a concurrent writer's merges do not disturb the check. Reads every byte once,
     * through {@link NIOFSDirectory} (positional reads into a small buffer), not the memory map the collection
     * serves from: mapped, every page read would count in the process's resident set until the kernel reclaims it,
     * so verifying a 2.3 GB int8 collection at 1M documents lifted the server's peak RSS from ~1.2 GB to 2.57 GB
     * (issue 18's memory target is 2.5 GB); read this way the pages are only page cache.
     *
     * @return the collection's info as of that commit
     * @throws MmsearchException COLLECTION_UNAVAILABLE naming the collection and the damaged file
     */
    static CollectionInfo verify(String name, Path path) {
        try (Directory directory = new NIOFSDirectory(path);
             DirectoryReader reader = DirectoryReader.open(directory)) {
            IndexCommit commit = reader.getIndexCommit();
            CommitMetadata metadata = CommitMetadata.fromUserData(name, path, commit.getUserData());
            for (LeafReaderContext leaf : reader.leaves()) {
                leaf.reader().checkIntegrity();
            }
            return new CollectionInfo(name, metadata.stamp(), metadata.schema(),
                    IndexLayout.documentCount(reader, metadata.schema().hasPassages()),
                    LuceneErrors.sizeOf(directory, commit.getFileNames()), metadata.committedAt());
        } catch (IOException | RuntimeException e) {
            throw LuceneErrors.openFailure(name, path, "verify", e);
        }
    }

    private static IndexWriterConfig writerConfig(Analyzer analyzer, OpenMode mode, VectorEncoding encoding,
                                                  HnswOptions hnsw) {
        IndexWriterConfig config = new IndexWriterConfig(analyzer);
        config.setOpenMode(mode);
        // Only explicit commits persist: close() and crashes both fall back to the last commit.
        config.setCommitOnClose(false);
        config.setCodec(VectorIndexing.codec(encoding, hnsw));
        config.setMergeScheduler(new ConcurrentMergeScheduler() {
            // The default rethrows a failed merge (e.g. disk full) in its own thread, which prints a stack trace to
            // stderr; the writer keeps the failure and the next write or commit reports it as a clear error.
            @Override
            protected void handleMergeException(Throwable exc) {
                log.warn("background merge failed, the last commit is kept: {}", exc.toString());
            }
        });
        return config;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ModelStamp stamp() {
        return metadata.stamp();
    }

    @Override
    public CollectionSchema schema() {
        return metadata.schema();
    }

    @Override
    public VectorEncoding vectorEncoding() {
        return metadata.vectorEncoding();
    }

    /** The collection's directory. */
    public Path path() {
        return path;
    }

    @Override
    public CollectionInfo info() {
        try (LuceneView view = openView()) {
            DirectoryReader reader = (DirectoryReader) view.searcher().getIndexReader();
            IndexCommit commit = reader.getIndexCommit();
            Instant committedAt = CommitMetadata.fromUserData(name, path, commit.getUserData()).committedAt();
            return new CollectionInfo(name, stamp(), schema(), view.count(),
                    LuceneErrors.sizeOf(directory, commit.getFileNames()), committedAt);
        } catch (IOException e) {
            throw readFailure(e);
        }
    }

    @Override
    public long count() {
        try (LuceneView view = openView()) {
            return view.count();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Acquires one searcher of the last refresh (after a commit: the committed index) and holds it until the view is
     * closed.
     */
    @Override
    public LuceneView openView() {
        ensureOpen();
        try {
            ViewSearcher searcher = (ViewSearcher) searchers.acquire();
            acquisitions.increment();
            return new LuceneView(this, searcher);
        } catch (AlreadyClosedException e) {
            throw closedError(e);
        } catch (IOException e) {
            throw readFailure(e);
        }
    }

    /**
     * How many searchers this collection has acquired since it was opened: one per view (a search request opens one),
     * plus one per {@link #count()} or {@link #info()}. For tests and diagnostics.
     */
    public long searcherAcquisitions() {
        return acquisitions.sum();
    }

    /** Gives back a view's searcher. */
    void release(ViewSearcher searcher) {
        try {
            searchers.release(searcher);
        } catch (IOException | AlreadyClosedException e) {
            log.warn("releasing a searcher of collection={} failed: {}", name, e.toString());
        }
    }

    LuceneQueries queries() {
        return queries;
    }

    Highlighting.PageHighlighter highlighter() {
        return highlighter;
    }

    /** A stored document's fields. @throws MmsearchException INTERNAL naming the document when they do not parse */
    Map<String, Object> readSource(String id, BytesRef source) {
        try {
            return Json.MAPPER.readValue(source.bytes, source.offset, source.length, FIELDS_TYPE);
        } catch (JacksonException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "collection '" + name + "' at " + path
                    + " has an unreadable stored document '" + id + "': " + e.getOriginalMessage(), e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Every document is checked (id, vector dimension, finite values, non-zero vector for COSINE, keyword and id
     * length) before the first one is handed to Lucene, so a rejected call writes nothing.
     */
    @Override
    public void upsert(List<EmbeddedDocument> documents) {
        Objects.requireNonNull(documents, "documents");
        ensureOpen();
        List<List<org.apache.lucene.document.Document>> prepared = new ArrayList<>(documents.size());
        for (EmbeddedDocument document : documents) {
            prepared.add(layout.toLucene(document));
        }
        try {
            for (int i = 0; i < prepared.size(); i++) {
                // One block (a document, after its passages if it has some), replaced atomically: a reader sees all of
                // the old passages or all of the new.
                writer.updateDocuments(layout.idTerm(documents.get(i).id()), prepared.get(i));
            }
        } catch (IOException | AlreadyClosedException e) {
            throw writeFailure(e);
        }
        log.debug("upserted collection={} docs={}", name, prepared.size());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Deletes by the id term (the one upserts replace by), in one call to the writer; every id is checked first, so
     * a rejected call deletes nothing.
     */
    @Override
    public void delete(List<String> ids) {
        Objects.requireNonNull(ids, "ids");
        ensureOpen();
        Term[] terms = new Term[ids.size()];
        for (int i = 0; i < terms.length; i++) {
            String id = ids.get(i);
            if (id == null || id.isBlank()) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "cannot delete from collection '" + name
                        + "': id " + (i + 1) + " of " + terms.length + " is " + (id == null ? "null" : "blank"));
            }
            terms[i] = layout.idTerm(id);
        }
        if (terms.length == 0) {
            return;
        }
        try {
            writer.deleteDocuments(terms);
        } catch (IOException | AlreadyClosedException e) {
            throw writeFailure(e);
        }
        log.debug("deleted collection={} ids={}", name, terms.length);
    }

    /** {@inheritDoc} <p>The filter is checked against the schema before anything is deleted. */
    @Override
    public long deleteMatching(Filter filter) {
        Objects.requireNonNull(filter, "filter");
        ensureOpen();
        Query query = queries.filter(filter);
        long matched;
        try (LuceneView view = openView()) {
            matched = view.searcher().count(query);
        } catch (IOException e) {
            throw readFailure(e);
        }
        if (schema().hasPassages()) {
            // The filter matches documents; their passages go with them in the same delete, or the blocks would break.
            query = new org.apache.lucene.search.BooleanQuery.Builder()
                    .add(query, org.apache.lucene.search.BooleanClause.Occur.SHOULD)
                    .add(new org.apache.lucene.search.join.ToChildBlockJoinQuery(query, IndexLayout.PARENTS),
                            org.apache.lucene.search.BooleanClause.Occur.SHOULD)
                    .build();
        }
        try {
            writer.deleteDocuments(query);
        } catch (IOException | AlreadyClosedException e) {
            throw writeFailure(e);
        }
        log.info("deleting by filter collection={} filter={} committedMatches={}", name, filter, matched);
        return matched;
    }

    @Override
    public void commit() {
        commit(Map.of(), false);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The checkpoint is stored in the Lucene commit's user data under {@value CommitMetadata#CHECKPOINT_PREFIX}
     * keys, so it is durable exactly when the documents are. A new checkpoint is committed even when no document
     * changed (e.g. a run that only marks itself finished).
     */
    @Override
    public void commit(Map<String, String> checkpoint) {
        Objects.requireNonNull(checkpoint, "checkpoint");
        commit(checkpoint, true);
    }

    @Override
    public Map<String, String> checkpoint() {
        return checkpoint;
    }

    /** Segments a new view sees (after a commit: the committed ones). */
    int segmentCount() {
        try (LuceneView view = openView()) {
            return view.searcher().getIndexReader().leaves().size();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code forceMerge(1)}: one segment without deleted documents, one HNSW graph per vector field (nothing to do
     * when that is already so). Searches run on the old segments until the merged one is committed and the searcher
     * refreshed. The commit keeps the metadata and checkpoint.
     */
    @Override
    public int optimize() {
        commit();
        synchronized (commitLock) {
            ensureOpen();
            int before;
            boolean deletions;
            try (LuceneView view = openView()) {
                before = view.searcher().getIndexReader().leaves().size();
                deletions = view.searcher().getIndexReader().hasDeletions();
            }
            if (before <= 1 && !deletions) {
                return before;
            }
            try {
                long t0 = System.nanoTime();
                writer.forceMerge(1);
                commit(checkpoint, true); // the merge is an uncommitted change: committed with the same checkpoint
                log.info("optimized collection={} segmentsBefore={} segmentsAfter={} ms={}", name, before,
                        segmentCount(), (System.nanoTime() - t0) / 1_000_000);
                return before;
            } catch (IOException | AlreadyClosedException e) {
                throw writeFailure(e);
            }
        }
    }

    /**
     * Commits pending writes with {@code next} as the checkpoint. Without {@code explicit} (plain {@link #commit()})
     * the checkpoint is dropped when documents changed and left as is otherwise (then nothing is committed).
     */
    private void commit(Map<String, String> next, boolean explicit) {
        synchronized (commitLock) {
            ensureOpen();
            try {
                Map<String, String> kept = CommitMetadata.checkpointOf(metadata.toUserData(next)); // validates
                boolean checkpointChanged = explicit && !kept.equals(checkpoint);
                if (writer.hasUncommittedChanges() || checkpointChanged) {
                    CommitMetadata committed = metadata.committedAt(Instant.now());
                    writer.setLiveCommitData(committed.toUserData(kept).entrySet());
                    writer.commit();
                    metadata = committed;
                    checkpoint = kept;
                }
                searchers.maybeRefreshBlocking();
            } catch (IOException | AlreadyClosedException e) {
                throw writeFailure(e);
            }
        }
        log.debug("committed collection={} checkpoint={}", name, checkpoint);
    }

    /** Closes the writer (discarding uncommitted writes), the searchers and the directory. Idempotent. */
    void close() {
        synchronized (commitLock) {
            if (closed) {
                return;
            }
            closed = true;
            if (writer.hasUncommittedChanges()) {
                log.warn("closing collection={} discards writes made since its last commit", name);
            }
            try {
                IOUtils.close(searchers, writer, analyzer, directory);
            } catch (IOException e) {
                log.warn("closing collection={} path={} failed: {}", name, path, e.toString());
            }
            log.info("closed collection={}", name);
        }
    }

    boolean isClosed() {
        return closed;
    }

    private void ensureOpen() {
        if (closed) {
            throw closedError(null);
        }
    }

    MmsearchException closedError(Throwable cause) {
        return new MmsearchException(ErrorCode.NOT_READY, "collection '" + name
                + "' is closed (it was deleted or the store shut down); get it from the store again", cause);
    }

    MmsearchException readFailure(IOException e) {
        return new MmsearchException(ErrorCode.INTERNAL, "collection '" + name + "' at " + path
                + " could not be read: " + e.getMessage(), e);
    }

    private MmsearchException writeFailure(Exception e) {
        Throwable tragic = writer.getTragicException();
        if (ErrorCode.isDiskFull(e) || ErrorCode.isDiskFull(tragic)) {
            // Lucene's writer closes itself on ENOSPC (a tragic event); the last commit on disk is intact and its
            // unreferenced partial files are removed when the collection is next opened.
            return new MmsearchException(ErrorCode.STORAGE_FULL, "disk full: no space left on the device holding"
                    + " collection '" + name + "' (" + path + "); nothing after its last commit was kept, the"
                    + " collection keeps " + lastCommitSummary() + "; free disk space, then write the rest again"
                    + " (a running mmsearch server must be restarted first: it reopens the collection from its last"
                    + " commit)", e);
        }
        if (tragic != null) {
            return new MmsearchException(ErrorCode.INTERNAL, "collection '" + name + "' at " + path
                    + " stopped accepting writes after a failure (" + tragic
                    + "); restart mmsearch: it reopens the collection from its last commit", e);
        }
        if (e instanceof AlreadyClosedException) {
            return closedError(e);
        }
        return new MmsearchException(ErrorCode.INTERNAL, "collection '" + name + "' at " + path
                + " could not be written: " + e.getMessage() + " (check free disk space and permissions)", e);
    }

    /** What the last commit holds, for error messages: {@code "its last commit (N documents, committed at T)"}. */
    private String lastCommitSummary() {
        try {
            return "its last commit (" + count() + " documents, committed at " + metadata.committedAt() + ")";
        } catch (RuntimeException e) {
            return "its last commit";
        }
    }
}
