package dev.mmsearch.store.lucene;

import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.index.Terms;
import java.util.function.Consumer;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.Bits;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.FloatVectorValues;
import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.HighlightFragment;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.core.VectorSimilarity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.DoubleField;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.ConcurrentMergeScheduler;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.IndexFormatTooNewException;
import org.apache.lucene.index.IndexFormatTooOldException;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.IndexWriterConfig.OpenMode;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.search.uhighlight.UnifiedHighlighter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;

/**
 * One collection as one Lucene index in its own directory. Thread-safe: writes go through one
 * {@link IndexWriter}, searches through a {@link SearcherManager} over the last commit, so searches run
 * concurrently with writes and see exactly what was committed.
 *
 * <p>Durability: the writer is opened with {@code commitOnClose=false}, so only {@link #commit()} persists
 * anything; closing (or a crash) discards writes since the last commit. Every commit carries the model stamp
 * and schema in its user data ({@link CommitMetadata}), so they are never out of step with the data.
 *
 * <p>Index layout (format {@value CommitMetadata#FORMAT_VERSION}):
 * <ul>
 *   <li>{@value #ID_FIELD}: the document id, indexed as one term (upserts replace by it), stored, and as
 *       sorted doc values (cheap id lookup for hits);</li>
 *   <li>{@value #SOURCE_FIELD}: the document's fields as stored JSON, returned by {@link #fetch};</li>
 *   <li>{@value #TEXT_FIELD}: the schema's text fields concatenated, analysed with Lucene's
 *       {@link EnglishAnalyzer} (stemming), searched with BM25;</li>
 *   <li>{@code txt.<field>} per schema text field: the field alone, analysed the same way, for BM25 with
 *       per-field boosts ({@link #textSearch(String, int, Filter, Map)}); collections written before it
 *       existed lack it and must be re-indexed to use boosts;</li>
 *   <li>{@value #VECTOR_FIELD}: the embedding, HNSW-indexed (see {@link VectorIndexing});</li>
 *   <li>{@code kw.<field>} per schema keyword field: exact terms plus sorted-set doc values, for filters;</li>
 *   <li>{@code num.<field>} per schema numeric field: a {@link DoubleField} per value (points for range
 *       queries plus sorted-numeric doc values), for range filters (format 2).</li>
 * </ul>
 *
 * <p>Filters ({@link Filter}) become a Lucene query over {@code kw.*} and {@code num.*} ({@link #filterQuery});
 * dense search passes it to {@link KnnFloatVectorQuery} as its filter, so it is applied during the HNSW
 * search (Lucene switches to an exact scan of the matching documents when the filter is selective), and
 * BM25 adds it as a non-scoring FILTER clause.
 *
 * <p>Scores: {@link #vectorSearch} returns the metric's own similarity, for COSINE the cosine itself in
 * [-1, 1] (Lucene's internal {@code (1 + cos) / 2} is converted back); {@link #textSearch} returns BM25.
 */
public final class LuceneCollection implements SearchCollection {
    private static final Logger log = LoggerFactory.getLogger(LuceneCollection.class);

    static final String ID_FIELD = "_id";
    static final String SOURCE_FIELD = "_source";
    static final String TEXT_FIELD = "_text";
    static final String VECTOR_FIELD = "_vector";
    static final String KEYWORD_FIELD_PREFIX = "kw.";
    static final String NUMERIC_FIELD_PREFIX = "num.";
    static final String TEXT_FIELD_PREFIX = "txt.";

    /** Upper bound on {@code k} and {@code numCandidates}: beyond it a kNN or BM25 search is a scan in disguise. */
    public static final int MAX_RESULTS = 10_000;

    private static final TypeReference<LinkedHashMap<String, Object>> FIELDS_TYPE = new TypeReference<>() {
    };

