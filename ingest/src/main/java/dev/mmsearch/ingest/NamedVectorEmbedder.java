package dev.mmsearch.ingest;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.EncoderProvider;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.ImageRoots;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.VectorField;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Adds each document's {@link VectorField named vectors} to what the main embedder gives: for every field, the inputs
 * of the batch's documents that have one are embedded in one call through that field's own model. A document with no
 * input for a field has no vector there. Each field's model must still be the one its stamp names (a changed model
 * file is MODEL_MISMATCH before anything is embedded).
 */
final class NamedVectorEmbedder extends ForwardingDocumentEmbedder {
    private final Map<VectorField, DocumentEmbedder> fields;

    private NamedVectorEmbedder(DocumentEmbedder main, Map<VectorField, DocumentEmbedder> fields) {
        super(main);
        this.fields = fields;
    }

    /**
     * {@code main} with the named vectors of {@code schema} embedded by {@code encoders}; {@code main} itself when the
     * schema has none. Image fields read their files from {@code roots} (null: image vector fields are refused).
     *
     * @throws MmsearchException MODEL_NOT_FOUND, or MODEL_MISMATCH when a field's model is not the one it was created
     *                           with; INVALID_ARGUMENT for an image field without image roots
     */
    static DocumentEmbedder of(DocumentEmbedder main, String collection, CollectionSchema schema,
                               EncoderProvider encoders, ImageRoots roots, long maxImageBytes) {
        Objects.requireNonNull(main, "main");
        if (schema.vectors().isEmpty()) {
            return main;
        }
        Objects.requireNonNull(encoders, "encoders");
        Map<VectorField, DocumentEmbedder> fields = new LinkedHashMap<>();
        for (VectorField field : schema.vectors()) {
            DocumentEmbedder embedder;
            if (field.isImage()) {
                if (roots == null) {
                    throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "vector field '" + field.name()
                            + "' of collection '" + collection + "' embeds images, which this write path cannot read"
                            + " (no image roots)");
                }
                embedder = DocumentEmbedder.image(encoders.imageEncoder(field.stamp().modelId()),
                        CollectionSchema.images(field.imageField(), List.of(), List.of(), List.of()), roots,
                        maxImageBytes);
            } else {
                embedder = DocumentEmbedder.text(encoders.textEncoder(field.stamp().modelId()),
                        new CollectionSchema(field.embed(), List.of(), List.of()));
            }
            ModelStamp.requireCompatible(collection + "' vector field '" + field.name(), field.stamp(),
                    embedder.stamp());
            fields.put(field, embedder);
        }
        return new NamedVectorEmbedder(main, fields);
    }

    @Override
    public List<EmbeddedDocument> embedDocuments(List<Document> documents, List<String> inputs) {
        List<EmbeddedDocument> embedded = super.embedDocuments(documents, inputs);
        List<Map<String, float[]>> named = new ArrayList<>(documents.size());
        documents.forEach(d -> named.add(new HashMap<>()));
        fields.forEach((field, embedder) -> {
            List<Integer> at = new ArrayList<>();
            List<String> fieldInputs = new ArrayList<>();
            for (int i = 0; i < documents.size(); i++) {
                String input = field.input(documents.get(i));
                if (!input.isBlank()) {
                    at.add(i);
                    fieldInputs.add(input);
                }
            }
            if (fieldInputs.isEmpty()) {
                return;
            }
            float[][] vectors = embedder.embed(fieldInputs);
            if (vectors.length != fieldInputs.size()) {
                throw new MmsearchException(ErrorCode.INTERNAL, "vector field '" + field.name() + "': model "
                        + field.stamp().modelId() + " returned " + vectors.length + " vectors for "
                        + fieldInputs.size() + " inputs");
            }
            for (int j = 0; j < vectors.length; j++) {
                named.get(at.get(j)).put(field.name(), vectors[j]);
            }
        });
        List<EmbeddedDocument> out = new ArrayList<>(embedded.size());
        for (int i = 0; i < embedded.size(); i++) {
            out.add(embedded.get(i).withNamed(named.get(i)));
        }
        return out;
    }
}
