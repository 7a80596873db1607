package dev.mmsearch.server;

import dev.mmsearch.server.service.SearchService;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.Json;
import dev.mmsearch.server.experiments.ExperimentSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Path confinement over HTTP: an image indexed from a folder is served, but once its file is swapped for a
 * symlink to a file outside the image roots (after indexing, so the indexer's own check cannot catch it), neither
 * the image nor the thumbnail endpoint serves the outside file.
 */
class ImageConfinementIT {
    @TempDir
    static Path dir;

    @Test
    void aFileSwappedForASymlinkOutsideTheRootsIsNotServed() throws Exception {
        Path eval = Path.of(System.getProperty("mmsearch.fixtures", "../fixtures")).resolve("models/tiny-clip/eval");
        Path images = Files.createDirectories(dir.resolve("images"));
        Files.copy(eval.resolve("000-red-circle.png"), images.resolve("a.png"));
        Files.copy(eval.resolve("000-red-circle.png"), images.resolve("b.png"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        byte[] secret = Files.readAllBytes(eval.resolve("000-red-circle.png"));
        secret[secret.length - 1] ^= 1; // different bytes, so serving it would show
        Files.write(outside.resolve("secret.png"), secret);
        Path data = dir.resolve("data");
        Cli.Result model = Cli.run("models", "add", eval.getParent().toString(), "--data-dir", data.toString());
        assertThat(model.exitCode()).as(model.err()).isZero();
        Cli.Result indexed = Cli.run("index", "--data-dir", data.toString(), "--collection", "pics", "--input",
                images.toString(), "--model", "tiny-clip", "--no-progress");
        assertThat(indexed.exitCode()).as(indexed.err() + indexed.out()).isZero();

        ConfigurableApplicationContext app = SearchService.start(new DataDirectory(data), 0, new EngineOptions(1, 8),
                ExperimentSettings.DEFAULTS, Map.of());
        try {
            String base = "http://127.0.0.1:" + SearchService.port(app);
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<byte[]> ok = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/collections/pics/image?id=a.png"))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo(Files.readAllBytes(images.resolve("a.png")));

            Files.delete(images.resolve("b.png"));
            Files.createSymbolicLink(images.resolve("b.png"), outside.resolve("secret.png"));
            for (String endpoint : new String[]{"image", "thumbnail"}) {
                HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/collections/pics/"
                        + endpoint + "?id=b.png")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).as(endpoint + ": " + refused.body()).isEqualTo(400);
                JsonNode body = Json.MAPPER.readTree(refused.body());
                assertThat(body.get("code").asString()).isEqualTo("invalid_input");
                assertThat(body.get("message").asString()).contains("outside the allowed image roots")
                        .doesNotContain(outside.toString());
            }
        } finally {
            app.close();
        }
    }
}
