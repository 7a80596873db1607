package dev.mmsearch.store.opensearch;

import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

/** The store contract against the embedded Lucene store (the reference the OpenSearch store mirrors). */
class LuceneStoreContractTest extends CollectionStoreContract {
    @TempDir
    static Path root;

    @Override
    protected CollectionStore openStore() {
        return new LuceneCollectionStore(root, Duration.ofMillis(100));
    }
}
