package dev.mmsearch.store.lucene;

import dev.mmsearch.core.PassageScore;
import dev.mmsearch.core.VectorSimilarity;
import java.io.IOException;
import java.util.Arrays;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;

/**
 * Scores documents of a passage collection by the mean of their best passages ({@link PassageScore}), exactly: every
 * passage of a block is compared with the query vector by the field's own similarity function, as the graph search
 * scores it. Blocks must be asked for in doc order (each segment's vectors are read forwards once). Not thread-safe:
 * one per search.
 */
final class PassageAggregation {
    private final float[] query;
    private final int top;
    private final VectorSimilarity metric;
    private final float[] best;
    private LeafReaderContext leaf;
    private FloatVectorValues vectors;
    private KnnVectorValues.DocIndexIterator iterator;
    private VectorSimilarityFunction function;

    /** {@code query}: the query vector as the graph search takes it (unit length when the collection's are). */
    PassageAggregation(float[] query, PassageScore score, VectorSimilarity metric) {
        this.query = query;
        this.top = score.top();
        this.metric = metric;
        this.best = new float[top];
    }

    /**
     * The metric's similarity of the block whose passages are leaf docs {@code [first, parent)}: the mean of its best
     * {@code top} passages' (of all of them when it has fewer).
     */
    float score(LeafReaderContext segment, int first, int parent) throws IOException {
        if (segment != leaf) {
            leaf = segment;
            vectors = segment.reader().getFloatVectorValues(IndexLayout.VECTOR_FIELD);
            iterator = vectors.iterator();
            function = segment.reader().getFieldInfos().fieldInfo(IndexLayout.VECTOR_FIELD)
                    .getVectorSimilarityFunction();
        }
        Arrays.fill(best, Float.NEGATIVE_INFINITY);
        int kept = 0;
        int doc = iterator.docID() >= first ? iterator.docID() : iterator.advance(first);
        for (; doc < parent && doc != DocIdSetIterator.NO_MORE_DOCS; doc = iterator.nextDoc()) {
            float similarity = VectorIndexing.similarity(metric,
                    function.compare(query, vectors.vectorValue(iterator.index())));
            // Insertion into the descending top list: top is at most 16.
            if (kept < top || similarity > best[top - 1]) {
                int at = Math.min(kept, top - 1);
                while (at > 0 && best[at - 1] < similarity) {
                    best[at] = best[at - 1];
                    at--;
                }
                best[at] = similarity;
                kept = Math.min(top, kept + 1);
            }
        }
        float sum = 0;
        for (int i = 0; i < kept; i++) {
            sum += best[i];
        }
        return kept == 0 ? Float.NEGATIVE_INFINITY : sum / kept;
    }
}
