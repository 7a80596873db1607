package dev.mmsearch.server;

import dev.mmsearch.opensearch.testcluster.OpenSearchTestCluster;
import java.util.List;

/**
 * The write-path contract ({@link WritePathContract}) on the OpenSearch store: a real 2-node OpenSearch cluster, the
 * server configured with both nodes ({@code mmsearch.opensearch.hosts}), so collections created over the API are
 * indices with one primary and one replica on the other node, and every acknowledgement covers both copies.
 */
class OpenSearchDocumentsApiIT extends WritePathContract {
    private OpenSearchTestCluster cluster;

    @Override
    protected String storeName() {
        return "opensearch";
    }

    @Override
    protected EngineOptions startStore() throws Exception {
        cluster = OpenSearchTestCluster.start(2);
        return new EngineOptions(1, 16, List.of(), List.of(), cluster.httpHosts());
    }

    @Override
    protected boolean hasChineseSegmentation() {
        return false; // the test cluster's nodes have no analysis-smartcn plugin
    }

    @Override
    protected void stopStore() {
        if (cluster != null) {
            cluster.close();
        }
    }
}
