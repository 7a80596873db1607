package dev.mmsearch.ingest;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.ImageEncoder;
import dev.mmsearch.core.ImageRoots;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.TextEncoder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What {@link Indexer} embeds for each document, and with which model: the schema's embed text through a text
 * encoder, or the image a field points at through an image encoder (CLIP). The indexer batches inputs, sorts them
 * by {@link #lengths}, and isolates inputs the model refuses (see {@link #isInputProblem}).
 */
public interface DocumentEmbedder {

    /** The model stamp the vectors belong to. */
    ModelStamp stamp();

    /** The input to embed for this document; empty when it has none (a bad record: {@link #emptyReason()}). */
    String input(Document document);

    /** Why a document with an empty {@link #input} is refused. */
    String emptyReason();

    /**
     * Sort keys for length-bucketed batches, one per input: the tokens the model will see for text (after truncation,
     * so all over-long texts sort together). Characters were a poor proxy: on SciFact, windows sorted by characters
     * padded 1.22 tokens per real token against 1.07 sorted by tokens (docs/benchmarks.md).
     */
    int[] lengths(List<String> inputs);

    /**
     * One vector per input, in order.
     *
     * @throws MmsearchException when an input is refused ({@link #isInputProblem}); the indexer then embeds the batch
     *                           one by one to report exactly the bad inputs
     */
    float[][] embed(List<String> inputs);

    /**
     * Embeds documents whose {@link #input}s are {@code inputs} (same order): one embedded document each. In a
     * collection with passages each document is split and every passage embedded ({@link #passageStats} counts them).
     *
     * @throws MmsearchException as {@link #embed}
     */
    default List<EmbeddedDocument> embedDocuments(List<Document> documents, List<String> inputs) {
        float[][] vectors = embed(inputs);
        if (vectors.length != documents.size()) {
            throw new MmsearchException(ErrorCode.INTERNAL, "embedder " + stamp().modelId() + " returned "
                    + vectors.length + " vectors for " + documents.size() + " inputs");
        }
        List<EmbeddedDocument> embedded = new ArrayList<>(documents.size());
        for (int i = 0; i < vectors.length; i++) {
            embedded.add(new EmbeddedDocument(documents.get(i), vectors[i]));
        }
        return embedded;
    }

    /** What splitting into passages did so far ({@link PassageStats#NONE} for an embedder that does not split). */
    default PassageStats passageStats() {
        return PassageStats.NONE;
    }

    /**
     * {@code main} plus the {@link dev.mmsearch.core.VectorField named vectors} of {@code schema}, each embedded by its
     * own model from {@code encoders} ({@link NamedVectorEmbedder}); {@code main} itself when the schema has none.
     * {@code roots} is where image fields' files are read (null: image vector fields are refused).
     */
    static DocumentEmbedder withNamedVectors(DocumentEmbedder main, String collection, CollectionSchema schema,
                                             dev.mmsearch.core.EncoderProvider encoders, ImageRoots roots,
                                             long maxImageBytes) {
        return NamedVectorEmbedder.of(main, collection, schema, encoders, roots, maxImageBytes);
    }

    /** Whether {@code e} blames the input (bad image, missing file, path outside the roots), not the model. */
    static boolean isInputProblem(MmsearchException e) {
        return Set.of(ErrorCode.INVALID_INPUT, ErrorCode.UNSUPPORTED_MEDIA_TYPE, ErrorCode.PAYLOAD_TOO_LARGE,
                ErrorCode.NOT_FOUND).contains(e.code());
    }

    /**
     * The schema's embed text through {@code encoder} (documents side); when the schema has
     * {@link CollectionSchema#passages() passages}, every passage's ({@link PassageSplitter}).
     */
    static DocumentEmbedder text(TextEncoder encoder, CollectionSchema schema) {
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(schema, "schema");
        DocumentEmbedder whole = wholeText(encoder, schema);
        return schema.hasPassages() ? new PassageEmbedder(whole, new PassageSplitter(encoder, schema)) : whole;
    }

    private static DocumentEmbedder wholeText(TextEncoder encoder, CollectionSchema schema) {
        return new DocumentEmbedder() {
            @Override
            public ModelStamp stamp() {
                return encoder.stamp();
            }

            @Override
            public String input(Document document) {
                return schema.embedText(document);
            }

            @Override
            public String emptyReason() {
                return "empty text to embed (template '" + schema.embedTemplate() + "' gives nothing for this document)";
            }

            @Override
            public int[] lengths(List<String> inputs) {
                return encoder.countTokens(inputs);
            }

            @Override
            public float[][] embed(List<String> inputs) {
                return encoder.encodeDocuments(inputs);
            }
        };
    }

    /**
     * The image at the schema's image field, read from {@code roots} (paths outside them are refused), through
     * {@code encoder}. Files over {@code maxBytes} are refused before they are read.
     */
    static DocumentEmbedder image(ImageEncoder encoder, CollectionSchema schema, ImageRoots roots, long maxBytes) {
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(roots, "roots");
        String field = Objects.requireNonNull(schema.imageField(), "the schema has no image field");
        return new DocumentEmbedder() {
            @Override
            public ModelStamp stamp() {
                return encoder.stamp();
            }

            @Override
            public String input(Document document) {
                return document.text(field).strip();
            }

            @Override
            public String emptyReason() {
                return "no image path in field '" + field + "'";
            }

            @Override
            public int[] lengths(List<String> inputs) {
                return new int[inputs.size()]; // images are resized to one size: no padding to save
            }

            @Override
            public float[][] embed(List<String> inputs) {
                List<byte[]> images = new ArrayList<>(inputs.size());
                for (String reference : inputs) {
                    Path file = roots.resolve(reference);
                    try {
                        long size = Files.size(file);
                        if (size > maxBytes) {
                            throw new MmsearchException(ErrorCode.PAYLOAD_TOO_LARGE, "image '" + reference + "' has "
                                    + size + " bytes, more than the limit of " + maxBytes);
                        }
                        images.add(Files.readAllBytes(file));
                    } catch (IOException e) {
                        throw new MmsearchException(ErrorCode.INVALID_INPUT, "image '" + reference
                                + "' cannot be read: " + e.getMessage(), e);
                    }
                }
                return encoder.encodeImages(images);
            }
        };
    }
}
