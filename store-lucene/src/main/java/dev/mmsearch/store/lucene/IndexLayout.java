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
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.util.BytesRef;
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
 *       plus sorted-numeric doc values), for range filters.</li>
 * </ul>
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

    private final String collection;
    private final ModelStamp stamp;
    private final CollectionSchema schema;
    private final FieldType vectorFieldType;
    private final boolean unitVectors;

    IndexLayout(String collection, CommitMetadata metadata) {
        this.collection = collection;
        this.stamp = metadata.stamp();
        this.schema = metadata.schema();
        this.vectorFieldType = KnnFloatVectorField.createFieldType(stamp.dimension(), metadata.vectorFunction());
        this.unitVectors = metadata.unitVectors();
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
     * The Lucene document for {@code embedded}.
     *
     * @throws MmsearchException INVALID_INPUT for an id or keyword over Lucene's term length, a vector that does not
     *                           fit the collection, fields that are not JSON, or a numeric field that is not numbers
     */
    org.apache.lucene.document.Document toLucene(EmbeddedDocument embedded) {
        String id = embedded.id();
        FieldValues.requireTermLength(id, "id", id, IndexWriter.MAX_TERM_LENGTH);
        FieldValues.requireValidVector(collection, stamp, embedded);
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
        FieldValues.IndexedText text = FieldValues.indexedText(schema, document.fields());
        for (Map.Entry<String, String> field : text.perField().entrySet()) {
            doc.add(new TextField(textField(field.getKey()), field.getValue(), Field.Store.NO));
        }
        if (text.all() != null) {
            doc.add(new TextField(TEXT_FIELD, text.all(), Field.Store.NO));
        }
        float[] vector = embedded.vector().clone();
        if (unitVectors) {
            float norm = VectorIndexing.norm(vector);
            if (Math.abs(norm - 1f) > VectorIndexing.UNIT_TOLERANCE) {
                ByteBuffer original = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                original.asFloatBuffer().put(vector);
                doc.add(new BinaryDocValuesField(VECTOR_ORIGINAL_FIELD, new BytesRef(original.array())));
                vector = VectorIndexing.scaled(vector, 1f / norm);
            }
        }
        doc.add(new KnnFloatVectorField(VECTOR_FIELD, vector, vectorFieldType));
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
        return doc;
    }
}
