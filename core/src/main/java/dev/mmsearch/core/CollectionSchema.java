package dev.mmsearch.core;

import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which document fields play which role in a collection.
 *
 * @param embedTemplate  text that is embedded, with {@code {field}} placeholders,
 *                       e.g. {@code "{title}. {text}"}; missing fields render as empty and
 *                       the result is whitespace-normalised
 * @param textFields     fields indexed for BM25 (analysed full text)
 * @param keywordFields  fields indexed as exact keywords (filterable with {@link Filter.Term} and
 *                       {@link Filter.Terms})
 * @param numericFields  fields indexed as numbers (filterable with {@link Filter.Range}); a document's value
 *                       must be a number or a list of numbers; null means none. A field cannot be both a
 *                       keyword and a numeric field.
 * @param imageField     for an image collection (CLIP), the field holding each document's image path (relative
 *                       to the configured image roots); its vectors are the image's embedding and the embed
 *                       template is not used for vectors. Null for a text collection.
 * @param hnsw           how the vector graph is built ({@link HnswOptions#DEFAULT} when null): like Elasticsearch's
 *                       {@code index_options}, part of the mapping a collection is created with
 * @param analyzer       how the text fields are analysed for BM25 and highlighting ({@link TextAnalyzer#ENGLISH} when
 *                       null), for documents and queries alike
 * @param passages       how a long embedded text field is split into passages, one vector each; null: one vector per
 *                       document, its text cut at the model's limit
 * @param vectors        named vector fields besides the main vector, each with its own input and model
 *                       ({@link VectorField}); empty for none
 * <p>Every field of a document is stored and returned in results.
 */
public record CollectionSchema(String embedTemplate, List<String> textFields, List<String> keywordFields,
                               List<String> numericFields, String imageField, HnswOptions hnsw,
                               TextAnalyzer analyzer, PassageOptions passages, List<VectorField> vectors) {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z0-9_.-]+)}");

    /**
     * The BEIR layout ({@code _id, title, text}) as read by the BEIR source. Title and text are
     * joined by a space, as MTEB/BEIR evaluations do: on SciFact with bge-small-en-v1.5 this gives
     * nDCG@10 0.7129 (the published 0.713), "{title}. {text}" gives 0.7058 (docs/benchmarks.md).
     */
    public static final CollectionSchema BEIR = new CollectionSchema("{title} {text}", List.of("title", "text"), List.of());

    public CollectionSchema {
        requireTemplate(embedTemplate);
        vectors = vectors == null ? List.of() : List.copyOf(vectors);
        if (vectors.stream().map(VectorField::name).distinct().count() < vectors.size()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "vector field names must be distinct, got "
                    + vectors.stream().map(VectorField::name).toList());
        }
        textFields = List.copyOf(textFields);
        keywordFields = List.copyOf(keywordFields);
        numericFields = numericFields == null ? List.of() : List.copyOf(numericFields);
        hnsw = hnsw == null ? HnswOptions.DEFAULT : hnsw;
        analyzer = analyzer == null ? TextAnalyzer.ENGLISH : analyzer;
        if (imageField != null && !imageField.matches("[A-Za-z0-9_.-]+")) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "image field '" + imageField
                    + "' is not a field name; use letters, digits, '_', '.' and '-'");
        }
        if (passages != null) {
            if (imageField != null) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "an image collection cannot split text into"
                        + " passages; leave passages out");
            }
            if (PLACEHOLDER.matcher(embedTemplate).results().noneMatch(r -> r.group(1).equals(passages.field()))) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "passage field '" + passages.field()
                        + "' is not in the embed template '" + embedTemplate + "'; split a field the template embeds");
            }
        }
        for (String field : numericFields) {
            if (keywordFields.contains(field)) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "field '" + field
                        + "' is both a keyword and a numeric field; make it one or the other");
            }
        }
    }

    /** A schema without named vector fields. */
    public CollectionSchema(String embedTemplate, List<String> textFields, List<String> keywordFields,
                            List<String> numericFields, String imageField, HnswOptions hnsw, TextAnalyzer analyzer,
                            PassageOptions passages) {
        this(embedTemplate, textFields, keywordFields, numericFields, imageField, hnsw, analyzer, passages, List.of());
    }

    /** A schema without passages. */
    public CollectionSchema(String embedTemplate, List<String> textFields, List<String> keywordFields,
                            List<String> numericFields, String imageField, HnswOptions hnsw, TextAnalyzer analyzer) {
        this(embedTemplate, textFields, keywordFields, numericFields, imageField, hnsw, analyzer, null);
    }

    /**
     * Checks an embed template names at least one field.
     *
     * @throws MmsearchException INVALID_ARGUMENT showing the form
     */
    static void requireTemplate(String template) {
        Objects.requireNonNull(template, "embedTemplate");
        if (!PLACEHOLDER.matcher(template).find()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT,
                    "embed template '" + template + "' names no field; write it like \"{title}. {text}\"");
        }
    }

    /** A schema with the default HNSW options and the English analyzer. */
    public CollectionSchema(String embedTemplate, List<String> textFields, List<String> keywordFields,
                            List<String> numericFields, String imageField) {
        this(embedTemplate, textFields, keywordFields, numericFields, imageField, HnswOptions.DEFAULT,
                TextAnalyzer.ENGLISH);
    }

    /** This schema with the graph built as {@code options} says. */
    public CollectionSchema withHnsw(HnswOptions options) {
        return new CollectionSchema(embedTemplate, textFields, keywordFields, numericFields, imageField, options,
                analyzer, passages, vectors);
    }

    /** This schema with its text analysed by {@code textAnalyzer}. */
    public CollectionSchema withAnalyzer(TextAnalyzer textAnalyzer) {
        return new CollectionSchema(embedTemplate, textFields, keywordFields, numericFields, imageField, hnsw,
                textAnalyzer, passages, vectors);
    }

    /** This schema with {@code options} for passages (null: none). */
    public CollectionSchema withPassages(PassageOptions options) {
        return new CollectionSchema(embedTemplate, textFields, keywordFields, numericFields, imageField, hnsw,
                analyzer, options, vectors);
    }

    /** This schema with {@code fields} as its named vector fields. */
    public CollectionSchema withVectors(List<VectorField> fields) {
        return new CollectionSchema(embedTemplate, textFields, keywordFields, numericFields, imageField, hnsw,
                analyzer, passages, fields);
    }

    /**
     * The named vector field {@code name}.
     *
     * @throws MmsearchException INVALID_ARGUMENT naming the fields there are
     */
    public VectorField vectorField(String name) {
        for (VectorField field : vectors) {
            if (field.name().equals(name)) {
                return field;
            }
        }
        throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "there is no vector field '" + name + "'; "
                + (vectors.isEmpty() ? "the collection has only its main vector (leave the field out)"
                : "the named vector fields are " + vectors.stream().map(VectorField::name).toList()
                + " (leave the field out for the main vector)"));
    }

    /** Whether documents are split into passages ({@link #passages()} set). */
    public boolean hasPassages() {
        return passages != null;
    }

    /** A text collection's schema (no image field). */
    public CollectionSchema(String embedTemplate, List<String> textFields, List<String> keywordFields,
                            List<String> numericFields) {
        this(embedTemplate, textFields, keywordFields, numericFields, null);
    }

    /**
     * An image collection's schema: vectors from the image at {@code imageField}; {@code textFields} (e.g. captions)
     * searchable with BM25. The embed template names the image field (it is not used for vectors).
     */
    public static CollectionSchema images(String imageField, List<String> textFields, List<String> keywordFields,
                                          List<String> numericFields) {
        return new CollectionSchema("{" + imageField + "}", textFields, keywordFields, numericFields, imageField);
    }

    /** Whether vectors come from images ({@link #imageField()} set). */
    public boolean isImageCollection() {
        return imageField != null;
    }

    /** A schema without numeric fields (the form before numeric fields existed). */
    public CollectionSchema(String embedTemplate, List<String> textFields, List<String> keywordFields) {
        this(embedTemplate, textFields, keywordFields, List.of());
    }

    /** Fields the embed template refers to, in order of appearance. */
    public List<String> embedFields() {
        Matcher m = PLACEHOLDER.matcher(embedTemplate);
        return m.results().map(r -> r.group(1)).distinct().toList();
    }

    /** The text to embed for this document; empty when all referenced fields are empty. */
    public String embedText(Document document) {
        return render(embedTemplate, document);
    }

    /** {@code template} with its placeholders filled from {@code document}; empty when all are empty. */
    static String render(String template, Document document) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        boolean anyValue = false;
        while (m.find()) {
            String value = document.text(m.group(1)).strip();
            anyValue |= !value.isEmpty();
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        if (!anyValue) {
            return "";
        }
        // Drop separators left dangling by empty fields (". text" -> "text") and collapse whitespace.
        String text = out.toString().replaceAll("\\s+", " ").strip();
        return text.replaceAll("^[\\p{Punct}\\s]+(?=\\S)", "").strip();
    }
}
