package dev.mmsearch.retrieval;

import dev.mmsearch.core.CollectionView;
import dev.mmsearch.core.DocRef;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.SearchCollection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one request needs and produces on its way through a {@link Pipeline}: the query, the collection, the
 * query encoders, the query text after qp, the query vector (resolved and encoded at most once per request, however
 * many recalls use it) and the {@link Trace}. Created per request and discarded with it; the shared, immutable
 * stages keep their per-request state here.
 *
 * <p>Single-threaded: one request's stages, recalls included, run one after the other on the thread that called
 * {@link Pipeline#execute}, so the fields are plain (no locks, no volatile). A stage that fans work out to other
 * threads must hand them what they need, not this context.
 *
 * <p>The context owns the request's one {@link CollectionView} ({@link #view()}): every stage reads the collection
 * through it, so recall, rank and summary see one point in time of the collection. It is opened on first use and
 * closed by {@link #close()}, which whoever created the context calls when the request is done.
 */
public final class RequestContext implements AutoCloseable {
    private final SearchQuery query;
    private final SearchCollection collection;
    private final QueryEncoders encoders;
    private final Trace trace;
    /** Resolved encoders by the model a recall asked for ("" = the request's model), usually one. */
    private final Map<String, QueryEncoder> resolved = new HashMap<>(2);
    private final Map<QueryEncoder, float[]> vectors = new HashMap<>(2);
    private String queryText;
    private CollectionView view;

    /**
     * @throws MmsearchException MODEL_MISMATCH when the query names a model the collection cannot be searched with,
     *                           before any stage runs (even one that embeds nothing)
     */
    public RequestContext(SearchQuery query, SearchCollection collection, QueryEncoders encoders) {
        this.query = Objects.requireNonNull(query, "query");
        this.collection = Objects.requireNonNull(collection, "collection");
        this.encoders = Objects.requireNonNull(encoders, "encoders");
        if (!collection.name().equals(query.collection())) {
            throw new IllegalArgumentException("query is for collection '" + query.collection()
                    + "' but the context holds collection '" + collection.name() + "'");
        }
        this.trace = new Trace(query.debug());
        this.queryText = query.text();
        if (query.model() != null && query.image() == null) {
            encoder(null, query.vectorField());
        }
    }

    public SearchQuery query() {
        return query;
    }

    /**
     * The request's point-in-time view of the collection, opened on first use; the same view for every later call
     * until {@link #close()}.
     */
    public CollectionView view() {
        if (view == null) {
            view = collection.openView();
        }
        return view;
    }

    /** Closes the request's view, if one was opened. Idempotent. */
    @Override
    public void close() {
        if (view != null) {
            view.close();
            view = null;
        }
    }

    public SearchCollection collection() {
        return collection;
    }

    public Trace trace() {
        return trace;
    }

    /** The query text recalls and highlighting use: the qp stage's rewrite once it ran, the raw text before. */
    public String queryText() {
        return queryText;
    }

    void queryText(String rewritten) {
        this.queryText = rewritten;
    }

    /** The query vector of this request: {@link #queryVector(String)} with the request's model. */
    public float[] queryVector() {
        return queryVector(null);
    }

    /**
     * The query embedded as {@link QueryEncoders#resolve} decides (the query image's tower or stored vector when
     * there is one, else the query text through the request's model, or through {@code model} when a recall names
     * one); encoded on first use and memoised for the rest of the request.
     *
     * @param model a recall's own model, or null for the request's
     * @throws MmsearchException MODEL_MISMATCH when that model lives in another vector space than the collection;
     *                           NOT_FOUND when "find similar" names a document the collection does not have
     */
    public float[] queryVector(String model) {
        return queryVector(model, null);
    }

    /**
     * {@link #queryVector(String)} for the named vector field {@code field} (null: the main vector), embedded by that
     * field's model ({@link QueryEncoders#resolve(SearchCollection, SearchQuery, String, String)}).
     */
    public float[] queryVector(String model, String field) {
        QueryEncoder encoder = encoder(model, field);
        float[] vector = vectors.get(encoder);
        if (vector == null) {
            vector = encode(encoder);
            vectors.put(encoder, vector);
        }
        return vector;
    }

    private QueryEncoder encoder(String model, String field) {
        String key = (model == null ? "" : model) + "\u0000" + (field == null ? "" : field);
        QueryEncoder encoder = resolved.get(key);
        if (encoder == null) {
            encoder = encoders.resolve(collection, query, model, field);
            resolved.put(key, encoder);
        }
        return encoder;
    }

    private float[] encode(QueryEncoder encoder) {
        long start = System.nanoTime();
        return switch (encoder) {
            case QueryEncoder.Stored(String documentId) -> {
                float[] stored = view().vectors(List.of(DocRef.of(documentId))).get(documentId);
                if (stored == null) {
                    throw new MmsearchException(ErrorCode.NOT_FOUND, "collection '" + collection.name()
                            + "' has no document '" + documentId + "' to search similar images for");
                }
                trace.time("vector", start);
                yield stored;
            }
            case QueryEncoder.Image(var tower, byte[] bytes) -> {
                float[] vector = tower.encodeImage(bytes);
                trace.time("encode", start);
                yield vector;
            }
            case QueryEncoder.Text(var tower) -> {
                float[] vector = tower.encodeQuery(queryText);
                trace.time("encode", start);
                yield vector;
            }
            case QueryEncoder.Mix(var parts) -> mixed(parts);
        };
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }

    /** The unit-length weighted sum of the parts' unit vectors (a text part embeds its own text). */
    private float[] mixed(List<QueryEncoder.Mix.Part> parts) {
        float[] sum = null;
        for (QueryEncoder.Mix.Part part : parts) {
            float[] vector;
            if (part.encoder() instanceof QueryEncoder.Text(var tower)) {
                long start = System.nanoTime();
                vector = tower.encodeQuery(part.text());
                trace.time("encode", start);
            } else {
                vector = encode(part.encoder());
            }
            double norm = Math.sqrt(dot(vector, vector));
            if (sum == null) {
                sum = new float[vector.length];
            }
            for (int i = 0; i < sum.length; i++) {
                sum[i] += (float) (part.weight() * vector[i] / norm);
            }
        }
        double norm = Math.sqrt(dot(sum, sum));
        if (!(norm > 1e-6)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "the query parts' weights cancel out (their"
                    + " weighted sum has no direction); change a weight");
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] = (float) (sum[i] / norm);
        }
        return sum;
    }
}
