package dev.mmsearch.store.opensearch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.ErrorCode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenSearchStoreOptionsTest {
    private final OpenSearchStoreOptions defaults = OpenSearchStoreOptions.forHosts(List.of("http://localhost:9200"));

    @Test
    void defaultsRefreshOnCommitOnlyWithOneShardAndReplica() {
        assertThat(defaults.indexPrefix()).isEqualTo("mmsearch-");
        assertThat(defaults.shards()).isEqualTo(1);
        assertThat(defaults.replicas()).isEqualTo(1);
        assertThat(defaults.refreshInterval()).isEqualTo("-1");
        assertThat(defaults.withShards(4).withReplicas(2).withRefreshInterval("1s"))
                .extracting(OpenSearchStoreOptions::shards, OpenSearchStoreOptions::replicas,
                        OpenSearchStoreOptions::refreshInterval)
                .containsExactly(4, 2, "1s");
    }

    @Test
    void backoffDoublesUpToTheMaximum() {
        OpenSearchStoreOptions options = defaults.withRetries(8, Duration.ofMillis(100), Duration.ofMillis(1000));
        assertThat(List.of(1, 2, 3, 4, 5, 30).stream().map(a -> options.backoff(a).toMillis()))
                .containsExactly(100L, 200L, 400L, 800L, 1000L, 1000L);
    }

    @Test
    void badOptionsAreRefusedWithWhatToDo() {
        CollectionStoreContract.assertError(ErrorCode.INVALID_ARGUMENT, "no OpenSearch hosts",
                () -> OpenSearchStoreOptions.forHosts(List.of()));
        CollectionStoreContract.assertError(ErrorCode.INVALID_ARGUMENT, "not an http(s) URL",
                () -> OpenSearchStoreOptions.forHosts(List.of("localhost:9200")));
        CollectionStoreContract.assertError(ErrorCode.INVALID_ARGUMENT, "shards must be", () -> defaults.withShards(0));
        CollectionStoreContract.assertError(ErrorCode.INVALID_ARGUMENT, "replicas must be",
                () -> defaults.withReplicas(-1));
        CollectionStoreContract.assertError(ErrorCode.INVALID_ARGUMENT, "refresh interval",
                () -> defaults.withRefreshInterval("soon"));
        CollectionStoreContract.assertError(ErrorCode.INVALID_ARGUMENT, "index prefix",
                () -> defaults.withIndexPrefix("Upper"));
    }
}
