package dev.mmsearch.store.lucene;

import java.io.IOException;
import java.util.Objects;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TotalHits;
import org.apache.lucene.search.knn.KnnCollectorManager;

/**
 * A filtered kNN query that scores the filter's documents exactly, instead of searching the graph, in every segment
 * where the filter matches at most {@code exactBelow} documents (Qdrant's {@code full_scan_threshold}, Vespa's
 * {@code approximate-threshold}).
 *
 * <p>Why: Lucene searches the graph whenever more than k documents pass the filter, and only falls back to the
 * exact scan when the graph search has visited as many nodes as the filter has documents. With 1% of a 1M
 * collection passing (10,000 documents), the graph search wanders through a graph 99% filtered out before it gets
 * there: the 1%-filtered hybrid query was 2.9x the unfiltered one at 1M (docs/benchmarks.md, "embedded at 1M").
 * Scoring 10,000 vectors in doc-id order is a short, sequential pass; it is also exact (recall 1).
 *
 * <p>How: Lucene's own decision in {@code AbstractKnnVectorQuery} runs the exact scan when the approximate search
 * reports that it stopped early (an incomplete total); this query reports exactly that, without searching, when
 * the segment's filter cost is small enough, so the exact path is Lucene's, with its scorer and its timeout.
 *
 * <p>Public for {@code bench}'s {@code FilteredKnnProbe}, which measures both paths on a real collection
 * ({@code exactBelow} {@link Integer#MAX_VALUE}: always exact; -1: always the graph) to choose the threshold.
 */
public final class SelectiveFilterKnnQuery extends KnnFloatVectorQuery {
    private static final TopDocs INCOMPLETE = new TopDocs(new TotalHits(0, TotalHits.Relation.GREATER_THAN_OR_EQUAL_TO),
            new ScoreDoc[0]);
    private final int exactBelow;

    public SelectiveFilterKnnQuery(String field, float[] target, int k, Query filter, int exactBelow) {
        super(field, target, k, Objects.requireNonNull(filter, "filter"));
        this.exactBelow = exactBelow;
    }

    /** Whether a segment whose filter matches {@code filterCost} documents is scored exactly. */
    static boolean exact(long filterCost, int exactBelow) {
        return filterCost <= exactBelow;
    }

    @Override
    protected TopDocs approximateSearch(LeafReaderContext context, AcceptDocs acceptDocs, int visitedLimit,
                                        KnnCollectorManager manager) throws IOException {
        if (exact(acceptDocs.cost(), exactBelow)) {
            return INCOMPLETE; // Lucene then scores the filter's documents exactly (see the class comment)
        }
        return super.approximateSearch(context, acceptDocs, visitedLimit, manager);
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && ((SelectiveFilterKnnQuery) o).exactBelow == exactBelow;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + exactBelow;
    }

    @Override
    public String toString(String field) {
        return super.toString(field) + "[exactBelow=" + exactBelow + "]";
    }
}
