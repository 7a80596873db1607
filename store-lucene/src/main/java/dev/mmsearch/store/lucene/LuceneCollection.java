package dev.mmsearch.store.lucene;

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
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
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
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
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
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.QueryBuilder;
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
 *   <li>{@value #VECTOR_FIELD}: the embedding, HNSW-indexed (see {@link VectorIndexing});</li>
 *   <li>{@code kw.<field>} per schema keyword field: exact terms plus sorted-set doc values, for filters.</li>
 * </ul>
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
    private final Object commitLock = new Object();
    private volatile CommitMetadata metadata;
    private volatile boolean closed;

    private LuceneCollection(String name, Path path, Directory directory, Analyzer analyzer, IndexWriter writer,
                             SearcherManager searchers, CommitMetadata metadata) {
        this.name = name;
        this.path = path;
        this.directory = directory;
        this.analyzer = analyzer;
        this.writer = writer;
        this.searchers = searchers;
        this.metadata = metadata;
        this.vectorFieldType = KnnFloatVectorField.createFieldType(metadata.stamp().dimension(),
                VectorIndexing.luceneFunction(metadata.stamp().metric()));
    }

    /**
     * Creates a new, empty collection in {@code path} and commits it once, so the stamp and schema are on
     * disk before the first document.
     */
    static LuceneCollection create(String name, Path path, CollectionSchema schema, ModelStamp stamp) {
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
            writer = new IndexWriter(directory, writerConfig(analyzer, OpenMode.CREATE));
            Instant now = Instant.now();
            CommitMetadata metadata = new CommitMetadata(stamp, schema, now, now);
            writer.setLiveCommitData(metadata.toUserData().entrySet());
            writer.commit();
            searchers = new SearcherManager(directory, null);
            log.info("created collection={} path={} model={}", name, path, stamp.describe());
            return new LuceneCollection(name, path, directory, analyzer, writer, searchers, metadata);
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
            writer = new IndexWriter(directory, writerConfig(analyzer, OpenMode.APPEND));
            Map<String, String> userData = new LinkedHashMap<>();
            writer.getLiveCommitData().forEach(e -> userData.put(e.getKey(), e.getValue()));
            CommitMetadata metadata = CommitMetadata.fromUserData(name, path, userData);
            searchers = new SearcherManager(directory, null);
            LuceneCollection collection = new LuceneCollection(name, path, directory, analyzer, writer, searchers,
                    metadata);
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

    private static IndexWriterConfig writerConfig(Analyzer analyzer, OpenMode mode) {
        IndexWriterConfig config = new IndexWriterConfig(analyzer);
        config.setOpenMode(mode);
        // Only explicit commits persist: close() and crashes both fall back to the last commit.
        config.setCommitOnClose(false);
        config.setCodec(VectorIndexing.codec());
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

    @Override
    public void commit() {
        synchronized (commitLock) {
            ensureOpen();
            try {
                if (writer.hasUncommittedChanges()) {
                    CommitMetadata next = metadata.committedAt(Instant.now());
                    writer.setLiveCommitData(next.toUserData().entrySet());
                    writer.commit();
                    metadata = next;
                }
                searchers.maybeRefreshBlocking();
            } catch (IOException | AlreadyClosedException e) {
                throw writeFailure(e);
            }
        }
        log.debug("committed collection={} docs={}", name, count());
    }

    /**
     * {@inheritDoc}
     *
     * <p>HNSW explores {@code max(k, numCandidates)} candidates and the best {@code k} are returned. Scores are
     * the stamp metric's similarity: for COSINE the cosine in [-1, 1] (1.0 for the same direction), for
     * DOT_PRODUCT the dot product, for EUCLIDEAN Lucene's {@code 1 / (1 + d²)}.
     *
     * @throws MmsearchException INVALID_ARGUMENT for a vector of the wrong dimension, with NaN/Inf, or all
     *                           zeros under COSINE, or k / numCandidates out of range
     */
    @Override
    public List<ScoredId> vectorSearch(float[] vector, int k, int numCandidates) {
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
        Query query = new KnnFloatVectorQuery(VECTOR_FIELD, vector.clone(), Math.max(k, numCandidates));
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
        requireResultCount("k", k, 1);
        if (query == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "text query is missing");
        }
        Query parsed;
        try {
            parsed = new QueryBuilder(analyzer).createBooleanQuery(TEXT_FIELD, query);
        } catch (IndexSearcher.TooManyClauses e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "text query has more than "
                    + IndexSearcher.getMaxClauseCount() + " distinct terms; shorten it", e);
        }
        if (parsed == null) {
            return List.of();
        }
        return search(parsed, k, score -> score);
    }

    @Override
    public Map<String, Document> fetch(List<String> ids) {
        Objects.requireNonNull(ids, "ids");
        return withSearcher(searcher -> {
            Map<String, Document> found = new LinkedHashMap<>();
            StoredFields storedFields = searcher.getIndexReader().storedFields();
            for (String id : ids) {
                if (id == null || found.containsKey(id)) {
                    continue;
                }
                TopDocs top = searcher.search(new TermQuery(new Term(ID_FIELD, id)), 1);
                if (top.scoreDocs.length == 0) {
                    continue;
                }
                BytesRef source = storedFields.document(top.scoreDocs[0].doc, Set.of(SOURCE_FIELD))
                        .getBinaryValue(SOURCE_FIELD);
                try {
                    Map<String, Object> fields = Json.MAPPER.readValue(source.bytes, source.offset, source.length,
                            FIELDS_TYPE);
                    found.put(id, new Document(id, fields));
                } catch (JacksonException e) {
                    throw new MmsearchException(ErrorCode.INTERNAL, "collection '" + name + "' at " + path
                            + " has an unreadable stored document '" + id + "': " + e.getOriginalMessage(), e);
                }
            }
            return found;
        });
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
                    Map<String, Object> values = Json.MAPPER.readValue(source.bytes, source.offset, source.length, FIELDS_TYPE);
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
            TopDocs top = searcher.search(query, k);
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
            for (String value : values(document.fields().get(field))) {
                if (!text.isEmpty()) {
                    text.append('\n');
                }
                text.append(value);
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
        return doc;
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
        String hint;
        if (e instanceof IndexFormatTooNewException) {
            hint = "it was written by a newer Lucene, or it is damaged; upgrade mmsearch or restore it from a backup";
        } else if (e instanceof IndexFormatTooOldException) {
            hint = "it was written by an unsupported older Lucene, or it is damaged; delete the collection and"
                    + " ingest again";
        } else if (e instanceof CorruptIndexException || e instanceof NoSuchFileException
                || e instanceof java.io.EOFException || e instanceof org.apache.lucene.index.IndexNotFoundException) {
            hint = "the index is damaged; restore it from a backup or delete the collection and ingest again";
        } else {
            hint = "check that the directory is readable and writable and that the disk is not full";
        }
        return new MmsearchException(ErrorCode.INTERNAL, "cannot " + action + " collection '" + name + "' at "
                + path + ": " + e.getClass().getSimpleName() + ": " + e.getMessage() + "; " + hint, e);
    }
}
