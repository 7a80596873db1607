package dev.mmsearch.store.lucene;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.VectorField;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;

/**
 * Reads the named vectors ({@link VectorField}) of one segment's documents as they were written, for documents asked
 * for in increasing doc order (each field's vectors are read forwards once). Not thread-safe: one per walk.
 */
final class NamedVectorReader {
    private final List<String> names;
    private final FloatVectorValues[] values;
    private final KnnVectorValues.DocIndexIterator[] iterators;
    private final BinaryDocValues[] originals;

    NamedVectorReader(LeafReader reader, CollectionSchema schema) throws IOException {
        this.names = schema.vectors().stream().map(VectorField::name).toList();
        this.values = new FloatVectorValues[names.size()];
        this.iterators = new KnnVectorValues.DocIndexIterator[names.size()];
        this.originals = new BinaryDocValues[names.size()];
        for (int i = 0; i < names.size(); i++) {
            values[i] = reader.getFloatVectorValues(IndexLayout.vectorField(names.get(i)));
            iterators[i] = values[i] == null ? null : values[i].iterator();
            originals[i] = IndexLayout.originals(reader, names.get(i));
        }
    }

    /** The named vectors of segment doc {@code doc}: the fields it has a vector in. */
    Map<String, float[]> at(int doc) throws IOException {
        if (names.isEmpty()) {
            return Map.of();
        }
        Map<String, float[]> named = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            KnnVectorValues.DocIndexIterator it = iterators[i];
            if (it == null) {
                continue;
            }
            int current = it.docID() < doc ? it.advance(doc) : it.docID();
            if (current == doc) {
                named.put(names.get(i), IndexLayout.writtenVector(values[i].vectorValue(it.index()), originals[i], doc));
            }
        }
        return named;
    }
}
