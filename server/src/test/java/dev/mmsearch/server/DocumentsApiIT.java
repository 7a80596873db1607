package dev.mmsearch.server;

/** The write-path contract ({@link WritePathContract}) on the embedded Lucene store under the data directory. */
class DocumentsApiIT extends WritePathContract {

    @Override
    protected String storeName() {
        return "lucene";
    }

    @Override
    protected EngineOptions startStore() {
        return new EngineOptions(1, 16);
    }
}
