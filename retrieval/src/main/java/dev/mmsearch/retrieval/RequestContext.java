package dev.mmsearch.retrieval;

import dev.mmsearch.core.CollectionView;
import dev.mmsearch.core.DocRef;
import dev.mmsearch.core.EncoderProvider;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.ImageEncoder;
import dev.mmsearch.core.TextEncoder;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything one request needs and produces on its way through a {@link Pipeline}: the query,
 * the collection, the encoders, the query text after qp, the query vector per model (encoded at
 * most once per request, however many recalls use it) and the {@link Trace}. Created per request
 * and discarded with it; the shared, immutable stages keep their per-request state here.
 *
 * <p>The context owns the request's one {@link CollectionView} ({@link #view()}): every stage reads the collection
 * through it, so recall, rank and summary see one point in time of the collection. It is opened on first use and
 * closed by {@link #close()}, which whoever created the context calls when the request is done.
 */
public final class RequestContext implements AutoCloseable {
    private final SearchQuery query;
    private final SearchCollection collection;
    private final EncoderProvider encoders;
    private final Trace trace;
    private final Map<String, float[]> vectors = new ConcurrentHashMap<>();
    private volatile String queryText;
    private volatile List<String> recallNames = List.of();
    private CollectionView view;

    public RequestContext(SearchQuery query, SearchCollection collection, EncoderProvider encoders) {
        this.query = Objects.requireNonNull(query, "query");
        this.collection = Objects.requireNonNull(collection, "collection");
        this.encoders = Objects.requireNonNull(encoders, "encoders");
        if (!collection.name().equals(query.collection())) {
            throw new IllegalArgumentException("query is for collection '" + query.collection()
                    + "' but the context holds collection '" + collection.name() + "'");
        }
        this.trace = new Trace(query.debug());
        this.queryText = query.text();
    }

    public SearchQuery query() {
        return query;
    }

    public SearchCollection collection() {
        return collection;
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

    public EncoderProvider encoders() {
        return encoders;
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

    /** Names of the recalls of this request's pipeline, in configuration order (fusion stages rank over these). */
    public List<String> recallNames() {
        return recallNames;
    }

    void recallNames(List<String> names) {
        this.recallNames = List.copyOf(names);
    }

    /**
     * The query embedded with {@code modelId}: the query image when there is one (uploaded: the model's image tower;
     * an indexed document: its stored vector), else the query text; encoded on first use and memoised for the rest of the
     * request. The model must be the collection's, or a text tower aligned to it (same stamp).
     *
     * @throws MmsearchException MODEL_MISMATCH when the model is not the one the collection was built with
     */
    public float[] queryVector(String modelId) {
        ModelStamp stamp = collection.stamp();
        if (!stamp.modelId().equals(modelId)) {
            if (query.image() != null) {
                modelId = stamp.modelId(); // images are embedded by the collection's own model (its image tower)
            } else if (!encoders.textEncoder(modelId).stamp().compatibleWith(stamp)) {
                // Only a text tower aligned to the collection's model (e.g. a multilingual tower for a CLIP
                // collection) reports the collection's stamp; any other model lives in another vector space.
                throw new MmsearchException(ErrorCode.MODEL_MISMATCH, "collection '" + collection.name()
                        + "' was built with model " + stamp.describe() + " but the recall asked for model '"
                        + modelId + "'; search it with " + stamp.modelId() + ", a text tower aligned to it, or"
                        + " re-index it");
            }
        }
        return vectors.computeIfAbsent(modelId, id -> {
            long start = System.nanoTime();
            QueryImage image = query.image();
            if (image != null && image.documentId() != null) {
                // "Find similar": the indexed document's own vector is the query; nothing to encode.
                float[] stored = view().vectors(List.of(DocRef.of(image.documentId()))).get(image.documentId());
                if (stored == null) {
                    throw new MmsearchException(ErrorCode.NOT_FOUND, "collection '" + collection.name()
                            + "' has no document '" + image.documentId() + "' to search similar images for");
                }
                trace.time("vector", start);
                return stored;
            }
            if (image != null) {
                ImageEncoder imageEncoder = encoders.imageEncoder(id);
                ModelStamp.requireCompatible(collection.name(), stamp, imageEncoder.stamp());
                float[] vector = imageEncoder.encodeImage(image.bytes());
                trace.time("encode", start);
                return vector;
            }
            TextEncoder encoder = encoders.textEncoder(id);
            ModelStamp.requireCompatible(collection.name(), stamp, encoder.stamp());
            float[] vector = encoder.encodeQuery(queryText);
            trace.time("encode", start);
            return vector;
        });
    }
}
