package dev.mmsearch.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.Json;
import dev.mmsearch.server.demo.DemoData;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code mmsearch demo} on an empty data dir: the bundled vectors must match the built-in model's
 * stamp, so the collection is imported (not re-encoded) and answers SciFact claims sensibly.
 */
class DemoIT {
    @TempDir
    Path dataDir;

    @Test
    void firstStartImportsTheBundledVectorsAndSecondStartReusesTheIndex() throws Exception {
        Cli.Result first = Cli.run("demo", "--index-only", "--data-dir", dataDir.toString());
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out()).contains("demo collection 'scifact' ready (imported_vectors, 5183 documents");

        Cli.Result second = Cli.run("demo", "--index-only", "--data-dir", dataDir.toString());
        assertThat(second.out()).contains("(reused, 5183 documents");

        // SciFact test claim 51 -> its relevant abstract 45638119 (qrels/test.tsv); bge-small ranks it first
        // with a clear margin (0.871 vs 0.745 for the runner-up).
        Cli.Result search = Cli.run("search", "--data-dir", dataDir.toString(), "-c", DemoData.COLLECTION, "--json", "-k", "10",
                "--retriever", "dense",
                "ALDH1 expression is associated with better breast cancer outcomes.");
        assertThat(search.exitCode()).as(search.err()).isZero();
        JsonNode hits = Json.MAPPER.readTree(search.out()).get("hits");
        assertThat(hits.get(0).get("id").asString()).isEqualTo("45638119");
    }

    @Test
    void theInt8ModelHasItsOwnBundleAndCollectionBesideTheDefault() throws Exception {
        Cli.Result fast = Cli.run("demo", "--index-only", "--data-dir", dataDir.toString(), "--model", DemoData.FAST_MODEL);
        assertThat(fast.exitCode()).as(fast.err()).isZero();
        assertThat(fast.out()).contains("demo collection 'scifact-bge-small-en-v1-5-q' ready (imported_vectors, 5183 documents,"
                + " model bge-small-en-v1.5-q)");
        Cli.Result search = Cli.run("search", "--data-dir", dataDir.toString(), "-c", DemoData.collectionFor(DemoData.FAST_MODEL),
                "--json", "-k", "10", "--retriever", "dense", "ALDH1 expression is associated with better breast cancer outcomes.");
        assertThat(search.exitCode()).as(search.err()).isZero();
        assertThat(Json.MAPPER.readTree(search.out()).get("hits").get(0).get("id").asString()).isEqualTo("45638119");

        Cli.Result unknown = Cli.run("demo", "--index-only", "--data-dir", dataDir.toString(), "--model", "no-such-model");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("model_not_found").contains("no-such-model");
    }
}
