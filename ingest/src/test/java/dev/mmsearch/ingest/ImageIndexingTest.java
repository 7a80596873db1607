package dev.mmsearch.ingest;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.ImageEncoder;
import dev.mmsearch.core.ImageRoots;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Indexing image folders and image paths with the project's tiny CLIP (real ONNX towers, real Lucene store): every
 * bad image is reported with its path and reason and skipped, every good one is indexed — corrupt bytes, a truncated
 * file, a decompression bomb (a PNG header claiming 60000 x 60000), a symbolic link out of the folder, a path with
 * {@code ..} leaving the image roots, a missing file, and a metadata line for an image that is not there.
 */
class ImageIndexingTest {
    static ModelRegistry registry;
    static ImageEncoder encoder;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        registry = new ModelRegistry(TestPaths.testCache().resolve("models"));
        String fixtures = System.getProperty("mmsearch.fixtures");
        Path model = fixtures != null ? Path.of(fixtures).resolve("models/tiny-clip")
                : Path.of("../fixtures/models/tiny-clip").toAbsolutePath().normalize();
        encoder = registry.imageEncoder(registry.register(model));
    }

    @AfterAll
    static void close() {
        registry.close();
    }

    private static Path tinyClipEval() {
        String fixtures = System.getProperty("mmsearch.fixtures");
        return (fixtures != null ? Path.of(fixtures) : Path.of("../fixtures").toAbsolutePath().normalize())
                .resolve("models/tiny-clip/eval");
    }

    @Test
    void aFolderWithBadImagesIndexesTheGoodOnesAndReportsEachBadOneWithItsPathAndReason() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("photos/sub"));
        List<Path> good = new ArrayList<>();
        try (var files = Files.list(tinyClipEval())) {
            for (Path png : files.filter(f -> f.toString().endsWith(".png")).sorted().limit(20).toList()) {
                good.add(Files.copy(png, folder.resolve(png.getFileName())));
            }
        }
        byte[] png = Files.readAllBytes(good.getFirst());
        Files.write(folder.resolve("corrupt.jpg"), "this is not a JPEG".getBytes());
        Files.write(folder.resolve("truncated.png"), Arrays.copyOf(png, png.length / 3));
        Files.write(folder.resolve("bomb.png"), pngClaiming(60000, 60000));
        Files.writeString(dir.resolve("secret.png"), "outside");
        Files.createSymbolicLink(folder.resolve("escape.png"), dir.resolve("secret.png"));
        Path metadata = Files.write(dir.resolve("meta.jsonl"), List.of(
                Json.MAPPER.writeValueAsString(Map.of("path", "sub/" + good.get(0).getFileName(), "caption", "first")),
                "{not json",
                Json.MAPPER.writeValueAsString(Map.of("path", "sub/missing.png", "caption", "ghost"))));

        try (LuceneCollectionStore store = new LuceneCollectionStore(dir.resolve("collections"))) {
            CollectionSchema schema = CollectionSchema.images("image", List.of("caption"), List.of(), List.of());
            SearchCollection photos = store.getOrCreate("photos", schema, encoder.stamp());
            ImageRoots roots = ImageRoots.of(List.of(dir.resolve("photos")));
            IndexSummary summary;
            try (ImageFolderSource source = ImageFolderSource.open(dir.resolve("photos"), metadata)) {
                summary = Indexer.index(source, photos, DocumentEmbedder.image(encoder, schema, roots, 20 << 20),
                        null, IndexOptions.defaults().withBatchSize(8), IndexProgress.NONE, dir.resolve("reports"));
            }
            assertThat(summary.indexed()).isEqualTo(20);
            assertThat(photos.count()).isEqualTo(20);
            assertThat(summary.failed()).as("4 bad images + 2 bad metadata lines").isEqualTo(6);
            assertThat(photos.fetch(List.of("sub/" + good.get(0).getFileName())).values().iterator().next()
                    .text("caption")).isEqualTo("first");

            List<JsonNode> report = new ArrayList<>();
            for (String line : Files.readAllLines(summary.errorReport())) {
                report.add(Json.MAPPER.readTree(line));
            }
            assertThat(reason(report, "sub/corrupt.jpg")).contains("not a recognised image")
                    .doesNotContain("Exception");
            assertThat(reason(report, "sub/truncated.png")).isNotBlank();
            assertThat(reason(report, "sub/bomb.png")).contains("60000");
            assertThat(reason(report, "sub/escape.png")).contains("outside the allowed image roots");
            assertThat(report).anySatisfy(r -> {
                assertThat(r.get("file").asString()).endsWith("meta.jsonl");
                assertThat(r.get("line").asInt()).isEqualTo(2);
                assertThat(r.get("reason").asString()).contains("malformed JSON");
            });
            assertThat(report).anySatisfy(r -> assertThat(r.get("reason").asString())
                    .contains("'sub/missing.png' is not in the folder"));
        }
    }

    @Test
    void imagePathsInJsonlAreConfinedToTheRootsAndMissingFilesAreReported() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path ok = Files.copy(tinyClipEval().resolve("000-red-circle.png"), root.resolve("ok.png"));
        Files.copy(ok, dir.resolve("outside.png"));
        Path input = Files.write(dir.resolve("docs.jsonl"), List.of(
                "{\"id\": \"a\", \"image\": \"ok.png\"}",
                "{\"id\": \"b\", \"image\": \"../outside.png\"}",
                "{\"id\": \"c\", \"image\": \"" + dir.resolve("outside.png") + "\"}",
                "{\"id\": \"d\", \"image\": \"nope.png\"}",
                "{\"id\": \"e\", \"image\": \"http://example.com/x.png\"}",
                "{\"id\": \"f\"}"));
        try (LuceneCollectionStore store = new LuceneCollectionStore(dir.resolve("collections"))) {
            CollectionSchema schema = CollectionSchema.images("image", List.of(), List.of(), List.of());
            SearchCollection c = store.getOrCreate("imgs", schema, encoder.stamp());
            IndexSummary summary = Indexer.index(input, c, DocumentEmbedder.image(encoder, schema,
                    ImageRoots.of(List.of(root)), 20 << 20), null, IndexOptions.defaults(), IndexProgress.NONE,
                    dir.resolve("reports"));
            assertThat(summary.indexed()).isEqualTo(1);
            assertThat(summary.failed()).isEqualTo(5);
            String report = Files.readString(summary.errorReport());
            assertThat(report).contains("'../outside.png' is outside the allowed image roots")
                    .contains("is outside the allowed image roots")
                    .contains("'nope.png' not found")
                    .contains("is a URL")
                    .contains("no image path in field 'image'");
            assertThat(c.fetch(List.of("a"))).containsKey("a");
        }
    }

    private static String reason(List<JsonNode> report, String path) {
        return report.stream().filter(r -> r.has("excerpt") && r.get("excerpt").asString().equals(path))
                .map(r -> r.get("reason").asString()).findFirst()
                .orElseThrow(() -> new AssertionError("no report line for " + path + " in " + report));
    }

    static byte[] pngClaiming(int width, int height) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), "png", out);
        byte[] png = out.toByteArray();
        java.nio.ByteBuffer.wrap(png, 16, 8).putInt(width).putInt(height);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(png, 12, 17);
        java.nio.ByteBuffer.wrap(png, 29, 4).putInt((int) crc.getValue());
        return png;
    }
}
