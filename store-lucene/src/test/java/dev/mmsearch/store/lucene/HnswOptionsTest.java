package dev.mmsearch.store.lucene;

import static dev.mmsearch.store.lucene.Fixtures.DIM;
import static dev.mmsearch.store.lucene.Fixtures.SCHEMA;
import static dev.mmsearch.store.lucene.Fixtures.STAMP_A;
import static dev.mmsearch.store.lucene.Fixtures.doc;
import static dev.mmsearch.store.lucene.Fixtures.unitGaussian;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.HnswOptions;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.VectorEncoding;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.hnsw.HnswGraphProvider;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A collection's HNSW options reach the graph Lucene builds (read back from the merged segment: the largest
 * level-0 degree, which Lucene caps at {@code 2 * m}) and survive a reopen, for both encodings.
 */
class HnswOptionsTest {
    @TempDir
    Path tmp;

    @Test
    void theGraphIsBuiltWithTheCollectionsMAndTheOptionsSurviveAReopen() throws Exception {
        for (VectorEncoding encoding : VectorEncoding.values()) {
            int narrow = maxLevel0Degree(build(tmp.resolve("narrow-" + encoding.label()), HnswOptions.DEFAULT,
                    encoding));
            HnswOptions wide = new HnswOptions(48, 120);
            Path widePath = tmp.resolve("wide-" + encoding.label());
            int wideDegree = maxLevel0Degree(build(widePath, wide, encoding));
            assertThat(narrow).as(encoding + " default m=16").isLessThanOrEqualTo(32).isGreaterThan(16);
            assertThat(wideDegree).as(encoding + " m=48").isGreaterThan(32).isLessThanOrEqualTo(96);

            LuceneCollection reopened = LuceneCollection.open("wide", widePath);
            try {
                assertThat(reopened.schema().hnsw()).isEqualTo(wide);
                assertThat(reopened.vectorEncoding()).isEqualTo(encoding);
                // New segments after a reopen are written with the same options.
                reopened.upsert(documents(200, 7));
                reopened.commit();
                reopened.optimize();
            } finally {
                reopened.close();
            }
            assertThat(maxLevel0Degree(widePath)).as(encoding + " m=48 after reopen and merge").isGreaterThan(32);
        }
    }

    @Test
    void optionsOutOfLucenesBoundsAreRefusedWithTheirRange() {
        assertThatThrownBy(() -> new HnswOptions(1, 100)).isInstanceOf(MmsearchException.class)
                .hasMessageContaining("between 2 and 512").extracting(e -> ((MmsearchException) e).code())
                .isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThatThrownBy(() -> new HnswOptions(513, 100)).hasMessageContaining("got 513");
        assertThatThrownBy(() -> new HnswOptions(16, 0)).hasMessageContaining("beamWidth must be between 1 and 3200");
        assertThatThrownBy(() -> new HnswOptions(16, 3201)).hasMessageContaining("got 3201");
        assertThat(SCHEMA.hnsw()).isEqualTo(HnswOptions.DEFAULT);
        // The stored form: round trip, absent = the defaults, anything else a clear error.
        HnswOptions wide = new HnswOptions(48, 120);
        assertThat(wide.toJson().toString()).isEqualTo("{\"m\":48,\"beamWidth\":120}");
        assertThat(HnswOptions.fromJson(wide.toJson())).isEqualTo(wide);
        assertThat(HnswOptions.fromJson(null)).isEqualTo(HnswOptions.DEFAULT);
        assertThatThrownBy(() -> HnswOptions.fromJson(dev.mmsearch.core.Json.MAPPER.readTree("{\"m\": \"wide\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("are not {\"m\": N");
    }

    private static Path build(Path path, HnswOptions options, VectorEncoding encoding) {
        LuceneCollection collection = LuceneCollection.create("c", path, SCHEMA.withHnsw(options), STAMP_A, encoding);
        try {
            collection.upsert(documents(3_000, 1));
            collection.commit();
            collection.optimize();
        } finally {
            collection.close();
        }
        return path;
    }

    private static List<EmbeddedDocument> documents(int n, long seed) {
        Random random = new Random(seed);
        List<EmbeddedDocument> docs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            docs.add(doc("d" + seed + "-" + i, "t", "text", null, unitGaussian(random, DIM)));
        }
        return docs;
    }

    /** The most neighbours any node has on level 0 of the (one) segment's graph. */
    private static int maxLevel0Degree(Path path) throws Exception {
        try (FSDirectory directory = FSDirectory.open(path); DirectoryReader reader = DirectoryReader.open(directory)) {
            assertThat(reader.leaves()).hasSize(1);
            KnnVectorsReader vectors = ((CodecReader) reader.leaves().getFirst().reader()).getVectorReader();
            if (vectors instanceof PerFieldKnnVectorsFormat.FieldsReader perField) {
                vectors = perField.getFieldReader(IndexLayout.VECTOR_FIELD);
            }
            HnswGraph graph = ((HnswGraphProvider) vectors).getGraph(IndexLayout.VECTOR_FIELD);
            int max = 0;
            HnswGraph.NodesIterator nodes = graph.getNodesOnLevel(0);
            while (nodes.hasNext()) {
                graph.seek(0, nodes.nextInt());
                int degree = 0;
                while (graph.nextNeighbor() != org.apache.lucene.search.DocIdSetIterator.NO_MORE_DOCS) {
                    degree++;
                }
                max = Math.max(max, degree);
            }
            return max;
        }
    }
}
