package dev.mmsearch.retrieval;

import dev.mmsearch.core.EncoderProvider;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.ImageEncoder;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The encoders a node searches with, and the one rule for which of them may embed a query for a collection
 * ({@link #resolve}). Long-lived and thread-safe (one per engine); each request resolves its {@link QueryEncoder}
 * through it.
 */
public final class QueryEncoders {
    /**
     * Says, without loading a model, whether {@code modelId} may be a text tower aligned to {@code collectionModel}
     * (in-process: the model manifest names the CLIP model it was trained into). False refuses the model at once;
     * true lets {@link #resolve} load it and compare its stamp, which decides.
     */
    @FunctionalInterface
    public interface AlignmentHint {
        /** No hint: every model is loaded and its stamp compared (remote encoders). */
        AlignmentHint NONE = (modelId, collectionModel) -> true;

        boolean mayBeAligned(String modelId, ModelStamp collectionModel);
    }

    private final EncoderProvider encoders;
    private final AlignmentHint alignment;

    public QueryEncoders(EncoderProvider encoders) {
        this(encoders, AlignmentHint.NONE);
    }

    public QueryEncoders(EncoderProvider encoders, AlignmentHint alignment) {
        this.encoders = Objects.requireNonNull(encoders, "encoders");
        this.alignment = Objects.requireNonNull(alignment, "alignment");
    }

    public EncoderProvider encoders() {
        return encoders;
    }

    /**
     * The model-compatibility rule for query vectors, in one place. The stored vectors of {@code collection} live in
     * the space of its {@link ModelStamp}; a query vector must come from that space:
     * <ul>
     *   <li>"find similar" ({@code query.image()} names an indexed document): that document's stored vector;</li>
     *   <li>an uploaded image: the image tower of the collection's model (its stamp must be the collection's);</li>
     *   <li>text: {@code model} (a recall's {@code model} parameter), else the request's {@link SearchQuery#model()},
     *       else the collection's model; it must be the collection's model with the same stamp, or a text tower
     *       aligned to it (one that reports the collection's stamp, e.g. a Chinese tower for a CLIP collection).</li>
     * </ul>
     *
     * @param model a recall's own model, or null for the request's
     * @throws MmsearchException MODEL_MISMATCH naming both models when the model lives in another vector space;
     *                           MODEL_NOT_FOUND from the encoders when it is not there at all
     */
    public QueryEncoder resolve(SearchCollection collection, SearchQuery query, String model) {
        return resolve(collection, query, model, null);
    }

    /**
     * {@link #resolve(SearchCollection, SearchQuery, String)} for the {@link dev.mmsearch.core.VectorField named
     * vector field} {@code field} (null: the main vector): the same rule against that field's model.
     *
     * @throws MmsearchException INVALID_ARGUMENT for a field the collection does not have, or "find similar" on a
     *                           named field (it uses the document's main vector)
     */
    public QueryEncoder resolve(SearchCollection collection, SearchQuery query, String model, String field) {
        ModelStamp stamp = field == null ? collection.stamp() : collection.schema().vectorField(field).stamp();
        if (!query.mix().isEmpty()) {
            List<QueryEncoder.Mix.Part> parts = new ArrayList<>(query.mix().size());
            for (QueryPart part : query.mix()) {
                QueryEncoder encoder = part.image() != null ? image(collection, part.image(), stamp, field)
                        : text(collection, query, model, stamp, field);
                parts.add(new QueryEncoder.Mix.Part(encoder, part.text(), part.weight()));
            }
            return new QueryEncoder.Mix(parts);
        }
        if (query.image() != null) {
            return image(collection, query.image(), stamp, field);
        }
        return text(collection, query, model, stamp, field);
    }

    /** An uploaded image through the field's image tower, or "find similar" (the main vector only). */
    private QueryEncoder image(SearchCollection collection, QueryImage image, ModelStamp stamp, String field) {
        if (image.documentId() != null) {
            if (field != null) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "\"find similar\" searches with a document's"
                        + " main vector; it cannot search vector field '" + field + "' of collection '"
                        + collection.name() + "'");
            }
            return new QueryEncoder.Stored(image.documentId());
        }
        ImageEncoder tower = encoders.imageEncoder(stamp.modelId());
        ModelStamp.requireCompatible(collection.name(), stamp, tower.stamp());
        return new QueryEncoder.Image(tower, image.bytes());
    }

    /** Query text through the recall's, the request's or the field's own model (see {@link #resolve}). */
    private QueryEncoder text(SearchCollection collection, SearchQuery query, String model, ModelStamp stamp,
                              String field) {
        String asker = model != null ? "the recall" : "the request";
        String wanted = model != null ? model : query.model() != null ? query.model() : stamp.modelId();
        if (wanted.equals(stamp.modelId())) {
            TextEncoder own = encoders.textEncoder(wanted);
            ModelStamp.requireCompatible(collection.name(), stamp, own.stamp());
            return new QueryEncoder.Text(own);
        }
        TextEncoder other = alignment.mayBeAligned(wanted, stamp) ? encoders.textEncoder(wanted) : null;
        if (other == null || !other.stamp().compatibleWith(stamp)) {
            throw new MmsearchException(ErrorCode.MODEL_MISMATCH, "collection '" + collection.name()
                    + (field == null ? "'" : "' vector field '" + field + "'") + " was built with model "
                    + stamp.describe() + " but " + asker + " asked for model '" + wanted
                    + "'; search it with " + stamp.modelId() + " (or a text tower aligned to it) or re-index it");
        }
        return new QueryEncoder.Text(other);
    }
}
