package dev.mmsearch.store.lucene;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.FilterTranslator;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorQuery;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.DoubleField;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.RescoreTopNQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.search.join.DiversifyingChildrenFloatKnnVectorQuery;
import org.apache.lucene.search.join.ToChildBlockJoinQuery;

/**
 * The Lucene queries of a collection's {@link VectorQuery vector}, {@link TextQuery text} and {@link Filter filter}
 * queries. Immutable and thread-safe (the analyzer is).
 *
 * <p>Filters become non-scoring clauses over {@code kw.*} and {@code num.*}: dense search hands the filter to
 * {@link KnnFloatVectorQuery}, so it is applied during the HNSW search, and a segment where few documents pass it
 * ({@link #EXACT_FILTER_BELOW}) scores them exactly instead ({@link SelectiveFilterKnnQuery}); BM25 adds it as a
 * FILTER clause, so scores are those of the unfiltered search. Free text is analysed like the indexed text and its terms are OR-ed; it is never parsed as
 * query syntax, so any characters are safe.
 */
final class LuceneQueries {
    private final Analyzer analyzer;
    private final FilterTranslator<Query> filters;
    private final boolean unitVectors;
    private final int oversample;
    private final boolean passages;
    private final CollectionSchema schema;

    /**
     * {@code unitVectors}: the collection holds unit vectors (see {@link CommitMetadata#unitVectors()});
     * {@code oversample}: its encoding's {@link dev.mmsearch.core.VectorEncoding#rescoreOversample()}.
     */
    LuceneQueries(String collection, CollectionSchema schema, boolean unitVectors, int oversample, Analyzer analyzer) {
        this.analyzer = analyzer;
        this.unitVectors = unitVectors;
        this.oversample = oversample;
        this.passages = schema.hasPassages();
        this.schema = schema;
        this.filters = new Filters(collection, schema, passages ? IndexLayout.DOCUMENTS : new MatchAllDocsQuery());
    }

    /** The Lucene query of a filter, or null for none (checked against the schema). */
    Query filter(Filter filter) {
        return filters.translate(filter);
    }

    /**
     * The kNN query, exploring {@code max(k, numCandidates)} candidates, with the filter inside it; the query vector
     * made unit length when the collection's are. For an encoding that rescores (oversample {@code o > 1}) the graph
     * gives {@code o * k} candidates (exploring at least that many) and those are ranked again with the
     * full-precision vectors ({@link RescoreTopNQuery}), so hits and scores are exact similarities.
     */
    Query vector(VectorQuery query) {
        float[] vector = queryVector(query);
        Query filter = filter(query.filter());
        String field = IndexLayout.vectorField(query.field());
        if (oversample <= 1) {
            return graph(field, vector, query.explored(), filter);
        }
        int candidates = oversample * query.k();
        Query graph = graph(field, vector, Math.max(query.explored(), candidates), filter);
        return RescoreTopNQuery.createFullPrecisionRescorerQuery(graph, vector, field, candidates);
    }

    /**
     * The query's vector as the graph search compares it: unit length when the searched field's vectors are (the
     * main vector's as the collection's metadata says, a named field's when it is COSINE).
     */
    float[] queryVector(VectorQuery query) {
        boolean unit = query.field() == null ? unitVectors : IndexLayout.unitVectors(schema.vectorField(query.field()));
        return unit ? VectorIndexing.unit(query.vector()) : query.vector().clone();
    }

    /**
     * The graph search for the {@code k} nearest documents. In a collection with passages it searches the passages,
     * at most one per document (its best: {@link DiversifyingChildrenFloatKnnVectorQuery}, the query behind
     * Elasticsearch's nested kNN), so {@code k} hits are {@code k} distinct documents, with the document filter moved
     * onto the passages ({@link ToChildBlockJoinQuery}) so it still applies inside the graph search; its hits are
     * passages, which the view maps to their documents. A named vector field is on the documents themselves.
     */
    private Query graph(String field, float[] vector, int k, Query filter) {
        if (!passages || !field.equals(IndexLayout.VECTOR_FIELD)) {
            return knn(field, vector, k, filter);
        }
        Query passageFilter = filter == null ? null : new ToChildBlockJoinQuery(filter, IndexLayout.PARENTS);
        return new DiversifyingChildrenFloatKnnVectorQuery(IndexLayout.VECTOR_FIELD, vector, passageFilter, k,
                IndexLayout.PARENTS);
    }

    /**
     * Segments where at most this many documents pass a filter are scored exactly instead of through the graph
     * ({@link SelectiveFilterKnnQuery}). Chosen on the 1M collection (docs/benchmarks.md, "embedded at 1M").
     */
    static final int EXACT_FILTER_BELOW = 20_000;

    private static Query knn(String field, float[] vector, int k, Query filter) {
        return filter == null ? new KnnFloatVectorQuery(field, vector, k)
                : new SelectiveFilterKnnQuery(field, vector, k, filter, EXACT_FILTER_BELOW);
    }

