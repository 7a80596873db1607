package dev.mmsearch.store.lucene;

import static dev.mmsearch.store.lucene.Fixtures.SCHEMA;
import static dev.mmsearch.store.lucene.Fixtures.STAMP_A;
import static dev.mmsearch.store.lucene.Fixtures.doc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.mmsearch.core.CollectionView;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.core.VectorQuery;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * COSINE collections index DOT_PRODUCT over unit vectors (format 3): the cosine's ranking and scores for vectors and
 * queries of any length, the vectors given back bit for bit as written (also after a merge and through the full walk
 * that exports use), and collections written before with Lucene's COSINE keeping it, for searches and new writes.
 */
class UnitVectorsTest {
    private static final int DOCS = 60;

    @TempDir
    Path root;

    /** Vectors of lengths 0.2 to 5, and doc "unit" of length 1 exactly as the models write them. */
    private static Map<String, float[]> vectors() {
        Random random = new Random(7);
        Map<String, float[]> vectors = new LinkedHashMap<>();
        for (int i = 0; i < DOCS; i++) {
            float[] v = Fixtures.unitGaussian(random, Fixtures.DIM);
            float length = 0.2f + 4.8f * random.nextFloat();
            for (int d = 0; d < v.length; d++) {
                v[d] *= length;
            }
            vectors.put("d" + i, v);
        }
        vectors.put("unit", Fixtures.unitGaussian(random, Fixtures.DIM));
        return vectors;
    }

    private static List<EmbeddedDocument> docs(Map<String, float[]> vectors) {
        List<EmbeddedDocument> docs = new ArrayList<>();
        vectors.forEach((id, v) -> docs.add(doc(id, "title " + id, "text " + id, null, v)));
        return docs;
    }

    private static Map<String, VectorSimilarityFunction> functionsOnDisk(Path path) throws Exception {
        Map<String, VectorSimilarityFunction> functions = new HashMap<>();
        try (FSDirectory directory = FSDirectory.open(path); DirectoryReader reader = DirectoryReader.open(directory)) {
            for (LeafReaderContext leaf : reader.leaves()) {
                FieldInfo info = leaf.reader().getFieldInfos().fieldInfo(IndexLayout.VECTOR_FIELD);
                functions.put(leaf.reader().toString(), info.getVectorSimilarityFunction());
            }
        }
        return functions;
    }

    /** The lengths of the vectors Lucene indexed, and how many documents keep their vector as written. */
    private static long[] unitIndexedAndOriginalsKept(Path path) throws Exception {
        long unit = 0;
        long kept = 0;
        try (FSDirectory directory = FSDirectory.open(path); DirectoryReader reader = DirectoryReader.open(directory)) {
            for (LeafReaderContext leaf : reader.leaves()) {
                org.apache.lucene.index.FloatVectorValues values =
                        leaf.reader().getFloatVectorValues(IndexLayout.VECTOR_FIELD);
                for (int i = 0; i < values.size(); i++) {
                    if (Math.abs(VectorIndexing.norm(values.vectorValue(i)) - 1f) <= 1e-5f) {
                        unit++;
                    }
                }
                org.apache.lucene.index.BinaryDocValues originals = IndexLayout.originals(leaf.reader());
                while (originals != null && originals.nextDoc() != org.apache.lucene.search.DocIdSetIterator.NO_MORE_DOCS) {
                    kept++;
                }
            }
        }
        return new long[] {unit, kept};
    }

    private static Map<String, String> commitData(Path path) throws Exception {
        try (FSDirectory directory = FSDirectory.open(path)) {
            return SegmentInfos.readLatestCommit(directory).getUserData();
        }
    }

    /** The search of every document by a query of length 3: all hits, best first, each scored with its cosine. */
    private static void assertCosineRanking(SearchCollection collection, Map<String, float[]> vectors, double tolerance) {
        float[] query = Fixtures.unitGaussian(new Random(99), Fixtures.DIM);
        for (int d = 0; d < query.length; d++) {
            query[d] *= 3f;
        }
        List<ScoredId> hits = collection.search(VectorQuery.of(query, vectors.size(), vectors.size()));
        assertThat(hits).hasSize(vectors.size());
        for (ScoredId hit : hits) {
            assertThat((double) hit.score()).as(hit.id())
                    .isCloseTo(Fixtures.cosine(query, vectors.get(hit.id())), within(tolerance));
        }
        for (int i = 1; i < hits.size(); i++) {
            assertThat(hits.get(i).score()).isLessThanOrEqualTo(hits.get(i - 1).score());
        }
        List<String> exact = vectors.keySet().stream()
                .sorted((a, b) -> Double.compare(Fixtures.cosine(query, vectors.get(b)), Fixtures.cosine(query, vectors.get(a))))
                .toList();
        assertThat(hits.getFirst().id()).isEqualTo(exact.getFirst());
    }

    private static void assertVectorsAsWritten(SearchCollection collection, Map<String, float[]> vectors) {
        Map<String, float[]> read = collection.vectors(new ArrayList<>(vectors.keySet()));
        assertThat(read.keySet()).containsExactlyElementsOf(vectors.keySet());
        vectors.forEach((id, written) -> assertThat(read.get(id)).as(id).containsExactly(written));
        Map<String, float[]> exported = new HashMap<>();
        try (CollectionView view = collection.openView()) {
            view.forEachDocument(d -> exported.put(d.id(), d.vector()));
        }
        assertThat(exported.keySet()).containsExactlyInAnyOrderElementsOf(vectors.keySet());
        exported.forEach((id, v) -> assertThat(v).as(id).containsExactly(read.get(id)));
    }

