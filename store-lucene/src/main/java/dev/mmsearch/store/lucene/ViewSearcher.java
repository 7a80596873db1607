package dev.mmsearch.store.lucene;

import java.io.IOException;
import java.util.List;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherFactory;

/**
 * The searcher of one refreshed reader, with what the collection's views need to know about that reader computed
 * once, when the reader is opened, instead of per request: whether some segment lacks per-field text (documents
 * indexed before per-field text existed, which per-field BM25 boosts would silently never match).
 */
final class ViewSearcher extends IndexSearcher {
    private final boolean legacyText;

    private ViewSearcher(IndexReader reader, boolean legacyText) {
        super(reader);
        this.legacyText = legacyText;
    }

    /** Whether a segment has catch-all text but none of the per-field text fields. */
    boolean legacyText() {
        return legacyText;
    }

    /** The factory a {@code SearcherManager} builds these with, for a collection with these text fields. */
    static SearcherFactory factory(List<String> textFields) {
        List<String> perField = textFields.stream().map(IndexLayout::textField).toList();
        return new SearcherFactory() {
            @Override
            public IndexSearcher newSearcher(IndexReader reader, IndexReader previousReader) throws IOException {
                boolean legacy = false;
                for (LeafReaderContext leaf : reader.leaves()) {
                    FieldInfos infos = leaf.reader().getFieldInfos();
                    if (infos.fieldInfo(IndexLayout.TEXT_FIELD) != null
                            && perField.stream().allMatch(f -> infos.fieldInfo(f) == null)) {
                        legacy = true;
                        break;
                    }
                }
                return new ViewSearcher(reader, legacy);
            }
        };
    }
}
