package dev.mmsearch.ingest;

import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.Passage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The text embedder of a collection with passages: each document is split ({@link PassageSplitter}) and all passages
 * of a batch of documents are embedded in one encoder call (the encoder sorts them by length into its own batches).
 * Thread-safe: the counters are adders.
 */
final class PassageEmbedder extends ForwardingDocumentEmbedder {
    private final DocumentEmbedder whole;
    private final PassageSplitter splitter;
    private final LongAdder documents = new LongAdder();
    private final LongAdder split = new LongAdder();
    private final LongAdder passages = new LongAdder();
    private final LongAdder truncated = new LongAdder();

    PassageEmbedder(DocumentEmbedder whole, PassageSplitter splitter) {
        super(whole);
        this.whole = whole;
        this.splitter = splitter;
    }

    @Override
    public List<EmbeddedDocument> embedDocuments(List<Document> batch, List<String> inputs) {
        List<PassageSplitter.Split> splits = new ArrayList<>(batch.size());
        List<String> texts = new ArrayList<>();
        for (Document document : batch) {
            PassageSplitter.Split s = splitter.split(document);
            splits.add(s);
            s.pieces().forEach(piece -> texts.add(piece.embedText()));
        }
        float[][] vectors = whole.embed(texts);
        if (vectors.length != texts.size()) {
            throw new MmsearchException(ErrorCode.INTERNAL, "embedder " + stamp().modelId() + " returned "
                    + vectors.length + " vectors for " + texts.size() + " passages");
        }
        List<EmbeddedDocument> embedded = new ArrayList<>(batch.size());
        int next = 0;
        for (int i = 0; i < batch.size(); i++) {
            PassageSplitter.Split s = splits.get(i);
            List<Passage> own = new ArrayList<>(s.pieces().size());
            for (PassageSplitter.Piece piece : s.pieces()) {
                own.add(new Passage(piece.start(), piece.end(), vectors[next++]));
            }
            embedded.add(EmbeddedDocument.withPassages(batch.get(i), own));
            documents.increment();
            passages.add(own.size());
            if (own.size() > 1) {
                split.increment();
            }
            if (s.truncated()) {
                truncated.increment();
            }
        }
        return embedded;
    }

    @Override
    public PassageStats passageStats() {
        return new PassageStats(documents.sum(), split.sum(), passages.sum(), truncated.sum());
    }
}
