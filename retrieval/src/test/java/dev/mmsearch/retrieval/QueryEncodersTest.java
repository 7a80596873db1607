package dev.mmsearch.retrieval;

import dev.mmsearch.core.EncoderProvider;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.ImageEncoder;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.core.VectorSimilarity;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The one query-encoder resolution ({@link QueryEncoders#resolve}) and how a {@link RequestContext} uses it: the
 * collection's own model, an aligned text tower, another model (MODEL_MISMATCH), an image (the collection's image
 * tower), "find similar" (the stored vector), over the 4-d test collection stamped {@code test-4d}.
 */
class QueryEncodersTest {
    /** Another checksum under the collection's model id: vectors from another export of "the same" model. */
    static final ModelStamp RETRAINED = new ModelStamp(TestCollections.STAMP.modelId(), "1".repeat(64), 4,
            VectorSimilarity.COSINE);
    static final ModelStamp OTHER = new ModelStamp("other-4d", "2".repeat(64), 4, VectorSimilarity.COSINE);

    @TempDir
    static Path dir;
    static LuceneCollectionStore store;
    static SearchCollection collection;

    @BeforeAll
    static void open() {
        store = new LuceneCollectionStore(dir);
        collection = TestCollections.create(store);
    }

    @AfterAll
    static void close() {
        store.close();
    }

    /** Text encoders by model id with fixed vectors; records which models were asked for and each encoding. */
    static final class FakeEncoders implements EncoderProvider {
        final Map<String, ModelStamp> stamps;
        final List<String> loaded = new ArrayList<>();
        final List<String> encoded = new ArrayList<>();

        FakeEncoders(Map<String, ModelStamp> stamps) {
            this.stamps = stamps;
        }

        @Override
        public TextEncoder textEncoder(String modelId) {
            loaded.add(modelId);
            ModelStamp stamp = stamps.get(modelId);
            if (stamp == null) {
                throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "no model " + modelId);
            }
            return new TextEncoder() {
                public ModelStamp stamp() {
                    return stamp;
                }

                public int maxSequenceLength() {
                    return 16;
                }

                public float[][] encodeQueries(List<String> queries) {
                    encoded.add(modelId + ":" + queries.getFirst());
                    return new float[][]{{1, 0, 0, modelId.length()}};
                }

                public float[][] encodeDocuments(List<String> documents) {
                    throw new UnsupportedOperationException();
                }

                public int countTokens(String text) {
                    return 1;
                }

                public void close() {
                }
            };
        }

        @Override
        public ImageEncoder imageEncoder(String modelId) {
            loaded.add("image:" + modelId);
            ModelStamp stamp = stamps.get(modelId);
            return new ImageEncoder() {
                public ModelStamp stamp() {
                    return stamp;
                }

                public float[][] encodeImages(List<byte[]> images) {
                    encoded.add("image:" + modelId + ":" + images.getFirst().length);
                    return new float[][]{{0, 1, 0, 0}};
                }

                public void close() {
                }
            };
        }

        @Override
        public List<String> modelIds() {
            return List.copyOf(stamps.keySet());
        }

        @Override
        public void close() {
        }
    }

    static FakeEncoders encoders() {
        return new FakeEncoders(Map.of("test-4d", TestCollections.STAMP, "aligned-zh", TestCollections.STAMP,
                "other-4d", OTHER));
    }

    static SearchQuery text(String words) {
        return SearchQuery.of(TestCollections.NAME, words, 5);
    }

    static SearchQuery image(QueryImage image) {
        return new SearchQuery(TestCollections.NAME, "", 5, 0, null, null, false, Map.of(), null, image, null, null);
    }

    static void assertMismatch(Runnable call, String... inMessage) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(MmsearchException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.MODEL_MISMATCH)).message().contains(inMessage);
    }

    @Test
    void aQueryNamingNoModelUsesTheCollectionsOwnModel() {
        FakeEncoders fake = encoders();
        QueryEncoder encoder = new QueryEncoders(fake).resolve(collection, text("cats"), null);
        assertThat(encoder).isInstanceOfSatisfying(QueryEncoder.Text.class,
                t -> assertThat(t.encoder().stamp()).isEqualTo(TestCollections.STAMP));
        assertThat(fake.loaded).containsExactly("test-4d");
        // Naming the collection's model is the same.
        assertThat(new QueryEncoders(fake).resolve(collection, text("cats").withModel("test-4d"), null))
                .isInstanceOf(QueryEncoder.Text.class);
    }

    @Test
    void anAlignedTextTowerStandsInForTheCollectionsTextEncoder() {
        FakeEncoders fake = encoders();
        QueryEncoder encoder = new QueryEncoders(fake).resolve(collection, text("猫").withModel("aligned-zh"), null);
        assertThat(encoder).isInstanceOf(QueryEncoder.Text.class);
        assertThat(fake.loaded).containsExactly("aligned-zh");
    }

    @Test
    void anotherModelIsAModelMismatchNamingBothModels() {
        QueryEncoders encoders = new QueryEncoders(encoders());
        assertMismatch(() -> encoders.resolve(collection, text("cats").withModel("other-4d"), null),
                "'docs'", "test-4d", "'other-4d'", "the request asked");
        // A recall's own model goes through the same rule, and the message says who asked.
        assertMismatch(() -> encoders.resolve(collection, text("cats"), "other-4d"), "test-4d", "the recall asked");
    }

    @Test
    void theCollectionsModelIdWithAnotherChecksumIsAModelMismatch() {
        QueryEncoders encoders = new QueryEncoders(new FakeEncoders(Map.of("test-4d", RETRAINED)));
        assertMismatch(() -> encoders.resolve(collection, text("cats"), null), "sha256:000000000000",
                "sha256:111111111111");
    }

    @Test
    void theAlignmentHintRefusesAModelWithoutLoadingIt() {
        FakeEncoders fake = encoders();
        QueryEncoders hinted = new QueryEncoders(fake, (model, stamp) -> model.equals("aligned-zh")
                && stamp.equals(TestCollections.STAMP));
        assertMismatch(() -> hinted.resolve(collection, text("cats").withModel("other-4d"), null), "'other-4d'");
        assertThat(fake.loaded).isEmpty();
        assertThat(hinted.resolve(collection, text("猫").withModel("aligned-zh"), null)).isInstanceOf(QueryEncoder.Text.class);
    }

    @Test
    void anUploadedImageUsesTheImageTowerOfTheCollectionsModelWhateverTextModelIsNamed() {
        FakeEncoders fake = encoders();
        SearchQuery image = new SearchQuery(TestCollections.NAME, "", 5, 0, null, null, false, Map.of(), null,
                QueryImage.upload(new byte[]{1, 2, 3}), "aligned-zh", null);
        QueryEncoder encoder = new QueryEncoders(fake).resolve(collection, image, null);
        assertThat(encoder).isInstanceOfSatisfying(QueryEncoder.Image.class,
                i -> assertThat(i.encoder().stamp()).isEqualTo(TestCollections.STAMP));
        assertThat(fake.loaded).containsExactly("image:test-4d");
    }

    @Test
    void anImageTowerOfAnotherModelIsAModelMismatch() {
        QueryEncoders encoders = new QueryEncoders(new FakeEncoders(Map.of("test-4d", RETRAINED)));
        SearchQuery image = image(QueryImage.upload(new byte[]{1}));
        assertMismatch(() -> encoders.resolve(collection, image, null), "'docs'", "sha256:111111111111");
    }

    @Test
    void findSimilarUsesTheStoredVectorAndLoadsNoModel() {
        FakeEncoders fake = encoders();
        QueryEncoders encoders = new QueryEncoders(fake);
        SearchQuery similar = image(QueryImage.similarTo("cat1"));
        assertThat(encoders.resolve(collection, similar, null)).isEqualTo(new QueryEncoder.Stored("cat1"));
        RequestContext context = new RequestContext(similar, collection, encoders);
        assertThat(context.queryVector()).isEqualTo(collection.vectors(List.of("cat1")).get("cat1"));
        assertThat(context.trace().timingsMs()).containsKey("vector").doesNotContainKey("encode");
        assertThat(fake.loaded).isEmpty();
        RequestContext missing = new RequestContext(image(QueryImage.similarTo("nope")), collection, encoders);
        assertThatThrownBy(missing::queryVector).isInstanceOfSatisfying(MmsearchException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND)).hasMessageContaining("'nope'");
    }

    @Test
    void aRequestEncodesItsQueryOnceHoweverManyStagesAskAndARecallModelGetsItsOwnVector() {
        FakeEncoders fake = encoders();
        RequestContext context = new RequestContext(text("cats"), collection, new QueryEncoders(fake));
        float[] first = context.queryVector();
        assertThat(context.queryVector()).isSameAs(first);
        assertThat(context.queryVector(null)).isSameAs(first);
        assertThat(fake.encoded).containsExactly("test-4d:cats");
        float[] aligned = context.queryVector("aligned-zh");
        assertThat(aligned).isNotEqualTo(first);
        assertThat(context.queryVector("aligned-zh")).isSameAs(aligned);
        assertThat(fake.encoded).containsExactly("test-4d:cats", "aligned-zh:cats");
    }

    @Test
    void aRequestNamingAWrongModelIsRefusedBeforeAnyStageRunsButNamingNoneLoadsNothingUpFront() {
        FakeEncoders fake = encoders();
        QueryEncoders encoders = new QueryEncoders(fake);
        assertMismatch(() -> new RequestContext(text("cats").withModel("other-4d"), collection, encoders), "'other-4d'");
        fake.loaded.clear();
        new RequestContext(text("cats"), collection, encoders); // a BM25-only pipeline never needs a model
        assertThat(fake.loaded).isEmpty();
    }
}
