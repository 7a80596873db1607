package dev.mmsearch.store.lucene;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.VectorSimilarity;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Stamps, schemas and documents shared by the store tests. */
final class Fixtures {
    static final int DIM = 8;
    static final ModelStamp STAMP_A = new ModelStamp("model-alpha", "a1".repeat(32), DIM, VectorSimilarity.COSINE);
    static final ModelStamp STAMP_B = new ModelStamp("model-beta", "b2".repeat(32), DIM, VectorSimilarity.COSINE);
    static final CollectionSchema SCHEMA = new CollectionSchema("{title}. {text}", java.util.List.of("title", "text"),
            java.util.List.of("category"));

    private Fixtures() {
    }

    static EmbeddedDocument doc(String id, String title, String text, String category, float[] vector) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", title);
        fields.put("text", text);
        if (category != null) {
            fields.put("category", category);
        }
        return new EmbeddedDocument(new Document(id, fields), vector);
    }

    /** A document with a vector derived from its id, so tests need not invent one. */
    static EmbeddedDocument doc(String id, String title, String text) {
        return doc(id, title, text, null, vectorFor(id));
    }

    static float[] vectorFor(String seed) {
        return unitGaussian(new Random(seed.hashCode()), DIM);
    }

    static float[] unitGaussian(Random random, int dimension) {
        float[] v = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return normalize(v);
    }

    static float[] normalize(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (v[i] / norm);
        }
        return v;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