    private final String name;
    private final Path path;
    private final Directory directory;
    private final Analyzer analyzer;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final FieldType vectorFieldType;
    private final Highlighting.PageHighlighter highlighter;
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
        this.vectorFieldType = KnnFloatVectorField.createFieldType(metadata.stamp().dimension(),
                VectorIndexing.luceneFunction(metadata.stamp().metric()));
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
            analyzer = new EnglishAnalyzer();
            writer = new IndexWriter(directory, writerConfig(analyzer, OpenMode.CREATE, encoding));
            Instant now = Instant.now();
            CommitMetadata metadata = new CommitMetadata(stamp, schema, now, now, encoding);
            writer.setLiveCommitData(metadata.toUserData().entrySet());
            writer.commit();
            searchers = new SearcherManager(directory, null);
            log.info("created collection={} path={} model={} vectorEncoding={}", name, path, stamp.describe(),
                    encoding.label());
            return new LuceneCollection(name, path, directory, analyzer, writer, searchers, metadata, Map.of());
        } catch (IOException | RuntimeException e) {
            IOUtils.closeWhileHandlingException(searchers, writer, analyzer, directory);
            throw openFailure(name, path, "create", e);
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
            analyzer = new EnglishAnalyzer();
            // The metadata says which vector format new segments get, so it is read before the writer opens.
            Map<String, String> userData = SegmentInfos.readLatestCommit(directory).getUserData();
            CommitMetadata metadata = CommitMetadata.fromUserData(name, path, userData);
            writer = new IndexWriter(directory, writerConfig(analyzer, OpenMode.APPEND, metadata.vectorEncoding()));
            searchers = new SearcherManager(directory, null);
            LuceneCollection collection = new LuceneCollection(name, path, directory, analyzer, writer, searchers,
                    metadata, CommitMetadata.checkpointOf(userData));
            log.info("opened collection={} path={} docs={} model={}", name, path, collection.count(),
                    metadata.stamp().describe());
            return collection;
        } catch (IOException | RuntimeException e) {
            IOUtils.closeWhileHandlingException(searchers, writer, analyzer, directory);
            throw openFailure(name, path, "open", e);
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
            return new CollectionInfo(name, metadata.stamp(), metadata.schema(), documents,
                    sizeOf(directory, infos.files(true)), metadata.committedAt());
        } catch (IOException | RuntimeException e) {
            throw openFailure(name, path, "read", e);
        }
    }

    /**
     * Verifies a collection's last commit without taking its write lock: opens a fresh reader over it (which
     * reads and checksums the commit, segment and field infos) and verifies the checksum of every other file of
     * every segment ({@link LeafReader#checkIntegrity}). Lucene checks those only on demand, so a flipped bit in a
     * vector or postings file would otherwise be served as garbage or fail some later search. The reader holds
     * the commit's files open, so a concurrent writer's merges do not disturb the check. Reads every byte once.
     *
     * @return the collection's info as of that commit
     * @throws MmsearchException COLLECTION_UNAVAILABLE naming the collection and the damaged file
     */
    static CollectionInfo verify(String name, Path path) {
        try (Directory directory = FSDirectory.open(path);
             DirectoryReader reader = DirectoryReader.open(directory)) {
            IndexCommit commit = reader.getIndexCommit();
            CommitMetadata metadata = CommitMetadata.fromUserData(name, path, commit.getUserData());
            for (LeafReaderContext leaf : reader.leaves()) {
                leaf.reader().checkIntegrity();
            }
            return new CollectionInfo(name, metadata.stamp(), metadata.schema(), reader.numDocs(),
                    sizeOf(directory, commit.getFileNames()), metadata.committedAt());
        } catch (IOException | RuntimeException e) {
            throw openFailure(name, path, "verify", e);
        }
    }

    private static IndexWriterConfig writerConfig(Analyzer analyzer, OpenMode mode, VectorEncoding encoding) {
        IndexWriterConfig config = new IndexWriterConfig(analyzer);
        config.setOpenMode(mode);
        // Only explicit commits persist: close() and crashes both fall back to the last commit.
        config.setCommitOnClose(false);
        config.setCodec(VectorIndexing.codec(encoding));
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
        return withSearcher(searcher -> {
            DirectoryReader reader = (DirectoryReader) searcher.getIndexReader();
            IndexCommit commit = reader.getIndexCommit();
            Instant committedAt = CommitMetadata.fromUserData(name, path, commit.getUserData()).committedAt();
            return new CollectionInfo(name, stamp(), schema(), reader.numDocs(),
                    sizeOf(directory, commit.getFileNames()), committedAt);
        });
    }

    @Override
    public long count() {
        return withSearcher(searcher -> (long) searcher.getIndexReader().numDocs());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Every document is checked (id, vector dimension, finite values, non-zero vector for COSINE, keyword
     * and id length) before the first one is handed to Lucene, so a rejected call writes nothing.
     *
     * @throws MmsearchException INVALID_INPUT naming the first bad document
     */
    @Override
    public void upsert(List<EmbeddedDocument> documents) {
        Objects.requireNonNull(documents, "documents");
        ensureOpen();
        List<org.apache.lucene.document.Document> prepared = new ArrayList<>(documents.size());
        for (EmbeddedDocument document : documents) {
            prepared.add(toLucene(document));
        }
        try {
            for (int i = 0; i < prepared.size(); i++) {
                writer.updateDocument(new Term(ID_FIELD, documents.get(i).id()), prepared.get(i));
            }
        } catch (IOException | AlreadyClosedException e) {
            throw writeFailure(e);
        }
        log.debug("upserted collection={} docs={}", name, prepared.size());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Deletes by the {@value #ID_FIELD} term (the one upserts replace by), in one call to the writer; every id
     * is checked first, so a rejected call deletes nothing.
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
            terms[i] = new Term(ID_FIELD, id);
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

    /**
     * {@inheritDoc}
     *
     * <p>The filter is checked against the schema before anything is deleted.
     */
    @Override
    public long deleteMatching(Filter filter) {
        Objects.requireNonNull(filter, "filter");
        ensureOpen();
        Query query = filterQuery(filter);
        long matched = withSearcher(searcher -> (long) searcher.count(query));
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

    /** Segments the current searcher sees (after a commit: the committed ones). */
    int segmentCount() {
        return withSearcher(searcher -> searcher.getIndexReader().leaves().size());
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code forceMerge(1)}: one segment without deleted documents, one HNSW graph per vector field (nothing to do
     * when that is already so). Searches run on the old segments until
     * the merged one is committed and the searcher refreshed. The commit keeps the metadata and checkpoint.
     */
    @Override
    public int optimize() {
        commit();
        synchronized (commitLock) {
            ensureOpen();
            try {
                // One look at the committed reader: segments, and whether one of them still carries deletions.
                record ReaderShape(int segments, boolean deletions) {
                }
                ReaderShape shape = withSearcher(searcher -> new ReaderShape(searcher.getIndexReader().leaves().size(),
                        searcher.getIndexReader().hasDeletions()));
                int before = shape.segments();
                if (before <= 1 && !shape.deletions()) {
                    return before;
                }
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
        log.debug("committed collection={} docs={} checkpoint={}", name, count(), checkpoint);
    }

    /**
     * {@inheritDoc}
     *
     * <p>HNSW explores {@code max(k, numCandidates)} candidates and the best {@code k} are returned. Scores are
     * the stamp metric's similarity: for COSINE the cosine in [-1, 1] (1.0 for the same direction), for
     * DOT_PRODUCT the dot product, for EUCLIDEAN Lucene's {@code 1 / (1 + d²)}. In an INT8 collection they are
     * computed on the quantised vectors, so approximate (about ±0.01 for cosine); rescore with {@link #vectors}
     * for exact ones.
     *
     * @throws MmsearchException INVALID_ARGUMENT for a vector of the wrong dimension, with NaN/Inf, or all
     *                           zeros under COSINE, or k / numCandidates out of range
     */
    @Override
    public List<ScoredId> vectorSearch(float[] vector, int k, int numCandidates) {
        return vectorSearch(vector, k, numCandidates, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>As {@link #vectorSearch(float[], int, int)}, with the filter inside the HNSW search
     * ({@code KnnFloatVectorQuery} with a filter query): the graph is walked over all documents but only
     * matching ones are collected, and Lucene falls back to an exact scan of the matching documents when the
     * filter is so selective that the walk would visit more nodes than there are matches. So a filter
     * matching few documents still yields {@code min(k, matches)} hits, and then the exact ones.
     *
     * @throws MmsearchException INVALID_ARGUMENT as the unfiltered search, and for a filter on a field that is
     *                           not a keyword field (term, terms) or numeric field (range) of the schema
     */
    @Override
    public List<ScoredId> vectorSearch(float[] vector, int k, int numCandidates, Filter filter) {
        requireResultCount("k", k, 1);
        requireResultCount("numCandidates", numCandidates, 0);
        if (vector == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "query vector is missing");
        }
        String problem = vectorProblem(vector);
        if (problem != null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "query vector for collection '" + name + "' "
                    + problem);
        }
        Query filterQuery = filterQuery(filter);
        Query query = new KnnFloatVectorQuery(VECTOR_FIELD, vector.clone(), Math.max(k, numCandidates), filterQuery);
        VectorSimilarity metric = stamp().metric();
        return search(query, k, score -> VectorIndexing.similarity(metric, score));
    }

    /**
     * {@inheritDoc}
     *
     * <p>The query is analysed like the indexed text (English stemming, stop words) and its terms are OR-ed;
     * it is never parsed as query syntax, so any characters are safe. A query with no terms left after
     * analysis (blank, only stop words or punctuation) returns an empty list.
     *
     * @throws MmsearchException INVALID_ARGUMENT for a null query, k out of range, or more terms than Lucene's
     *                           clause limit
     */
    @Override
    public List<ScoredId> textSearch(String query, int k) {
        return textSearch(query, k, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>As {@link #textSearch(String, int)}; the filter is a non-scoring FILTER clause, so BM25 scores are those
     * of the unfiltered search.
     *
     * @throws MmsearchException INVALID_ARGUMENT as the unfiltered search, and for a filter on a field that is
     *                           not a keyword field (term, terms) or numeric field (range) of the schema
     */
    @Override
    public List<ScoredId> textSearch(String query, int k, Filter filter) {
        requireResultCount("k", k, 1);
        if (query == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "text query is missing");
        }
        Query filterQuery = filterQuery(filter);
        Query parsed = analyse(TEXT_FIELD, query);
        if (parsed == null) {
            return List.of();
        }
        if (filterQuery != null) {
            parsed = new BooleanQuery.Builder()
                    .add(parsed, BooleanClause.Occur.MUST)
                    .add(filterQuery, BooleanClause.Occur.FILTER)
                    .build();
        }
        return search(parsed, k, score -> score);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A BooleanQuery of one SHOULD clause per boosted field: the query's analysed terms on
     * {@code txt.<field>}, wrapped in a {@link BoostQuery}; so a document's score is the boosted sum of its
     * per-field BM25 scores. Long queries keep the first {@code maxClauseCount / fields} distinct terms per
     * field, so the whole query stays within Lucene's clause limit. The filter is a non-scoring clause.
     *
     * @throws MmsearchException INVALID_ARGUMENT as {@link #textSearch(String, int, Filter)}; for a field that is
     *                           not a text field of the schema or a boost that is not positive and finite; and
     *                           when the collection holds documents indexed before per-field text existed
     *                           (re-index to use field boosts)
     */
    @Override
    public List<ScoredId> textSearch(String query, int k, Filter filter, Map<String, Float> fieldBoosts) {
        if (fieldBoosts == null || fieldBoosts.isEmpty()) {
            return textSearch(query, k, filter);
        }
        requireResultCount("k", k, 1);
        if (query == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "text query is missing");
        }
        List<String> textFields = schema().textFields();
        fieldBoosts.forEach((field, boost) -> {
            if (field == null || !textFields.contains(field)) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "BM25 field boost names '" + field
                        + "', which is not a text field of collection '" + name + "'; text fields: " + textFields);
            }
            if (boost == null || !Float.isFinite(boost) || boost <= 0) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "BM25 boost of field '" + field
                        + "' must be a positive finite number, got " + boost);
            }
        });
        Query filterQuery = filterQuery(filter);
        requirePerFieldText();
        int maxTermsPerField = Math.max(1, IndexSearcher.getMaxClauseCount() / fieldBoosts.size() - 1);
        BooleanQuery.Builder fields = new BooleanQuery.Builder();
        boolean any = false;
        for (Map.Entry<String, Float> boost : fieldBoosts.entrySet()) {
            Query terms = analyse(textField(boost.getKey()), query, maxTermsPerField);
            if (terms != null) {
                fields.add(new BoostQuery(terms, boost.getValue()), BooleanClause.Occur.SHOULD);
                any = true;
            }
        }
        if (!any) {
            return List.of();
        }
        Query parsed = fields.build();
        if (filterQuery != null) {
            parsed = new BooleanQuery.Builder()
                    .add(parsed, BooleanClause.Occur.MUST)
                    .add(filterQuery, BooleanClause.Occur.FILTER)
                    .build();
        }
        return search(parsed, k, score -> score);
    }

    /**
     * Refuses per-field search when a segment has catch-all text but no {@code txt.*} field: its documents were
     * indexed before per-field text existed, and boosts would silently never match them.
     */
    private void requirePerFieldText() {
        List<String> perField = schema().textFields().stream().map(LuceneCollection::textField).toList();
        boolean legacy = withSearcher(searcher -> {
            for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
                org.apache.lucene.index.FieldInfos infos = leaf.reader().getFieldInfos();
                if (infos.fieldInfo(TEXT_FIELD) != null && perField.stream().allMatch(f -> infos.fieldInfo(f) == null)) {
                    return true;
                }
            }
            return false;
        });
        if (legacy) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "collection '" + name + "' holds documents"
                    + " indexed before per-field text existed, so BM25 field boosts cannot search them; re-index to"
                    + " use field boosts (or search without them)");
        }
    }

    /** The Lucene field that holds schema text field {@code field} alone. */
    static String textField(String field) {
        return TEXT_FIELD_PREFIX + field;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The query is analysed like the indexed text (English stemming, stop words), so "running" marks
     * "runs". The field text comes from the stored document (lists joined by line breaks) and is highlighted
     * by Lucene's {@link UnifiedHighlighter} re-analysing it; at most {@value Highlighting#MAX_FRAGMENTS}
     * fragments of about {@value Highlighting#FRAGMENT_CHARS} characters per field, best first. Fields that
     * are absent, or have no match, are left out; an unknown id or a query without terms gives an empty map.
     *
     * @throws MmsearchException INVALID_ARGUMENT for a null id, query or fields
     */
    @Override
    public Map<String, List<HighlightFragment>> highlight(String id, String query, List<String> fields) {
        if (id == null || query == null || fields == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "highlight needs a document id, a query and"
                    + " fields; got id=" + id + " query=" + query + " fields=" + fields);
        }
        Document document = fetch(List.of(id)).get(id);
        if (document == null) {
            return Map.of();
        }
        return highlightDocuments(List.of(document), query, fields).getOrDefault(id, Map.of());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Highlights the given documents' text as {@link #highlight(String, String, List)} does, without reading them
     * again; the query is analysed and prepared once per field for the whole page.
     */
    @Override
    public Map<String, Map<String, List<HighlightFragment>>> highlightDocuments(List<Document> documents,
                                                                               String query, List<String> fields) {
        SearchCollection.requireHighlightArguments(documents, query, fields);
        List<String> asked = new java.util.LinkedHashSet<>(fields).stream().filter(Objects::nonNull).toList();
        // Prepared once per field, on the first document that has text in it.
        Map<String, Highlighting.FieldPass> passes = new java.util.HashMap<>();
        Map<String, Map<String, List<HighlightFragment>>> highlighted = new LinkedHashMap<>();
        for (Document document : documents) {
            Map<String, List<HighlightFragment>> byField = new LinkedHashMap<>();
            for (String field : asked) {
                List<String> values = values(document.fields().get(field));
                if (values.isEmpty()) {
                    continue;
                }
                Highlighting.FieldPass pass = passes.get(field);
                if (pass == null) {
                    Query terms = analyse(field, query);
                    if (terms == null) {
                        // No term of the query survives analysis (only stop words): nothing can be marked.
                        return Map.of();
                    }
                    pass = highlighter.forField(field, terms);
                    passes.put(field, pass);
                }
                List<HighlightFragment> fragments = pass.fragments(String.join("\n", values));
                if (!fragments.isEmpty()) {
                    byField.put(field, fragments);
                }
            }
            if (!byField.isEmpty()) {
                highlighted.put(document.id(), byField);
            }
        }
        return highlighted;
    }

    /**
     * The BM25 query for free text on {@code field}: its analysed terms OR-ed, a term that occurs n
     * times boosted by n (the same scores as n repeated clauses); null when no term is left. Only
     * the first {@link IndexSearcher#getMaxClauseCount()} distinct terms are used, so a very long
     * query is truncated like the encoder truncates it, never refused.
     */
    private Query analyse(String field, String query) {
        return analyse(field, query, IndexSearcher.getMaxClauseCount());
    }

    /** {@link #analyse(String, String)} keeping at most {@code max} distinct terms. */
    private Query analyse(String field, String query, int max) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        try (TokenStream tokens = analyzer.tokenStream(field, query)) {
            CharTermAttribute term = tokens.addAttribute(CharTermAttribute.class);
            tokens.reset();
            while (tokens.incrementToken()) {
                String text = term.toString();
                if (counts.containsKey(text) || counts.size() < max) {
                    counts.merge(text, 1, Integer::sum);
                }
            }
            tokens.end();
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot analyse the query: " + e.getMessage(), e);
        }
        if (counts.isEmpty()) {
            return null;
        }
        BooleanQuery.Builder builder = new BooleanQuery.Builder();
        counts.forEach((text, count) -> {
            Query clause = new TermQuery(new Term(field, text));
            builder.add(count == 1 ? clause : new BoostQuery(clause, count), BooleanClause.Occur.SHOULD);
        });
        return builder.build();
    }

    /**
     * The Lucene query for a filter, or null for none: term and terms on {@code kw.<field>}, range on
     * {@code num.<field>} (bounds made inclusive with {@link Math#nextUp}/{@link Math#nextDown}), and, or
     * and not as boolean queries of non-scoring clauses.
     *
     * @throws MmsearchException INVALID_ARGUMENT naming a field the schema does not make filterable that way
     */
    Query filterQuery(Filter filter) {
        return filter == null ? null : filterQuery(filter, 1);
    }

    private Query filterQuery(Filter filter, int depth) {
        if (depth > Filter.MAX_DEPTH) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "filter nests deeper than " + Filter.MAX_DEPTH
                    + " levels; flatten the and/or/not");
        }
        return switch (filter) {
            case Filter.Term term -> new TermQuery(new Term(keywordField(requireKeywordField(term.field())),
                    term.value()));
            case Filter.Terms terms -> new TermInSetQuery(keywordField(requireKeywordField(terms.field())),
                    terms.values().stream().map(BytesRef::new).toList());
            case Filter.Range range -> DoubleField.newRangeQuery(numericField(requireNumericField(range.field())),
                    lowerBound(range), upperBound(range));
            case Filter.And and -> {
                BooleanQuery.Builder all = new BooleanQuery.Builder();
                for (Filter clause : and.filters()) {
                    all.add(filterQuery(clause, depth + 1), BooleanClause.Occur.FILTER);
                }
                yield all.build();
            }
            case Filter.Or or -> {
                // Only SHOULD clauses: a document must match at least one.
                BooleanQuery.Builder any = new BooleanQuery.Builder();
                for (Filter clause : or.filters()) {
                    any.add(filterQuery(clause, depth + 1), BooleanClause.Occur.SHOULD);
                }
                yield any.build();
            }
            case Filter.Not not -> new BooleanQuery.Builder()
                    .add(new MatchAllDocsQuery(), BooleanClause.Occur.FILTER)
                    .add(filterQuery(not.filter(), depth + 1), BooleanClause.Occur.MUST_NOT)
                    .build();
        };
    }

    private static double lowerBound(Filter.Range range) {
        if (range.gte() != null) {
            return positiveZero(range.gte());
        }
        return range.gt() != null ? Math.nextUp(positiveZero(range.gt())) : Double.NEGATIVE_INFINITY;
    }

    private static double upperBound(Filter.Range range) {
        if (range.lte() != null) {
            return positiveZero(range.lte());
        }
        return range.lt() != null ? Math.nextDown(positiveZero(range.lt())) : Double.POSITIVE_INFINITY;
    }

    /**
     * Points order -0.0 below 0.0, numbers do not: values and bounds are indexed and queried with -0.0 as 0.0,
     * so {@code gte: 0} matches a stored {@code -0.0}.
     */
    private static double positiveZero(double value) {
        return value == 0.0 ? 0.0 : value;
    }

    private String requireKeywordField(String field) {
        if (!schema().keywordFields().contains(field)) {
            throw unfilterable(field, schema().numericFields().contains(field)
                    ? "is a numeric field: filter it with range" : "is not a keyword field");
        }
        return field;
    }

    private String requireNumericField(String field) {
        if (!schema().numericFields().contains(field)) {
            throw unfilterable(field, schema().keywordFields().contains(field)
                    ? "is a keyword field: filter it with term or terms" : "is not a numeric field");
        }
        return field;
    }

    private MmsearchException unfilterable(String field, String problem) {
        return new MmsearchException(ErrorCode.INVALID_ARGUMENT, "filter field '" + field + "' " + problem
                + " of collection '" + name + "'; keyword fields (term, terms): " + schema().keywordFields()
                + ", numeric fields (range): " + schema().numericFields());
    }

    @Override
    public Map<String, Document> fetch(List<String> ids) {
        Objects.requireNonNull(ids, "ids");
        return withSearcher(searcher -> {
            Map<String, Document> found = new LinkedHashMap<>();
            List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
            Map<String, int[]> located = locate(leaves, ids);
            for (Map.Entry<String, int[]> entry : located.entrySet()) {
                LeafReader reader = leaves.get(entry.getValue()[0]).reader();
                BytesRef source = reader.storedFields().document(entry.getValue()[1], Set.of(SOURCE_FIELD))
                        .getBinaryValue(SOURCE_FIELD);
                found.put(entry.getKey(), new Document(entry.getKey(), readSource(entry.getKey(), source)));
            }
            return found;
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>Looks each id up in the {@value #ID_FIELD} terms of every segment (as {@link #fetch}) and reads the
     * raw float vector Lucene keeps for the document; an INT8 collection keeps them next to the quantised
     * ones, so these are always the floats that were written. Null ids and duplicates are ignored.
     */
    @Override
    public Map<String, float[]> vectors(List<String> ids) {
        Objects.requireNonNull(ids, "ids");
        return withSearcher(searcher -> {
            List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
            // Live documents of the ids per segment, sorted by doc, so each segment's vectors are read in one pass.
            List<java.util.TreeMap<Integer, String>> docsPerLeaf = new ArrayList<>(leaves.size());
            for (int i = 0; i < leaves.size(); i++) {
                docsPerLeaf.add(new java.util.TreeMap<>());
            }
            locate(leaves, ids).forEach((id, at) -> docsPerLeaf.get(at[0]).put(at[1], id));
            Map<String, float[]> byId = new java.util.HashMap<>();
            for (int i = 0; i < leaves.size(); i++) {
                if (docsPerLeaf.get(i).isEmpty()) {
                    continue;
                }
                FloatVectorValues values = leaves.get(i).reader().getFloatVectorValues(VECTOR_FIELD);
                if (values == null) {
                    continue;
                }
                KnnVectorValues.DocIndexIterator it = values.iterator();
                for (Map.Entry<Integer, String> entry : docsPerLeaf.get(i).entrySet()) {
                    int doc = it.docID() < entry.getKey() ? it.advance(entry.getKey()) : it.docID();
                    if (doc == entry.getKey()) {
                        byId.put(entry.getValue(), values.vectorValue(it.index()).clone());
                    }
                }
            }
            Map<String, float[]> found = new LinkedHashMap<>();
            for (String id : ids) {
                if (id != null && byId.containsKey(id)) {
                    found.put(id, byId.get(id));
                }
            }
            return found;
        });
    }

    /**
     * Where the live document of each id is: id → {segment index, doc in segment}, in the order of
     * {@code ids}; null, duplicate and missing ids are left out. One TermsEnum per segment, reused
     * for every id: a term seek per id instead of a query per id.
     */
    private static Map<String, int[]> locate(List<LeafReaderContext> leaves, List<String> ids) throws IOException {
        TermsEnum[] termsEnums = new TermsEnum[leaves.size()];
        for (int i = 0; i < leaves.size(); i++) {
            Terms terms = leaves.get(i).reader().terms(ID_FIELD);
            termsEnums[i] = terms == null ? null : terms.iterator();
        }
        Map<String, int[]> located = new LinkedHashMap<>();
        PostingsEnum postings = null;
        for (String id : ids) {
            if (id == null || located.containsKey(id)) {
                continue;
            }
            BytesRef term = new BytesRef(id);
            for (int i = 0; i < leaves.size() && !located.containsKey(id); i++) {
                if (termsEnums[i] == null || !termsEnums[i].seekExact(term)) {
                    continue;
                }
                Bits live = leaves.get(i).reader().getLiveDocs();
                postings = termsEnums[i].postings(postings, PostingsEnum.NONE);
                for (int doc = postings.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = postings.nextDoc()) {
                    if (live == null || live.get(doc)) {
                        located.put(id, new int[] {i, doc});
                        break;
                    }
                }
            }
        }
        return located;
    }

    private Map<String, Object> readSource(String id, BytesRef source) {
        try {
            return Json.MAPPER.readValue(source.bytes, source.offset, source.length, FIELDS_TYPE);
        } catch (JacksonException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "collection '" + name + "' at " + path
                    + " has an unreadable stored document '" + id + "': " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public void forEachDocument(Consumer<EmbeddedDocument> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        withSearcher(searcher -> {
            for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
                LeafReader reader = leaf.reader();
                FloatVectorValues vectors = reader.getFloatVectorValues(VECTOR_FIELD);
                if (vectors == null) {
                    continue;
                }
                Bits live = reader.getLiveDocs();
                StoredFields stored = reader.storedFields();
                KnnVectorValues.DocIndexIterator it = vectors.iterator();
                for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
                    if (live != null && !live.get(doc)) {
                        continue;
                    }
                    org.apache.lucene.document.Document fields = stored.document(doc, Set.of(ID_FIELD, SOURCE_FIELD));
                    String id = fields.get(ID_FIELD);
                    BytesRef source = fields.getBinaryValue(SOURCE_FIELD);
                    Map<String, Object> values = readSource(id, source);
                    consumer.accept(new EmbeddedDocument(new Document(id, values), vectors.vectorValue(it.index()).clone()));
                }
            }
            return null;
        });
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

    private List<ScoredId> search(Query query, int k, ScoreConversion conversion) {
        return withSearcher(searcher -> {
            TopDocs top;
            try {
                top = searcher.search(query, k);
            } catch (IndexSearcher.TooManyClauses e) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "query and filter together have more than "
                        + IndexSearcher.getMaxClauseCount() + " clauses; use terms for long lists of values", e);
            }
            List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
            List<ScoredId> hits = new ArrayList<>(top.scoreDocs.length);
            for (ScoreDoc hit : top.scoreDocs) {
                LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(hit.doc, leaves));
                SortedDocValues ids = DocValues.getSorted(leaf.reader(), ID_FIELD);
                if (!ids.advanceExact(hit.doc - leaf.docBase)) {
                    throw new IllegalStateException("document " + hit.doc + " has no " + ID_FIELD);
                }
                hits.add(new ScoredId(ids.lookupOrd(ids.ordValue()).utf8ToString(), conversion.apply(hit.score)));
            }
            return hits;
        });
    }

    @FunctionalInterface
    private interface ScoreConversion {
        float apply(float luceneScore);
    }

    @FunctionalInterface
    private interface SearcherWork<T> {
        T apply(IndexSearcher searcher) throws IOException;
    }

    private <T> T withSearcher(SearcherWork<T> work) {
        ensureOpen();
        IndexSearcher searcher;
        try {
            searcher = searchers.acquire();
        } catch (AlreadyClosedException e) {
            throw closedError(e);
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "collection '" + name + "' at " + path
                    + " could not be searched: " + e.getMessage(), e);
        }
        try {
            return work.apply(searcher);
        } catch (AlreadyClosedException e) {
            throw closedError(e);
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "collection '" + name + "' at " + path
                    + " could not be read: " + e.getMessage(), e);
        } finally {
            try {
                searchers.release(searcher);
            } catch (IOException e) {
                log.warn("releasing a searcher of collection={} failed: {}", name, e.toString());
            }
        }
    }

    private org.apache.lucene.document.Document toLucene(EmbeddedDocument embedded) {
        String id = embedded.id();
        requireTermLength(id, "id", id);
        String problem = vectorProblem(embedded.vector());
        if (problem != null) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + id + "': vector " + problem
                    + "; nothing of this batch was written");
        }
        Document document = embedded.document();
        byte[] source;
        try {
            source = Json.MAPPER.writeValueAsBytes(document.fields());
        } catch (JacksonException e) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + id
                    + "': fields cannot be stored as JSON (" + e.getOriginalMessage() + ")", e);
        }
        org.apache.lucene.document.Document doc = new org.apache.lucene.document.Document();
        doc.add(new StringField(ID_FIELD, id, Field.Store.YES));
        doc.add(new SortedDocValuesField(ID_FIELD, new BytesRef(id)));
        doc.add(new StoredField(SOURCE_FIELD, source));
        CollectionSchema schema = schema();
        StringBuilder text = new StringBuilder();
        for (String field : schema.textFields()) {
            List<String> fieldValues = values(document.fields().get(field));
            for (String value : fieldValues) {
                if (!text.isEmpty()) {
                    text.append('\n');
                }
                text.append(value);
            }
            if (!fieldValues.isEmpty()) {
                doc.add(new TextField(textField(field), String.join("\n", fieldValues), Field.Store.NO));
            }
        }
        if (!text.isEmpty()) {
            doc.add(new TextField(TEXT_FIELD, text.toString(), Field.Store.NO));
        }
        doc.add(new KnnFloatVectorField(VECTOR_FIELD, embedded.vector().clone(), vectorFieldType));
        for (String field : schema.keywordFields()) {
            String luceneField = keywordField(field);
            for (String value : values(document.fields().get(field))) {
                requireTermLength(id, "keyword field '" + field + "'", value);
                doc.add(new StringField(luceneField, value, Field.Store.NO));
                doc.add(new SortedSetDocValuesField(luceneField, new BytesRef(value)));
            }
        }
        for (String field : schema.numericFields()) {
            String luceneField = numericField(field);
            for (double value : numbers(id, field, document.fields().get(field))) {
                doc.add(new DoubleField(luceneField, positiveZero(value), Field.Store.NO));
            }
        }
        return doc;
    }

    /** The Lucene field that holds the values of schema numeric field {@code field}. */
    static String numericField(String field) {
        return NUMERIC_FIELD_PREFIX + field;
    }

    /**
     * A numeric field's value as numbers: a number, or a list of numbers (nulls skipped); null gives none.
     *
     * @throws MmsearchException INVALID_INPUT for anything else (a string, a boolean, NaN or infinity)
     */
    private static List<Double> numbers(String id, String field, Object value) {
        if (value == null) {
            return List.of();
        }
        Collection<?> elements = value instanceof Collection<?> many ? many : List.of(value);
        List<Double> out = new ArrayList<>(elements.size());
        for (Object element : elements) {
            if (element == null) {
                continue;
            }
            if (!(element instanceof Number number) || !Double.isFinite(number.doubleValue())) {
                String shown = element instanceof String text ? "\"" + abbreviate(text) + "\"" : abbreviate(
                        String.valueOf(element));
                throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + abbreviate(id)
                        + "': numeric field '" + field + "' has the value " + shown + " ("
                        + element.getClass().getSimpleName() + "); a numeric field takes a finite number or a list"
                        + " of numbers; nothing of this batch was written");
            }
            out.add(number.doubleValue());
        }
        return out;
    }

    /** The Lucene field that holds the exact values of schema keyword field {@code field}. */
    static String keywordField(String field) {
        return KEYWORD_FIELD_PREFIX + field;
    }

    /** A field value as the strings it indexes as: lists contribute each element, null nothing. */
    private static List<String> values(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof Collection<?> many) {
            List<String> out = new ArrayList<>(many.size());
            for (Object element : many) {
                if (element != null) {
                    out.add(element.toString());
                }
            }
            return out;
        }
        return List.of(value.toString());
    }

    private static void requireTermLength(String id, String what, String value) {
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > IndexWriter.MAX_TERM_LENGTH) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + abbreviate(id) + "': " + what
                    + " is " + bytes + " bytes long, more than the " + IndexWriter.MAX_TERM_LENGTH
                    + " an exact term may have; nothing of this batch was written");
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }

    /** What is wrong with a vector for this collection, or null when nothing is. */
    private String vectorProblem(float[] vector) {
        int dimension = stamp().dimension();
        if (vector.length != dimension) {
            return "has " + vector.length + " dimensions but collection '" + name + "' (model "
                    + stamp().modelId() + ") holds " + dimension + "-d vectors";
        }
        double squaredNorm = 0;
        for (int i = 0; i < vector.length; i++) {
            if (!Float.isFinite(vector[i])) {
                return "has a non-finite value (" + vector[i] + ") at position " + i;
            }
            squaredNorm += (double) vector[i] * vector[i];
        }
        if (squaredNorm == 0 && stamp().metric() == VectorSimilarity.COSINE) {
            return "is all zeros, which has no cosine similarity";
        }
        return null;
    }

    private static void requireResultCount(String what, int value, int min) {
        if (value < min || value > MAX_RESULTS) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, what + " must be between " + min + " and "
                    + MAX_RESULTS + ", got " + value);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw closedError(null);
        }
    }

    private MmsearchException closedError(Throwable cause) {
        return new MmsearchException(ErrorCode.NOT_READY, "collection '" + name
                + "' is closed (it was deleted or the store shut down); get it from the store again", cause);
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

    private static long sizeOf(Directory directory, Collection<String> files) throws IOException {
        long size = 0;
        for (String file : files) {
            try {
                size += directory.fileLength(file);
            } catch (NoSuchFileException e) {
                // A newer commit replaced this file between listing and measuring; it no longer counts.
            }
        }
        return size;
    }

    /** Turns whatever Lucene threw while opening into an error that names the collection and its path. */
    private static MmsearchException openFailure(String name, Path path, String action, Exception e) {
        if (e instanceof MmsearchException mmsearch) {
            return mmsearch;
        }
        if (e instanceof LockObtainFailedException) {
            return new MmsearchException(ErrorCode.NOT_READY, "collection '" + name
                    + "' is locked by another mmsearch process (" + path.resolve(IndexWriter.WRITE_LOCK_NAME)
                    + "); stop it or use another --data-dir", e);
        }
        String cause = e.getClass().getSimpleName() + ": " + e.getMessage();
        if (e instanceof IndexFormatTooNewException) {
            return unavailable(name, path, "it was written by a newer Lucene, or it is damaged (" + cause
                    + "); upgrade mmsearch or restore the collection from a backup", e);
        }
        if (e instanceof IndexFormatTooOldException) {
            return unavailable(name, path, "it was written by an unsupported older Lucene, or it is damaged ("
                    + cause + "); delete the collection (`mmsearch delete " + name + "`) and index it again", e);
        }
        if (e instanceof CorruptIndexException || e instanceof NoSuchFileException || e instanceof java.io.EOFException
                || e instanceof org.apache.lucene.index.IndexNotFoundException) {
            String file = damagedFile(e);
            return unavailable(name, path, "its index is damaged" + (file == null ? "" : " in file " + file) + " ("
                    + cause + "); restore the collection directory from a backup (or import an earlier `mmsearch"
                    + " export`), or delete it (`mmsearch delete " + name + "`) and index its source data again", e);
        }
        return new MmsearchException(ErrorCode.INTERNAL, "cannot " + action + " collection '" + name + "' at "
                + path + ": " + cause + "; check that the directory is readable and writable and that the disk is"
                + " not full", e);
    }

    private static MmsearchException unavailable(String name, Path path, String reason, Exception cause) {
        return new MmsearchException(ErrorCode.COLLECTION_UNAVAILABLE, "collection '" + name + "' at " + path
                + " is unavailable: " + reason, cause);
    }

    /** Lucene names the file in its messages ({@code path="..."} or the path itself); null when it does not. */
    private static String damagedFile(Exception e) {
        if (e instanceof NoSuchFileException missing && missing.getFile() != null) {
            return Path.of(missing.getFile()).getFileName().toString();
        }
        java.util.regex.Matcher m = DAMAGED_FILE.matcher(String.valueOf(e.getMessage()));
        return m.find() ? Path.of(m.group(1)).getFileName().toString() : null;
    }

    private static final java.util.regex.Pattern DAMAGED_FILE = java.util.regex.Pattern.compile("path=\"([^\"]+)\"");
}
