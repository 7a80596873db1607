package dev.mmsearch.store.lucene;

import dev.mmsearch.core.CollectionView;
import dev.mmsearch.core.DocRef;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.FieldValues;
import dev.mmsearch.core.HighlightFragment;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.QueryChecks;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorQuery;
import dev.mmsearch.core.VectorSimilarity;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BitSet;
import org.apache.lucene.index.NumericDocValues;
import dev.mmsearch.core.Passage;
import dev.mmsearch.core.PassageMatch;
import org.apache.lucene.util.BytesRef;

/**
 * A {@link CollectionView} over exactly one acquired {@link ViewSearcher}: every call reads the same point-in-time
 * reader, and hits carry their global doc id in it, so fetch, vectors and highlight read a hit's document directly
 * instead of looking its id up segment by segment. Released on {@link #close()}. Not thread-safe.
 *
 * <p>Scores: vector search returns the stamp metric's similarity, for COSINE the cosine itself in [-1, 1] (Lucene's
 * internal {@code (1 + cos) / 2} is converted back); in an INT8 collection computed on the quantised vectors, so
 * approximate (about ±0.01 for cosine): rescore with {@link #vectors} for exact ones. Text search returns BM25.
 */
final class LuceneView implements CollectionView {
    private final LuceneCollection collection;
    private final ViewSearcher searcher;
    private final List<LeafReaderContext> leaves;
    private final boolean passages;
    private boolean closed;

    LuceneView(LuceneCollection collection, ViewSearcher searcher) {
        this.collection = collection;
        this.passages = collection.schema().hasPassages();
        this.searcher = searcher;
        this.leaves = searcher.getIndexReader().leaves();
    }

    /** The searcher of this view (for the collection's own bookkeeping reads). */
    ViewSearcher searcher() {
        return searcher;
    }

    @Override
    public long count() {
        return read(() -> passages ? searcher.count(IndexLayout.DOCUMENTS) : searcher.getIndexReader().numDocs());
    }

    @Override
    public List<ScoredId> search(VectorQuery query) {
        Objects.requireNonNull(query, "query");
        QueryChecks.requireValid(collection.name(), collection.stamp(), collection.schema(), query);
        VectorSimilarity metric = query.field() == null ? collection.stamp().metric()
                : collection.schema().vectorField(query.field()).stamp().metric();
        if (passages && query.field() == null) {
            return searchPassages(query, metric);
        }
        return search(collection.queries().vector(query), query.k(),
                score -> VectorIndexing.similarity(metric, score));
    }

    /**
     * A passage kNN query's hits (best passages, one per document) as their documents, each with the passage that
     * matched: its number in the block and its offsets. With a {@link dev.mmsearch.core.PassageScore} other than max,
     * the {@code explored()} documents of the best passages are scored by the mean of their best passages
     * ({@link PassageAggregation}) and the best {@code k} of those kept.
     */
    private List<ScoredId> searchPassages(VectorQuery query, VectorSimilarity metric) {
        boolean max = query.passageScore().isMax();
        Query knn = collection.queries().vector(max ? query : new VectorQuery(query.vector(), query.explored(),
                query.numCandidates(), query.filter()));
        PassageAggregation aggregation = max ? null : new PassageAggregation(collection.queries().queryVector(query),
                query.passageScore(), metric);
        return read(() -> {
            ScoreDoc[] best = top(knn, max ? query.k() : query.explored()).scoreDocs;
            ScoreDoc[] documents = new ScoreDoc[best.length];
            float[] similarity = new float[best.length];
            PassageMatch[] matched = new PassageMatch[best.length];
            String field = collection.schema().passages().field();
            // In doc order, so each segment's parent bits and offsets are opened once and only advanced forwards.
            Integer[] order = new Integer[best.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, java.util.Comparator.comparingInt(i -> best[i].doc));
            LeafReaderContext leaf = null;
            BitSet parents = null;
            NumericDocValues offsets = null;
            for (int i : order) {
                if (leaf == null || best[i].doc >= leaf.docBase + leaf.reader().maxDoc()) {
                    leaf = leaves.get(ReaderUtil.subIndex(best[i].doc, leaves));
                    parents = IndexLayout.PARENTS.getBitSet(leaf);
                    offsets = DocValues.getNumeric(leaf.reader(), IndexLayout.PASSAGE_FIELD);
                }
                int child = best[i].doc - leaf.docBase;
                int index = child - (child == 0 ? -1 : parents.prevSetBit(child - 1)) - 1;
                int[] span = offsets.advanceExact(child) ? IndexLayout.passageOffsets(offsets.longValue()) : new int[2];
                int parent = parents.nextSetBit(child);
                documents[i] = new ScoreDoc(leaf.docBase + parent, best[i].score);
                matched[i] = new PassageMatch(field, index, span[0], span[1]);
                similarity[i] = max ? VectorIndexing.similarity(metric, best[i].score)
                        : aggregation.score(leaf, child - index, parent);
            }
            String[] ids = idsOf(documents);
            List<ScoredId> hits = new ArrayList<>(best.length);
            for (int i = 0; i < best.length; i++) {
                hits.add(new ScoredId(ids[i], similarity[i], documents[i].doc, matched[i]));
            }
            if (!max) {
                hits.sort(java.util.Comparator.comparingDouble((ScoredId hit) -> -hit.score())
                        .thenComparingInt(ScoredId::doc));
            }
            return hits.size() > query.k() ? List.copyOf(hits.subList(0, query.k())) : hits;
        });
    }

