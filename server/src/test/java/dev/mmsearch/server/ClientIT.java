package dev.mmsearch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.client.MmsearchClient;
import dev.mmsearch.client.MmsearchClientException;
import dev.mmsearch.client.Types;
import dev.mmsearch.server.service.SearchService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The Java client ({@code client} module) against a real server: collections, documents and search typed end to
 * end, the API's errors as typed exceptions, and retries that honour Retry-After when the server rate-limits (the
 * server here allows 2 requests a second per client, burst 2).
 */
class ClientIT {
    static final String MODEL = "all-MiniLM-L6-v2-q";

    @TempDir
    static Path dataDir;
    static ConfigurableApplicationContext app;
    static String base;
    static String key;

    @BeforeAll
    static void start() {
        key = Cli.run("keys", "add", "client", "--data-dir", dataDir.toString()).out().strip();
        app = SearchService.start(new DataDirectory(dataDir), 0, new EngineOptions(1, 16),
                dev.mmsearch.server.experiments.ExperimentSettings.DEFAULTS,
                Map.of("mmsearch.security.rate-limit.per-second", "2", "mmsearch.security.rate-limit.burst", "2"));
        base = "http://127.0.0.1:" + SearchService.port(app);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    static MmsearchClient client(int retries) {
        return MmsearchClient.builder(base).apiKey(key).maxRetries(retries).timeout(Duration.ofSeconds(60))
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(2)).build();
    }

    static Map<String, Object> doc(String id, String title, String text, String topic) {
        Map<String, Object> fields = new LinkedHashMap<>();
        if (id != null) {
            fields.put("id", id);
        }
        fields.put("title", title);
        fields.put("text", text);
        fields.put("topic", topic);
        return fields;
    }

    @Test
    void collectionsDocumentsAndSearchAreTypedEndToEndAndRateLimitsAreRetried() {
        MmsearchClient client = client(10);
        Types.CollectionInfo created = client.createCollection("notes", Types.CollectionSpec.of(MODEL,
                List.of("title", "text"), List.of("topic")));
        assertThat(created.name()).isEqualTo("notes");
        assertThat(created.stamp().modelId()).isEqualTo(MODEL);
        assertThat(created.stamp().dimension()).isEqualTo(384);

        Types.BulkResult written = client.upsert("notes", List.of(
                doc("n1", "Volcanoes", "Lava flows from erupting volcanoes.", "geo"),
                doc("n2", "Tides", "The moon pulls the oceans.", "sea"),
                doc(null, "No id", "This one has no id.", "x"),
                doc("n3", "Bees", "Honey bees dance to show where flowers are.", "bio")));
        assertThat(written.written()).isEqualTo(3);
        assertThat(written.errors()).isTrue();
        assertThat(written.items()).extracting(Types.BulkItem::result)
                .containsExactly("created", "created", "failed", "created");
        assertThat(written.items().get(2).code()).isEqualTo("missing_id");

        // Twelve searches at once from one client: far over 2 a second, so the server answers 429 with Retry-After
        // and the client waits and retries; every one ends with its answer.
        List<Types.SearchResponse> answers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            answers.add(client.search("notes", Types.SearchRequest.of("where is the lava", 2).withRetriever("dense")));
        }
        assertThat(answers).allSatisfy(a -> assertThat(a.hits().getFirst().id()).isEqualTo("n1"));
        Types.SearchResponse filtered = client.search("notes", Types.SearchRequest.of("animals", 3)
                .withFilter(Map.of("term", Map.of("topic", "bio"))));
        assertThat(filtered.hits()).extracting(Types.Hit::id).containsExactly("n3");
        assertThat(filtered.hits().getFirst().fields()).containsEntry("title", "Bees");
        assertThat(filtered.timingsMs()).containsKey("total");

        Types.StoredDocument stored = client.document("notes", "n2").orElseThrow();
        assertThat(stored.fields()).containsEntry("text", "The moon pulls the oceans.");
        assertThat(stored.version()).isNotBlank();
        assertThat(client.deleteDocument("notes", "n2")).isTrue();
        assertThat(client.document("notes", "n2")).isEmpty();
        assertThat(client.deleteDocument("notes", "n2")).isFalse();
        assertThat(client.collections()).extracting(Types.CollectionInfo::name).contains("notes");
        assertThat(client.collection("notes").orElseThrow().documentCount()).isEqualTo(2);
        assertThat(client.collection("absent")).isEmpty();

        MmsearchClientException missing = (MmsearchClientException) org.assertj.core.api.Assertions.catchThrowable(
                () -> client.search("absent", Types.SearchRequest.of("x", 1)));
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.code()).isEqualTo("collection_not_found");
        assertThatThrownBy(() -> client.search("notes", Types.SearchRequest.of("", 1)))
                .isInstanceOf(MmsearchClientException.class).hasMessageContaining("empty_query");
        MmsearchClient anonymous = MmsearchClient.builder(base).maxRetries(10).build();
        assertThatThrownBy(() -> anonymous.deleteCollection("notes")).isInstanceOf(MmsearchClientException.class)
                .satisfies(e -> assertThat(((MmsearchClientException) e).status()).isEqualTo(401));
    }

    @Test
    void withoutRetriesARateLimitedCallFailsWithTheServersAnswer() {
        MmsearchClient impatient = client(0);
        MmsearchClientException limited = null;
        for (int i = 0; i < 20 && limited == null; i++) {
            try {
                impatient.collections();
            } catch (MmsearchClientException e) {
                limited = e;
            }
        }
        assertThat(limited).as("a 429 within 20 quick calls").isNotNull();
        assertThat(limited.status()).isEqualTo(429);
        MmsearchClientException unreachable = (MmsearchClientException) org.assertj.core.api.Assertions.catchThrowable(
                () -> MmsearchClient.builder("http://127.0.0.1:1").maxRetries(1).backoff(Duration.ofMillis(10),
                        Duration.ofMillis(10)).build().collections());
        assertThat(unreachable.status()).isZero();
        assertThat(unreachable.getMessage()).contains("did not reach");
    }
}