    /**
     * The BM25 query: the analysed terms on the joined text, or with boosts one SHOULD clause per boosted field
     * (the terms on {@code txt.<field>} in a {@link BoostQuery}, so a score is the boosted sum of per-field BM25;
     * long queries keep the first {@code maxClauseCount / fields} distinct terms per field, so the whole query stays
     * within Lucene's clause limit); the filter as a FILTER clause. Null when no term is left after analysis.
     */
    Query text(TextQuery query) {
        Query filterQuery = filter(query.filter());
        Query terms;
        if (!query.perField()) {
            terms = analyse(IndexLayout.TEXT_FIELD, query.text());
        } else {
            int maxTermsPerField = Math.max(1, IndexSearcher.getMaxClauseCount() / query.fieldBoosts().size() - 1);
            BooleanQuery.Builder fields = new BooleanQuery.Builder();
            boolean any = false;
            for (Map.Entry<String, Float> boost : query.fieldBoosts().entrySet()) {
                Query fieldTerms = analyse(IndexLayout.textField(boost.getKey()), query.text(), maxTermsPerField);
                if (fieldTerms != null) {
                    fields.add(new BoostQuery(fieldTerms, boost.getValue()), BooleanClause.Occur.SHOULD);
                    any = true;
                }
            }
            terms = any ? fields.build() : null;
        }
        if (terms == null || filterQuery == null) {
            return terms;
        }
        return new BooleanQuery.Builder()
                .add(terms, BooleanClause.Occur.MUST)
                .add(filterQuery, BooleanClause.Occur.FILTER)
                .build();
    }

    /**
     * The BM25 query for free text on {@code field}: its analysed terms OR-ed, a term that occurs n times boosted by n
     * (the same scores as n repeated clauses); null when no term is left. Only the first
     * {@link IndexSearcher#getMaxClauseCount()} distinct terms are used, so a very long query is truncated like the
     * encoder truncates it, never refused.
     */
    Query analyse(String field, String text) {
        return analyse(field, text, IndexSearcher.getMaxClauseCount());
    }

    private Query analyse(String field, String text, int max) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        try (TokenStream tokens = analyzer.tokenStream(field, text)) {
            CharTermAttribute term = tokens.addAttribute(CharTermAttribute.class);
            tokens.reset();
            while (tokens.incrementToken()) {
                String token = term.toString();
                if (counts.containsKey(token) || counts.size() < max) {
                    counts.merge(token, 1, Integer::sum);
                }
            }
            tokens.end();
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot analyse the query: " + e.getMessage(), e);
        }
        if (counts.isEmpty()) {
            return null;
        }
        BooleanQuery.Builder builder = new BooleanQuery.Builder();
        counts.forEach((token, count) -> {
            Query clause = new TermQuery(new Term(field, token));
            builder.add(count == 1 ? clause : new BoostQuery(clause, count), BooleanClause.Occur.SHOULD);
        });
        return builder.build();
    }

    /** Filters over {@code kw.<field>} and {@code num.<field>}; range bounds made inclusive with nextUp/nextDown. */
    private static final class Filters extends FilterTranslator<Query> {
        /** What a negation is taken from: every document (never a passage, so block joins can take the filter). */
        private final Query all;

        Filters(String collection, CollectionSchema schema, Query all) {
            super(collection, schema);
            this.all = all;
        }

        @Override
        protected Query keyword(String field, List<String> values, boolean single) {
            String luceneField = IndexLayout.keywordField(field);
            return single ? new TermQuery(new Term(luceneField, values.getFirst()))
                    : new TermInSetQuery(luceneField, values.stream().map(BytesRef::new).toList());
        }

        @Override
        protected Query range(String field, Double gte, Double gt, Double lte, Double lt) {
            double lower = gte != null ? gte : gt != null ? Math.nextUp(gt) : Double.NEGATIVE_INFINITY;
            double upper = lte != null ? lte : lt != null ? Math.nextDown(lt) : Double.POSITIVE_INFINITY;
            return DoubleField.newRangeQuery(IndexLayout.numericField(field), lower, upper);
        }

        @Override
        protected Query and(List<Query> clauses) {
            BooleanQuery.Builder all = new BooleanQuery.Builder();
            clauses.forEach(clause -> all.add(clause, BooleanClause.Occur.FILTER));
            return all.build();
        }

        @Override
        protected Query or(List<Query> clauses) {
            // Only SHOULD clauses: a document must match at least one.
            BooleanQuery.Builder any = new BooleanQuery.Builder();
            clauses.forEach(clause -> any.add(clause, BooleanClause.Occur.SHOULD));
            return any.build();
        }

        @Override
        protected Query not(Query clause) {
            return new BooleanQuery.Builder()
                    .add(all, BooleanClause.Occur.FILTER)
                    .add(clause, BooleanClause.Occur.MUST_NOT)
                    .build();
        }
    }
}