    @Override
    public List<ScoredId> search(TextQuery query) {
        Objects.requireNonNull(query, "query");
        QueryChecks.requireValid(collection.name(), collection.schema(), query);
        Query lucene = collection.queries().text(query); // checks the filter, also when no term is left
        if (query.perField() && searcher.legacyText()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "collection '" + collection.name()
                    + "' holds documents indexed before per-field text existed, so BM25 field boosts cannot search"
                    + " them; re-index to use field boosts (or search without them)");
        }
        return lucene == null ? List.of() : search(lucene, query.k(), score -> score);
    }

    @FunctionalInterface
    private interface ScoreConversion {
        float apply(float luceneScore);
    }

    private List<ScoredId> search(Query query, int k, ScoreConversion conversion) {
        return read(() -> {
            ScoreDoc[] scoreDocs = top(query, k).scoreDocs;
            String[] ids = idsOf(scoreDocs);
            List<ScoredId> hits = new ArrayList<>(scoreDocs.length);
            for (int i = 0; i < scoreDocs.length; i++) {
                hits.add(new ScoredId(ids[i], conversion.apply(scoreDocs[i].score), scoreDocs[i].doc));
            }
            return hits;
        });
    }

    private TopDocs top(Query query, int k) throws IOException {
        try {
            return searcher.search(query, k);
        } catch (IndexSearcher.TooManyClauses e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "query and filter together have more than "
                    + IndexSearcher.getMaxClauseCount() + " clauses; use terms for long lists of values", e);
        }
    }

    /**
     * The ids of {@code hits} (global docs), in their order. The hits are visited in doc order, so each segment's id
     * doc values are opened once and only advanced forwards (opening them once per hit, as this did before, was 3% of
     * a kNN query's time at 100k vectors: issue 18, ANN run 2), and each segment's ordinals are looked up in
     * increasing order, so hits that share a terms-dictionary block decode it once.
     */
    private String[] idsOf(ScoreDoc[] hits) throws IOException {
        int n = hits.length;
        long[] byDoc = new long[n]; // doc << 32 | position in hits
        for (int i = 0; i < n; i++) {
            byDoc[i] = ((long) hits[i].doc << 32) | i;
        }
        java.util.Arrays.sort(byDoc);
        String[] ids = new String[n];
        long[] byOrd = new long[n]; // ord << 32 | position in hits, for the hits of the current segment
        int from = 0;
        while (from < n) {
            int leafIndex = ReaderUtil.subIndex((int) (byDoc[from] >>> 32), leaves);
            LeafReaderContext leaf = leaves.get(leafIndex);
            int end = leaf.docBase + leaf.reader().maxDoc();
            SortedDocValues values = DocValues.getSorted(leaf.reader(), IndexLayout.ID_FIELD);
            int count = 0;
            int to = from;
            for (; to < n && (int) (byDoc[to] >>> 32) < end; to++) {
                int doc = (int) (byDoc[to] >>> 32);
                if (!values.advanceExact(doc - leaf.docBase)) {
                    throw new IllegalStateException("document " + doc + " has no " + IndexLayout.ID_FIELD);
                }
                byOrd[count++] = ((long) values.ordValue() << 32) | (byDoc[to] & 0xFFFFFFFFL);
            }
            java.util.Arrays.sort(byOrd, 0, count);
            for (int j = 0; j < count; j++) {
                ids[(int) byOrd[j]] = values.lookupOrd((int) (byOrd[j] >>> 32)).utf8ToString();
            }
            from = to;
        }
        return ids;
    }

    @Override
    public Map<String, Document> fetch(List<DocRef> refs) {
        Objects.requireNonNull(refs, "refs");
        return read(() -> {
            Map<String, Document> found = new LinkedHashMap<>();
            locate(refs).forEach((id, doc) -> {
                LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
                found.put(id, new Document(id, readSource(leaf, doc - leaf.docBase, id)));
            });
            return found;
        });
    }

    private Map<String, Object> readSource(LeafReaderContext leaf, int doc, String id) {
        try {
            BytesRef source = leaf.reader().storedFields().document(doc, Set.of(IndexLayout.SOURCE_FIELD))
                    .getBinaryValue(IndexLayout.SOURCE_FIELD);
            return collection.readSource(id, source);
        } catch (IOException e) {
            throw collection.readFailure(e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Reads the raw float vector Lucene keeps for each document (an INT8 collection keeps them next to the
     * quantised ones), segment by segment in doc order, so each segment's vectors are read in one pass.
     */
    @Override
    public Map<String, float[]> vectors(List<DocRef> refs) {
        Objects.requireNonNull(refs, "refs");
        return read(() -> {
            List<TreeMap<Integer, String>> docsPerLeaf = new ArrayList<>(leaves.size());
            for (int i = 0; i < leaves.size(); i++) {
                docsPerLeaf.add(new TreeMap<>());
            }
            Map<String, Integer> located = locate(refs);
            for (Map.Entry<String, Integer> entry : located.entrySet()) {
                int leaf = ReaderUtil.subIndex(entry.getValue(), leaves);
                int doc = entry.getValue() - leaves.get(leaf).docBase;
                docsPerLeaf.get(leaf).put(passages ? firstPassage(leaves.get(leaf), doc) : doc, entry.getKey());
            }
            Map<String, float[]> byId = new HashMap<>();
            for (int i = 0; i < leaves.size(); i++) {
                if (docsPerLeaf.get(i).isEmpty()) {
                    continue;
                }
                FloatVectorValues values = leaves.get(i).reader().getFloatVectorValues(IndexLayout.VECTOR_FIELD);
                if (values == null) {
                    continue;
                }
                BinaryDocValues originals = IndexLayout.originals(leaves.get(i).reader());
                KnnVectorValues.DocIndexIterator it = values.iterator();
                for (Map.Entry<Integer, String> entry : docsPerLeaf.get(i).entrySet()) {
                    int doc = it.docID() < entry.getKey() ? it.advance(entry.getKey()) : it.docID();
                    if (doc == entry.getKey()) {
                        byId.put(entry.getValue(), IndexLayout.writtenVector(values.vectorValue(it.index()), originals,
                                doc));
                    }
                }
            }
            Map<String, float[]> found = new LinkedHashMap<>();
            for (String id : located.keySet()) {
                if (byId.containsKey(id)) {
                    found.put(id, byId.get(id));
                }
            }
            return found;
        });
    }

    /** The first passage of the document at leaf doc {@code parent} (the one after the previous document). */
    private static int firstPassage(LeafReaderContext leaf, int parent) throws IOException {
        BitSet parents = IndexLayout.PARENTS.getBitSet(leaf);
        return parent == 0 ? 0 : parents.prevSetBit(parent - 1) + 1;
    }

    /**
     * Where each referenced document is in this view: id -> global doc, in the order of {@code refs}; duplicates and
     * documents not in the view are left out. A ref's own doc is used when it names a live document with that id
     * (a ref from this view always does); others are looked up in the {@value IndexLayout#ID_FIELD} terms, one
     * TermsEnum per segment reused for every id.
     */
    private Map<String, Integer> locate(List<DocRef> refs) throws IOException {
        Map<String, Integer> located = new LinkedHashMap<>();
        List<String> lookUp = new ArrayList<>();
        for (DocRef ref : refs) {
            if (ref == null || located.containsKey(ref.id())) {
                continue;
            }
            if (ref.doc() >= 0 && holds(ref)) {
                located.put(ref.id(), ref.doc());
            } else {
                located.put(ref.id(), null); // keeps the order; filled below or removed
                lookUp.add(ref.id());
            }
        }
        if (!lookUp.isEmpty()) {
            Map<String, Integer> found = lookUp(lookUp);
            for (String id : lookUp) {
                Integer doc = found.get(id);
                if (doc == null) {
                    located.remove(id);
                } else {
                    located.put(id, doc);
                }
            }
        }
        return located;
    }

    /** Whether {@code ref.doc} is a live document of this view with id {@code ref.id}. */
    private boolean holds(DocRef ref) throws IOException {
        if (ref.doc() >= searcher.getIndexReader().maxDoc()) {
            return false;
        }
        LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(ref.doc(), leaves));
        int doc = ref.doc() - leaf.docBase;
        Bits live = leaf.reader().getLiveDocs();
        if (live != null && !live.get(doc)) {
            return false;
        }
        SortedDocValues ids = DocValues.getSorted(leaf.reader(), IndexLayout.ID_FIELD);
        return ids.advanceExact(doc) && ids.lookupOrd(ids.ordValue()).utf8ToString().equals(ref.id());
    }

    private Map<String, Integer> lookUp(List<String> ids) throws IOException {
        TermsEnum[] termsEnums = new TermsEnum[leaves.size()];
        for (int i = 0; i < leaves.size(); i++) {
            Terms terms = leaves.get(i).reader().terms(IndexLayout.ID_FIELD);
            termsEnums[i] = terms == null ? null : terms.iterator();
        }
        Map<String, Integer> located = new HashMap<>();
        PostingsEnum postings = null;
        for (String id : ids) {
            BytesRef term = new BytesRef(id);
            for (int i = 0; i < leaves.size() && !located.containsKey(id); i++) {
                if (termsEnums[i] == null || !termsEnums[i].seekExact(term)) {
                    continue;
                }
                Bits live = leaves.get(i).reader().getLiveDocs();
                postings = termsEnums[i].postings(postings, PostingsEnum.NONE);
                for (int doc = postings.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = postings.nextDoc()) {
                    if (live == null || live.get(doc)) {
                        located.put(id, leaves.get(i).docBase + doc);
                        break;
                    }
                }
            }
        }
        return located;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The query is analysed like the indexed text, so "running" marks "runs". The field text is the given
     * document's (lists joined by line breaks), re-analysed by Lucene's highlighter: at most
     * {@value Highlighting#MAX_FRAGMENTS} fragments of about {@value Highlighting#FRAGMENT_CHARS} characters per
     * field, best first. The query is prepared once per field for the whole page; a query without terms gives an
     * empty map.
     */
    @Override
    public Map<String, Map<String, List<HighlightFragment>>> highlight(List<Document> documents, String query,
                                                                       List<String> fields) {
        QueryChecks.requireHighlightArguments(documents, query, fields);
        ensureOpen();
        List<String> asked = new LinkedHashSet<>(fields).stream().filter(Objects::nonNull).toList();
        // Prepared once per field, on the first document that has text in it.
        Map<String, Highlighting.FieldPass> passes = new HashMap<>();
        Map<String, Map<String, List<HighlightFragment>>> highlighted = new LinkedHashMap<>();
        for (Document document : documents) {
            Map<String, List<HighlightFragment>> byField = new LinkedHashMap<>();
            for (String field : asked) {
                List<String> values = FieldValues.strings(document.fields().get(field));
                if (values.isEmpty()) {
                    continue;
                }
                Highlighting.FieldPass pass = passes.get(field);
                if (pass == null) {
                    Query terms = collection.queries().analyse(field, query);
                    if (terms == null) {
                        // No term of the query survives analysis (only stop words): nothing can be marked.
                        return Map.of();
                    }
                    pass = collection.highlighter().forField(field, terms);
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

    @Override
    public void forEachDocument(Consumer<EmbeddedDocument> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        if (passages) {
            read(() -> {
                for (LeafReaderContext leaf : leaves) {
                    forEachBlock(leaf, consumer);
                }
                return null;
            });
            return;
        }
        read(() -> {
            for (LeafReaderContext leaf : leaves) {
                LeafReader reader = leaf.reader();
                FloatVectorValues vectors = reader.getFloatVectorValues(IndexLayout.VECTOR_FIELD);
                if (vectors == null) {
                    continue;
                }
                Bits live = reader.getLiveDocs();
                BinaryDocValues originals = IndexLayout.originals(reader);
                StoredFields stored = reader.storedFields();
                NamedVectorReader named = new NamedVectorReader(reader, collection.schema());
                KnnVectorValues.DocIndexIterator it = vectors.iterator();
                for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
                    if (live != null && !live.get(doc)) {
                        continue;
                    }
                    org.apache.lucene.document.Document fields = stored.document(doc,
                            Set.of(IndexLayout.ID_FIELD, IndexLayout.SOURCE_FIELD));
                    String id = fields.get(IndexLayout.ID_FIELD);
                    Map<String, Object> values = collection.readSource(id, fields.getBinaryValue(IndexLayout.SOURCE_FIELD));
                    consumer.accept(new EmbeddedDocument(new Document(id, values),
                            IndexLayout.writtenVector(vectors.vectorValue(it.index()), originals, doc), List.of(),
                            named.at(doc)));
                }
            }
            return null;
        });
    }

    /** The documents of one leaf of a collection with passages, each with its passages (children in doc order). */
    private void forEachBlock(LeafReaderContext leaf, Consumer<EmbeddedDocument> consumer) throws IOException {
        LeafReader reader = leaf.reader();
        FloatVectorValues vectors = reader.getFloatVectorValues(IndexLayout.VECTOR_FIELD);
        BitSet parents = IndexLayout.PARENTS.getBitSet(leaf);
        if (vectors == null || parents == null) {
            return;
        }
        Bits live = reader.getLiveDocs();
        BinaryDocValues originals = IndexLayout.originals(reader);
        NumericDocValues offsets = DocValues.getNumeric(reader, IndexLayout.PASSAGE_FIELD);
        StoredFields stored = reader.storedFields();
        NamedVectorReader named = new NamedVectorReader(reader, collection.schema());
        KnnVectorValues.DocIndexIterator it = vectors.iterator();
        List<Passage> block = new ArrayList<>();
        int parent = -1;
        for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
            if (live != null && !live.get(doc)) {
                continue;
            }
            int owner = parents.nextSetBit(doc);
            if (owner != parent && !block.isEmpty()) {
                consumer.accept(blockDocument(stored, parent, block, named));
                block = new ArrayList<>();
            }
            parent = owner;
            int[] span = offsets.advanceExact(doc) ? IndexLayout.passageOffsets(offsets.longValue()) : new int[2];
            block.add(new Passage(span[0], span[1], IndexLayout.writtenVector(vectors.vectorValue(it.index()),
                    originals, doc)));
        }
        if (!block.isEmpty()) {
            consumer.accept(blockDocument(stored, parent, block, named));
        }
    }

    private EmbeddedDocument blockDocument(StoredFields stored, int parent, List<Passage> block,
                                           NamedVectorReader named) throws IOException {
        org.apache.lucene.document.Document fields = stored.document(parent,
                Set.of(IndexLayout.ID_FIELD, IndexLayout.SOURCE_FIELD));
        String id = fields.get(IndexLayout.ID_FIELD);
        Map<String, Object> values = collection.readSource(id, fields.getBinaryValue(IndexLayout.SOURCE_FIELD));
        return EmbeddedDocument.withPassages(new Document(id, values), block).withNamed(named.at(parent));
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            collection.release(searcher);
        }
    }

    @FunctionalInterface
    private interface Read<T> {
        T apply() throws IOException;
    }

    private <T> T read(Read<T> work) {
        ensureOpen();
        try {
            return work.apply();
        } catch (AlreadyClosedException e) {
            throw collection.closedError(e);
        } catch (IOException e) {
            throw collection.readFailure(e);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("view of collection '" + collection.name() + "' is closed");
        }
    }
}
