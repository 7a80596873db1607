package dev.mmsearch.store.lucene;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.FieldValues;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.apache.lucene.document.DoubleField;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.search.FieldExistsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.join.BitSetProducer;
import org.apache.lucene.search.join.QueryBitSetProducer;
import java.util.ArrayList;
import java.util.List;
import dev.mmsearch.core.Passage;
import tools.jackson.core.JacksonException;

/**
 * How a collection's documents are laid out in its Lucene index (format {@value CommitMetadata#FORMAT_VERSION}):
 * <ul>
 *   <li>{@value #ID_FIELD}: the document id, indexed as one term (upserts replace by it), stored, and as sorted doc
 *       values (cheap id lookup for hits);</li>
 *   <li>{@value #SOURCE_FIELD}: the document's fields as stored JSON, returned by fetch;</li>
 *   <li>{@value #TEXT_FIELD}: the schema's text fields joined, analysed with the collection's analyzer, for BM25;</li>
 *   <li>{@code txt.<field>} per schema text field: the field alone, analysed the same way, for BM25 with per-field
 *       boosts; collections written before it existed lack it and must be re-indexed to use boosts;</li>
 *   <li>{@value #VECTOR_FIELD}: the embedding, HNSW-indexed (see {@link VectorIndexing}); in a collection of unit
 *       vectors ({@link CommitMetadata#unitVectors()}) the embedding made unit length, and, when it was not unit
 *       length, {@value #VECTOR_ORIGINAL_FIELD}: the vector as written (little-endian floats, binary doc values), so
 *       reads, exports and re-writes give it back bit for bit;</li>
 *   <li>{@code kw.<field>} per schema keyword field: exact terms plus sorted-set doc values, for filters;</li>
 *   <li>{@code num.<field>} per schema numeric field: a {@link DoubleField} per value (points for range queries
 *       plus sorted-numeric doc values), for range filters;</li>
 *   <li>{@code _vector.<name>} per {@link dev.mmsearch.core.VectorField named vector field} the document has a vector
 *       for (format 5): HNSW-indexed as the main vector (a COSINE field as DOT_PRODUCT over unit vectors, the vector
 *       as written in {@code _vector_original.<name>} when it was not unit length), always on the document itself,
 *       never on its passages.</li>
 * </ul>
 *
 * <p>In a collection with passages (format 4) a document is a Lucene block, as Elasticsearch's nested documents are:
 * one child per passage, in text order, then the document itself. Every document of the block holds the id as the
 * indexed term {@value #BLOCK_FIELD} (not stored, no doc values), so a delete or an update by that term removes the
 * whole block ({@value #ID_FIELD} itself cannot be on the children: Lucene wants one doc-values type per field). A
 * child holds its vector in
 * {@value #VECTOR_FIELD} (and {@value #VECTOR_ORIGINAL_FIELD} as above) and {@value #PASSAGE_FIELD}, its offsets as
 * numeric doc values ({@code start << 32 | end}). The document holds everything else and no vector. Parents are the
 * documents with {@value #ID_FIELD} doc values ({@link #PARENTS}).
 */
final class IndexLayout {
    static final String ID_FIELD = "_id";
    static final String SOURCE_FIELD = "_source";
    static final String TEXT_FIELD = "_text";
    static final String VECTOR_FIELD = "_vector";
    static final String VECTOR_ORIGINAL_FIELD = "_vector_original";
    static final String KEYWORD_FIELD_PREFIX = "kw.";
    static final String NUMERIC_FIELD_PREFIX = "num.";
    static final String TEXT_FIELD_PREFIX = "txt.";
    static final String PASSAGE_FIELD = "_passage";
    static final String BLOCK_FIELD = "_block";

    /** The documents of a collection, without its passages: the ones with id doc values. */
    static final Query DOCUMENTS = new FieldExistsQuery(ID_FIELD);
    /** The parents of passage blocks, for the block-join queries (cached per segment). */
    static final BitSetProducer PARENTS = new QueryBitSetProducer(DOCUMENTS);

    private final String collection;
    private final ModelStamp stamp;
    private final CollectionSchema schema;
    private final FieldType vectorFieldType;
    private final boolean unitVectors;
    private final Map<String, FieldType> namedFieldTypes = new java.util.HashMap<>();