    @ParameterizedTest
    @EnumSource(VectorEncoding.class)
    void aNewCosineCollectionIndexesUnitVectorsAsDotProductAndReadsThemBackAsWritten(VectorEncoding encoding)
            throws Exception {
        Map<String, float[]> vectors = vectors();
        Path path = root.resolve("c");
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            SearchCollection collection = store.getOrCreate("c", SCHEMA, STAMP_A, encoding);
            List<EmbeddedDocument> docs = docs(vectors);
            collection.upsert(docs.subList(0, 30));
            collection.commit();
            collection.upsert(docs.subList(30, docs.size()));
            collection.commit();
            assertCosineRanking(collection, vectors, encoding == VectorEncoding.INT8 ? 0.05 : 1e-5);
            assertVectorsAsWritten(collection, vectors);
        }
        assertThat(functionsOnDisk(path)).hasSize(2).containsValues(VectorSimilarityFunction.DOT_PRODUCT)
                .doesNotContainValue(VectorSimilarityFunction.COSINE);
        assertThat(commitData(path)).containsEntry(CommitMetadata.FORMAT, "3")
                .containsEntry(CommitMetadata.VECTOR_FUNCTION, "DOT_PRODUCT");
        // Every indexed vector is unit length; the 60 that were not are also kept as written, "unit" is not.
        assertThat(unitIndexedAndOriginalsKept(path)).containsExactly(DOCS + 1, DOCS);
        // Reopened and merged into one segment (the kept originals are merged with it): the same answers.
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            SearchCollection collection = store.get("c");
            collection.optimize();
            assertCosineRanking(collection, vectors, encoding == VectorEncoding.INT8 ? 0.05 : 1e-5);
            assertVectorsAsWritten(collection, vectors);
        }
        assertThat(functionsOnDisk(path)).hasSize(1).containsValue(VectorSimilarityFunction.DOT_PRODUCT);
    }

    /** A collection as mmsearch wrote COSINE before format 3: Lucene's COSINE field, no function in its metadata. */
    @Test
    void aCollectionWrittenWithLuceneCosineKeepsItForSearchesAndNewWrites() throws Exception {
        Map<String, float[]> vectors = vectors();
        Path path = root.resolve("old");
        List<EmbeddedDocument> docs = docs(vectors);
        try (FSDirectory directory = FSDirectory.open(path);
             IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig(new EnglishAnalyzer())
                     .setCodec(VectorIndexing.codec(VectorEncoding.FLOAT32, dev.mmsearch.core.HnswOptions.DEFAULT)))) {
            for (EmbeddedDocument d : docs.subList(0, 30)) {
                org.apache.lucene.document.Document doc = new org.apache.lucene.document.Document();
                doc.add(new StringField(IndexLayout.ID_FIELD, d.id(), Field.Store.YES));
                doc.add(new SortedDocValuesField(IndexLayout.ID_FIELD, new BytesRef(d.id())));
                doc.add(new StoredField(IndexLayout.SOURCE_FIELD,
                        dev.mmsearch.core.Json.MAPPER.writeValueAsBytes(d.document().fields())));
                doc.add(new KnnFloatVectorField(IndexLayout.VECTOR_FIELD, d.vector(), VectorSimilarityFunction.COSINE));
                writer.addDocument(doc);
            }
            Instant now = Instant.now();
            writer.setLiveCommitData(new CommitMetadata(STAMP_A, SCHEMA, now, now, null, null).toUserData().entrySet());
            writer.commit();
        }
        assertThat(commitData(path)).containsEntry(CommitMetadata.FORMAT, "1")
                .doesNotContainKey(CommitMetadata.VECTOR_FUNCTION);
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            SearchCollection old = store.get("old");
            old.upsert(docs.subList(30, docs.size()));
            old.commit();
            assertCosineRanking(old, vectors, 1e-5);
            // Lucene's COSINE indexes the vectors as they are: nothing else is kept, they come back bit for bit.
            Map<String, float[]> read = old.vectors(new ArrayList<>(vectors.keySet()));
            vectors.forEach((id, v) -> assertThat(read.get(id)).as(id).containsExactly(v));
        }
        assertThat(functionsOnDisk(path)).containsValues(VectorSimilarityFunction.COSINE)
                .doesNotContainValue(VectorSimilarityFunction.DOT_PRODUCT);
        assertThat(commitData(path)).containsEntry(CommitMetadata.FORMAT, "1")
                .doesNotContainKey(CommitMetadata.VECTOR_FUNCTION);
    }

    @Test
    void aFunctionThatDoesNotFitTheMetricIsDamagedMetadata() {
        Instant now = Instant.now();
        Map<String, String> data = new LinkedHashMap<>(
                CommitMetadata.created(STAMP_A, SCHEMA, now, VectorEncoding.FLOAT32).toUserData());
        assertThat(CommitMetadata.fromUserData("c", root, data).unitVectors()).isTrue();
        for (String bad : List.of("EUCLIDEAN", "MAXIMUM_INNER_PRODUCT", "HAMMING")) {
            data.put(CommitMetadata.VECTOR_FUNCTION, bad);
            assertThatThrownBy(() -> CommitMetadata.fromUserData("c", root, data)).as(bad)
                    .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
                    .hasMessageContaining("damaged mmsearch metadata").hasMessageContaining(bad);
        }
        data.put(CommitMetadata.VECTOR_FUNCTION, "COSINE");
        assertThat(CommitMetadata.fromUserData("c", root, data).unitVectors()).isFalse();
    }
}
