package dev.mmsearch.retrieval;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.EncoderProvider;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.core.VectorSimilarity;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small real Lucene collection for the unit tests of BM25 recall, fusion, MMR, summary and
 * paging. Its vectors are fixed 4-d values stamped as model {@code test-4d} (no encoder exists for
 * it, so vector recall is exercised in the integration tests with a real model).
 */
final class TestCollections {
    static final String NAME = "docs";
    static final ModelStamp STAMP = new ModelStamp("test-4d", "0".repeat(64), 4, VectorSimilarity.COSINE);
    static final CollectionSchema SCHEMA = new CollectionSchema("{title}. {text}", List.of("title", "text"),
            List.of("category"), List.of("year"));

    private TestCollections() {
    }

    /**
     * 24 "generic" documents all containing the word {@code common}, in 6 groups of 4 with identical
     * text (so BM25 ties within a group: ids g00..g03 score alike, g04..g07 alike, ...), plus
     * two near-duplicate cat notes, a dog note and an energy note.
     */
    static SearchCollection create(LuceneCollectionStore store) {
        SearchCollection collection = store.getOrCreate(NAME, SCHEMA, STAMP);
        List<EmbeddedDocument> docs = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            int group = i / 4;
            String text = "common " + "filler ".repeat(group) + "words";
            docs.add(doc(String.format("g%02d", i), "Generic note " + group, text, i % 2 == 0 ? "even" : "odd", 2000 + i));
        }
        docs.add(doc("cat1", "Cats at home", "Cats are small domestic animals that sleep a lot and purr.", "pets", 2020));
        docs.add(doc("cat2", "Cats at home again", "Cats are small domestic animals that sleep a lot and purr loudly.", "pets", 2021));
        docs.add(doc("dog1", "Dogs and cats", "Dogs are loyal animals; some dogs chase cats in the garden.", "pets", 2022));
        docs.add(doc("sun1", "Solar power", "Solar panels convert sunlight into electricity for homes.", "energy", 2019));
        collection.upsert(docs);
        collection.commit();
        return collection;
    }

    private static EmbeddedDocument doc(String id, String title, String text, String category, int year) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", title);
        fields.put("text", text);
        fields.put("category", category);
        fields.put("year", year);
        int h = Math.abs(id.hashCode());
        float[] vector = {1 + h % 7, 1 + h % 5, 1 + h % 3, 1};
        return new EmbeddedDocument(new Document(id, fields), vector);
    }

    /** An encoder provider that knows no model: BM25-only pipelines never ask it for one. */
    static EncoderProvider noEncoders() {
        return new EncoderProvider() {
            @Override
            public TextEncoder textEncoder(String modelId) {
                throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "no encoders in this test: " + modelId);
            }

            @Override
            public List<String> modelIds() {
                return List.of();
            }

            @Override
            public void close() {
            }
        };
    }

    static RequestContext context(SearchCollection collection, SearchQuery query) {
        return new RequestContext(query, collection, new QueryEncoders(noEncoders()));
    }
}