    IndexLayout(String collection, CommitMetadata metadata) {
        this.collection = collection;
        this.stamp = metadata.stamp();
        this.schema = metadata.schema();
        this.vectorFieldType = KnnFloatVectorField.createFieldType(stamp.dimension(), metadata.vectorFunction());
        this.unitVectors = metadata.unitVectors();
        for (dev.mmsearch.core.VectorField field : schema.vectors()) {
            namedFieldTypes.put(field.name(), KnnFloatVectorField.createFieldType(field.stamp().dimension(),
                    VectorIndexing.luceneFunction(field.stamp().metric())));
        }
    }

    /** The Lucene vector field of named vector field {@code name}; null: the main vector ({@value #VECTOR_FIELD}). */
    static String vectorField(String name) {
        return name == null ? VECTOR_FIELD : VECTOR_FIELD + "." + name;
    }

    /** Where the vectors of {@link #vectorField} {@code name} are kept as written when they were made unit length. */
    static String originalField(String name) {
        return name == null ? VECTOR_ORIGINAL_FIELD : VECTOR_ORIGINAL_FIELD + "." + name;
    }

    /** Whether the named vector field {@code field} holds unit vectors (a COSINE field; see the class comment). */
    static boolean unitVectors(dev.mmsearch.core.VectorField field) {
        return VectorIndexing.normalises(field.stamp().metric(), VectorIndexing.luceneFunction(field.stamp().metric()));
    }

    /**
     * A leaf's vector as it was written: the one kept in {@value #VECTOR_ORIGINAL_FIELD} when the document has one
     * ({@code originals} from {@link #originals}, advanced in doc order), else {@code indexed} itself (a copy).
     */
    static float[] writtenVector(float[] indexed, BinaryDocValues originals, int doc) throws IOException {
        if (originals != null && originals.advanceExact(doc)) {
            BytesRef bytes = originals.binaryValue();
            float[] vector = new float[bytes.length / Float.BYTES];
            ByteBuffer.wrap(bytes.bytes, bytes.offset, bytes.length).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                    .get(vector);
            return vector;
        }
        return indexed.clone();
    }

    /** The vectors of a leaf that were indexed made unit length, as written; null when it has none. */
    static BinaryDocValues originals(LeafReader reader) throws IOException {
        return reader.getBinaryDocValues(VECTOR_ORIGINAL_FIELD);
    }

    /** {@link #originals(LeafReader)} of named vector field {@code name} (null: the main vector). */
    static BinaryDocValues originals(LeafReader reader, String name) throws IOException {
        return reader.getBinaryDocValues(originalField(name));
    }

    /** The Lucene field that holds schema text field {@code field} alone. */
    static String textField(String field) {
        return TEXT_FIELD_PREFIX + field;
    }

    /** The Lucene field that holds the exact values of schema keyword field {@code field}. */
    static String keywordField(String field) {
        return KEYWORD_FIELD_PREFIX + field;
    }

    /** The Lucene field that holds the values of schema numeric field {@code field}. */
    static String numericField(String field) {
        return NUMERIC_FIELD_PREFIX + field;
    }

