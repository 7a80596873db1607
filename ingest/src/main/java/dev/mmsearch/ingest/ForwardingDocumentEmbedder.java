package dev.mmsearch.ingest;

import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ModelStamp;
import java.util.List;
import java.util.Objects;

/**
 * A {@link DocumentEmbedder} that forwards every call to another one. Wrappers (the passage splitter, the write
 * API's bound and count) extend it and override only what they change, so a method added to the interface reaches
 * the wrapped embedder through every wrapper instead of falling back to a default that skips it.
 */
public class ForwardingDocumentEmbedder implements DocumentEmbedder {
    private final DocumentEmbedder delegate;

    public ForwardingDocumentEmbedder(DocumentEmbedder delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public ModelStamp stamp() {
        return delegate.stamp();
    }

    @Override
    public String input(Document document) {
        return delegate.input(document);
    }

    @Override
    public String emptyReason() {
        return delegate.emptyReason();
    }

    @Override
    public int[] lengths(List<String> inputs) {
        return delegate.lengths(inputs);
    }

    @Override
    public float[][] embed(List<String> inputs) {
        return delegate.embed(inputs);
    }

    @Override
    public List<EmbeddedDocument> embedDocuments(List<Document> documents, List<String> inputs) {
        return delegate.embedDocuments(documents, inputs);
    }

    @Override
    public PassageStats passageStats() {
        return delegate.passageStats();
    }
}
