package dev.mmsearch.store.lucene;

import dev.mmsearch.core.VectorQuery;
import static dev.mmsearch.store.lucene.Fixtures.SCHEMA;
import static dev.mmsearch.store.lucene.Fixtures.doc;
import static dev.mmsearch.store.lucene.Fixtures.normalize;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.core.VectorSimilarity;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.lucene.codecs.CompoundDirectory;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INT8 (scalar-quantised HNSW) against FLOAT32 collections on the same 5,000 clustered 64-d unit vectors:
 * recall@10 against the exact neighbours, bytes of the vector files, the encoding surviving a reopen, and
 * {@link SearchCollection#vectors} giving back the exact floats.
 */
class VectorEncodingTest {
    private static final Logger log = LoggerFactory.getLogger(VectorEncodingTest.class);
    private static final int DIM = 64;
    private static final int DOCS = 5_000;
    private static final int CLUSTERS = 50;
    private static final int QUERIES = 100;
    private static final int K = 10;
    private static final ModelStamp STAMP = new ModelStamp("clustered-64d", "c3".repeat(32), DIM,
            VectorSimilarity.COSINE);

    @TempDir
    static Path root;
    static float[][] vectors;
    static float[][] queries;

    @BeforeAll
    static void data() {
        Random random = new Random(42);
        float[][] centroids = new float[CLUSTERS][];
        for (int c = 0; c < CLUSTERS; c++) {
            centroids[c] = Fixtures.unitGaussian(random, DIM);
        }
        vectors = new float[DOCS][];
        for (int i = 0; i < DOCS; i++) {
            vectors[i] = near(centroids[random.nextInt(CLUSTERS)], random, 0.08);
        }
        queries = new float[QUERIES][];
        for (int q = 0; q < QUERIES; q++) {
            queries[q] = near(centroids[random.nextInt(CLUSTERS)], random, 0.08);
        }
    }

    /** A unit vector around {@code centroid}: each coordinate moved by Gaussian noise of {@code sigma}. */
    private static float[] near(float[] centroid, Random random, double sigma) {
        float[] v = new float[DIM];
        for (int d = 0; d < DIM; d++) {
            v[d] = (float) (centroid[d] + sigma * random.nextGaussian());
        }
        return normalize(v);
    }

    private static SearchCollection build(LuceneCollectionStore store, String name, VectorEncoding encoding) {
        SearchCollection collection = store.getOrCreate(name, SCHEMA, STAMP, encoding);
        for (int start = 0; start < DOCS; start += 1_000) {
            List<EmbeddedDocument> batch = new ArrayList<>();
            for (int i = start; i < Math.min(DOCS, start + 1_000); i++) {
                batch.add(doc("v" + i, "title " + i, "text " + i, null, vectors[i]));
            }
            collection.upsert(batch);
            collection.commit();
        }
        return collection;
    }

    private static Set<String> exactTop(float[] query, int k) {
        return IntStream.range(0, DOCS).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -Fixtures.cosine(query, vectors[i])).thenComparing(i -> i))
                .limit(k).map(i -> "v" + i).collect(java.util.stream.Collectors.toSet());
    }

    private static double recall(SearchCollection collection) {
        int found = 0;
        for (float[] query : queries) {
            Set<String> exact = exactTop(query, K);
            for (ScoredId hit : collection.search(VectorQuery.of(query, K, 100))) {
                if (exact.contains(hit.id())) {
                    found++;
                }
            }
        }
        return (double) found / (QUERIES * K);
    }

    /** Bytes of the vector files (per-field vector format files, also inside compound files) of the last commit. */
    private static Map<String, Long> vectorBytes(Path path) throws IOException {
        Map<String, Long> bytes = new java.util.TreeMap<>();
        try (Directory directory = FSDirectory.open(path)) {
            for (SegmentCommitInfo segment : SegmentInfos.readLatestCommit(directory)) {
                if (segment.info.getUseCompoundFile()) {
                    try (CompoundDirectory compound = segment.info.getCodec().compoundFormat()
                            .getCompoundReader(directory, segment.info)) {
                        for (String file : compound.listAll()) {
                            count(bytes, file, compound);
                        }
                    }
                } else {
                    for (String file : segment.files()) {
                        count(bytes, file, directory);
                    }
                }
            }
        }
        return bytes;
    }

    private static void count(Map<String, Long> bytes, String file, Directory directory) throws IOException {
        if (file.contains("VectorsFormat")) {
            bytes.merge(file.substring(file.lastIndexOf('.') + 1), directory.fileLength(file), Long::sum);
        }
    }

    private static long total(Map<String, Long> bytes) {
        return bytes.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The vector format name each segment of the last commit was written with. */
    private static Set<String> segmentFormats(Path path) throws IOException {
        Set<String> formats = new HashSet<>();
        try (Directory directory = FSDirectory.open(path); DirectoryReader reader = DirectoryReader.open(directory)) {
            for (LeafReaderContext leaf : reader.leaves()) {
                formats.add(leaf.reader().getFieldInfos().fieldInfo(IndexLayout.VECTOR_FIELD)
                        .getAttribute(PerFieldKnnVectorsFormat.PER_FIELD_FORMAT_KEY));
            }
        }
        return formats;
    }

    /**
     * INT4 and INT1 rescore every search 3x with the full-precision vectors: recall near FLOAT32's, exact cosine
     * scores, a quantised file of an eighth / a thirty-second of the floats (plus corrections), the encoding kept on
     * reopen and the stored vectors exact.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = VectorEncoding.class, names = {"INT4", "INT1"})
    void int4AndInt1RescoreToNearFloatRecallWithExactScores(VectorEncoding encoding) throws IOException {
        Path dir = root.resolve("rescored-" + encoding.label());
        double quantisedRecall;
        try (LuceneCollectionStore store = new LuceneCollectionStore(dir)) {
            SearchCollection collection = build(store, "c", encoding);
            assertThat(collection.vectorEncoding()).isEqualTo(encoding);
            quantisedRecall = recall(collection);
            for (int q = 0; q < 5; q++) {
                for (ScoredId hit : collection.search(VectorQuery.of(queries[q], K, 100))) {
                    double exact = Fixtures.cosine(queries[q], vectors[Integer.parseInt(hit.id().substring(1))]);
                    assertThat((double) hit.score()).as("rescored score of " + hit.id())
                            .isCloseTo(exact, org.assertj.core.data.Offset.offset(1e-5));
                }
            }
            assertThat(collection.vectors(List.of("v7")).get("v7")).containsExactly(vectors[7]);
        }
        log.info("recall@{} over {} queries: {}={} (rescored 3x)", K, QUERIES, encoding.label(), quantisedRecall);
        assertThat(quantisedRecall).isGreaterThanOrEqualTo(0.95);
        assertThat(segmentFormats(dir.resolve("c"))).containsExactly(Lucene104HnswScalarQuantizedVectorsFormat.NAME);
        Map<String, Long> files = vectorBytes(dir.resolve("c"));
        long floats = (long) DOCS * DIM * Float.BYTES;
        long quantisedBound = encoding == VectorEncoding.INT4 ? floats / 8 : floats / 32;
        // veq: the quantised vectors plus 16 bytes of corrections per vector and a header (measured: int4 240,640
        // bytes = 5,000 x (32 + 16) + 640; int1 120,640 = 5,000 x (8 + 16) + 640).
        assertThat(files.get("veq")).isBetween(quantisedBound + (long) DOCS * 16,
                quantisedBound + (long) DOCS * 16 + 4096);
        try (LuceneCollectionStore store = new LuceneCollectionStore(dir)) {
            assertThat(store.get("c").vectorEncoding()).isEqualTo(encoding);
            assertThat(recall(store.get("c"))).isEqualTo(quantisedRecall);
        }
    }

    @Test
    void int8KeepsRecallShrinksTheSearchedVectorsAndSurvivesReopen() throws IOException {
        double floatRecall;
        double int8Recall;
        long floatCollectionBytes;
        long int8CollectionBytes;
        try (LuceneCollectionStore store = new LuceneCollectionStore(root.resolve("recall"))) {
            SearchCollection floats = build(store, "floats", VectorEncoding.FLOAT32);
            SearchCollection int8 = build(store, "int8", VectorEncoding.INT8);
            assertThat(floats.vectorEncoding()).isEqualTo(VectorEncoding.FLOAT32);
            assertThat(int8.vectorEncoding()).isEqualTo(VectorEncoding.INT8);
            floatRecall = recall(floats);
            int8Recall = recall(int8);
            floatCollectionBytes = floats.info().sizeBytes();
            int8CollectionBytes = int8.info().sizeBytes();
            // Scores of an int8 search are approximate cosines, still close to the exact ones.
            ScoredId top = int8.search(VectorQuery.of(queries[0], 1, 100)).getFirst();
            double exact = Fixtures.cosine(queries[0], vectors[Integer.parseInt(top.id().substring(1))]);
            assertThat((double) top.score()).isCloseTo(exact, org.assertj.core.data.Offset.offset(0.02));
        }
        Path floatPath = root.resolve("recall").resolve("floats");
        Path int8Path = root.resolve("recall").resolve("int8");
        Map<String, Long> floatFiles = vectorBytes(floatPath);
        Map<String, Long> int8Files = vectorBytes(int8Path);
        long floatVectorBytes = total(floatFiles);
        long int8VectorBytes = total(int8Files);
        log.info("recall@{} over {} queries: float32={} int8={}; vector file bytes float32={} {} int8={} {};"
                        + " collection bytes float32={} int8={}", K, QUERIES, floatRecall, int8Recall, floatVectorBytes,
                floatFiles, int8VectorBytes, int8Files, floatCollectionBytes, int8CollectionBytes);
        // Measured: float32 1.0, int8 0.982 (seeded data, so stable); the bounds leave a little slack.
        assertThat(floatRecall).isGreaterThanOrEqualTo(0.98);
        assertThat(int8Recall).isGreaterThanOrEqualTo(0.95);
        // What the int8 graph search reads per vector (quantised file) is about a quarter of the raw floats.
        long rawFloats = (long) DOCS * DIM * Float.BYTES;
        assertThat(int8Files.get("veq")).isBetween(rawFloats / 4, rawFloats / 3);
        // INT8 stores the floats plus one byte per dimension (and a few correction floats) per vector.
        assertThat(floatVectorBytes).isGreaterThan(rawFloats);
        assertThat(int8VectorBytes - floatVectorBytes).isBetween((long) DOCS * DIM, (long) DOCS * DIM * 2);

        assertThat(segmentFormats(floatPath)).containsExactly(Lucene99HnswVectorsFormat.class.getSimpleName());
        assertThat(segmentFormats(int8Path)).containsExactly(Lucene104HnswScalarQuantizedVectorsFormat.NAME);

        // Reopened, the collection is still INT8 and writes new segments (and merges) quantised.
        try (LuceneCollectionStore store = new LuceneCollectionStore(root.resolve("recall"))) {
            SearchCollection int8 = store.getOrCreate("int8", SCHEMA, STAMP, VectorEncoding.FLOAT32);
            assertThat(int8.vectorEncoding()).isEqualTo(VectorEncoding.INT8);
            assertThat(store.list()).filteredOn(info -> info.name().equals("int8")).singleElement()
                    .satisfies(info -> assertThat(info.documentCount()).isEqualTo(DOCS));
            float[] extra = Fixtures.unitGaussian(new Random(7), DIM);
            int8.upsert(List.of(doc("extra", "extra", "extra", null, extra)));
            int8.commit();
            assertThat(int8.search(VectorQuery.of(extra, 1, 100))).extracting(ScoredId::id).containsExactly("extra");
            assertThat(int8.vectors(List.of("extra")).get("extra")).containsExactly(extra);
        }
        assertThat(segmentFormats(int8Path)).containsExactly(Lucene104HnswScalarQuantizedVectorsFormat.NAME);
    }

    @Test
    void vectorsByIdAreTheExactFloatsWrittenInIdOrder() {
        for (VectorEncoding encoding : VectorEncoding.values()) {
            try (LuceneCollectionStore store = new LuceneCollectionStore(root.resolve("byid-" + encoding.label()))) {
                SearchCollection collection = store.getOrCreate("docs", SCHEMA, STAMP, encoding);
                List<EmbeddedDocument> docs = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    docs.add(doc("v" + i, "t", "x", null, vectors[i]));
                }
                collection.upsert(docs.subList(0, 150));
                collection.commit(); // two segments, so the lookup spans them
                collection.upsert(docs.subList(150, 300));
                float[] replaced = vectors[4_000];
                collection.upsert(List.of(doc("v3", "t", "x", null, replaced))); // replaces v3 of the first segment
                collection.commit();

                Map<String, float[]> found = collection.vectors(Arrays.asList("v299", "missing", "v3", null, "v0",
                        "v299", "v150"));
                assertThat(found.keySet()).as(encoding.label()).containsExactly("v299", "v3", "v0", "v150");
                assertThat(found.get("v299")).containsExactly(vectors[299]);
                assertThat(found.get("v3")).containsExactly(replaced);
                assertThat(found.get("v0")).containsExactly(vectors[0]);
                assertThat(found.get("v150")).containsExactly(vectors[150]);
                // Copies: changing one does not change the next read.
                found.get("v0")[0] = 42f;
                assertThat(collection.vectors(List.of("v0")).get("v0")).containsExactly(vectors[0]);
                assertThat(collection.vectors(List.of())).isEmpty();
                // A reference whose position is not that document's (e.g. from another view) is looked up by id.
                try (dev.mmsearch.core.CollectionView view = collection.openView()) {
                    Map<String, float[]> byRef = view.vectors(List.of(new dev.mmsearch.core.DocRef("v3", 0),
                            new dev.mmsearch.core.DocRef("v299", Integer.MAX_VALUE)));
                    assertThat(byRef.keySet()).containsExactly("v3", "v299");
                    assertThat(byRef.get("v3")).containsExactly(replaced);
                    assertThat(byRef.get("v299")).containsExactly(vectors[299]);
                }
                assertThatThrownBy(() -> collection.vectors(null)).isInstanceOf(NullPointerException.class);
            }
        }
    }

    @Test
    void commitMetadataWithoutAnEncodingIsFloat32AndAnUnknownOneIsDamage() {
        java.time.Instant now = java.time.Instant.now();
        Map<String, String> data = new LinkedHashMap<>(CommitMetadata.created(STAMP, SCHEMA, now,
                VectorEncoding.INT8).toUserData());
        assertThat(data).containsEntry(CommitMetadata.VECTOR_ENCODING, "INT8");
        assertThat(CommitMetadata.fromUserData("c", root, data).vectorEncoding()).isEqualTo(VectorEncoding.INT8);
        data.remove(CommitMetadata.VECTOR_ENCODING);
        assertThat(CommitMetadata.fromUserData("c", root, data).vectorEncoding()).isEqualTo(VectorEncoding.FLOAT32);
        data.put(CommitMetadata.VECTOR_ENCODING, "INT3");
        assertThatThrownBy(() -> CommitMetadata.fromUserData("c", root, data))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
                .hasMessageContaining("damaged mmsearch metadata").hasMessageContaining("INT3");
    }

    @Test
    void encodingsParseFromOptions() {
        assertThat(VectorEncoding.parse("int8")).isEqualTo(VectorEncoding.INT8);
        assertThat(VectorEncoding.parse(" FLOAT32 ")).isEqualTo(VectorEncoding.FLOAT32);
        assertThat(VectorEncoding.parse("INT4")).isEqualTo(VectorEncoding.INT4);
        assertThat(VectorEncoding.parse("int1")).isEqualTo(VectorEncoding.INT1);
        assertThatThrownBy(() -> VectorEncoding.parse("int3")).isInstanceOf(MmsearchException.class)
                .hasMessageContaining("use float32, int8, int4 or int1");
    }
}