    /**
     * The Lucene documents for {@code embedded}: the document itself, after its passages when it has some.
     *
     * @throws MmsearchException INVALID_INPUT for an id or keyword over Lucene's term length, a vector that does not
     *                           fit the collection, fields that are not JSON, or a numeric field that is not numbers
     */
    List<org.apache.lucene.document.Document> toLucene(EmbeddedDocument embedded) {
        String id = embedded.id();
        FieldValues.requireTermLength(id, "id", id, IndexWriter.MAX_TERM_LENGTH);
        if (schema.hasPassages() != !embedded.passages().isEmpty()) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + id + "': collection '" + collection
                    + (schema.hasPassages() ? "' splits field '" + schema.passages().field() + "' into passages, but"
                    + " the document has none" : "' has no passages, but the document has "
                    + embedded.passages().size()));
        }
        List<org.apache.lucene.document.Document> block = new ArrayList<>(embedded.passages().size() + 1);
        for (Passage passage : embedded.passages()) {
            FieldValues.requireValidVector(collection, stamp, new EmbeddedDocument(embedded.document(),
                    passage.vector()));
            org.apache.lucene.document.Document child = new org.apache.lucene.document.Document();
            child.add(new StringField(BLOCK_FIELD, id, Field.Store.NO));
            addVector(child, passage.vector());
            child.add(new NumericDocValuesField(PASSAGE_FIELD, ((long) passage.start() << 32) | passage.end()));
            block.add(child);
        }
        if (!schema.hasPassages()) {
            FieldValues.requireValidVector(collection, stamp, embedded);
        }
        FieldValues.requireValidNamedVectors(collection, schema, embedded);
        Document document = embedded.document();
        byte[] source;
        try {
            source = Json.MAPPER.writeValueAsBytes(document.fields());
        } catch (JacksonException e) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + id
                    + "': fields cannot be stored as JSON (" + e.getOriginalMessage() + ")", e);
        }
        org.apache.lucene.document.Document doc = new org.apache.lucene.document.Document();
        doc.add(new StringField(ID_FIELD, id, Field.Store.YES));
        doc.add(new SortedDocValuesField(ID_FIELD, new BytesRef(id)));
        doc.add(new StoredField(SOURCE_FIELD, source));
        if (schema.hasPassages()) {
            doc.add(new StringField(BLOCK_FIELD, id, Field.Store.NO));
        }
        FieldValues.IndexedText text = FieldValues.indexedText(schema, document.fields());
        for (Map.Entry<String, String> field : text.perField().entrySet()) {
            doc.add(new TextField(textField(field.getKey()), field.getValue(), Field.Store.NO));
        }
        if (text.all() != null) {
            doc.add(new TextField(TEXT_FIELD, text.all(), Field.Store.NO));
        }
        if (!schema.hasPassages()) {
            addVector(doc, embedded.vector());
        }
        for (Map.Entry<String, float[]> named : embedded.named().entrySet()) {
            FieldType type = namedFieldTypes.get(named.getKey());
            addVector(doc, named.getValue(), vectorField(named.getKey()), originalField(named.getKey()), type,
                    unitVectors(schema.vectorField(named.getKey())));
        }
        for (String field : schema.keywordFields()) {
            String luceneField = keywordField(field);
            for (String value : FieldValues.strings(document.fields().get(field))) {
                FieldValues.requireTermLength(id, "keyword field '" + field + "'", value, IndexWriter.MAX_TERM_LENGTH);
                doc.add(new StringField(luceneField, value, Field.Store.NO));
                doc.add(new SortedSetDocValuesField(luceneField, new BytesRef(value)));
            }
        }
        for (String field : schema.numericFields()) {
            String luceneField = numericField(field);
            for (double value : FieldValues.numbers(id, field, document.fields().get(field))) {
                doc.add(new DoubleField(luceneField, value, Field.Store.NO));
            }
        }
        block.add(doc);
        return block;
    }

    /** The vector fields of {@code doc}: the indexed vector, and the written one when it differs (see above). */
    private void addVector(org.apache.lucene.document.Document doc, float[] written) {
        addVector(doc, written, VECTOR_FIELD, VECTOR_ORIGINAL_FIELD, vectorFieldType, unitVectors);
    }

    private static void addVector(org.apache.lucene.document.Document doc, float[] written, String field,
                                  String originalField, FieldType type, boolean unit) {
        float[] vector = written.clone();
        if (unit) {
            float norm = VectorIndexing.norm(vector);
            if (Math.abs(norm - 1f) > VectorIndexing.UNIT_TOLERANCE) {
                ByteBuffer original = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                original.asFloatBuffer().put(vector);
                doc.add(new BinaryDocValuesField(originalField, new BytesRef(original.array())));
                vector = VectorIndexing.scaled(vector, 1f / norm);
            }
        }
        doc.add(new KnnFloatVectorField(field, vector, type));
    }

    /** The term that a write or delete of document {@code id} replaces by: its whole block with passages. */
    Term idTerm(String id) {
        return new Term(schema.hasPassages() ? BLOCK_FIELD : ID_FIELD, id);
    }

    /** Documents in {@code reader}: its live documents, less their passages in a collection with passages. */
    static int documentCount(org.apache.lucene.index.IndexReader reader, boolean passages) throws IOException {
        return passages ? new org.apache.lucene.search.IndexSearcher(reader).count(DOCUMENTS) : reader.numDocs();
    }

    /** A passage's offsets as {@value #PASSAGE_FIELD} holds them: {@code [start, end]}. */
    static int[] passageOffsets(long packed) {
        return new int[] {(int) (packed >>> 32), (int) packed};
    }
}
