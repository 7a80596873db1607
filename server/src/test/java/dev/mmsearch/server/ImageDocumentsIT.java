package dev.mmsearch.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.Json;
import dev.mmsearch.server.experiments.ExperimentSettings;
import dev.mmsearch.server.service.SearchService;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Image documents written while the server serves, end to end with the tiny trained CLIP (fixtures/models/tiny-clip)
 * and its eval images: an image collection created over HTTP, images uploaded as multipart with their fields (POST
 * with an {@code id} part, and PUT by id with one part per field), found by text, by an uploaded image and by "find
 * similar", served back through the image and thumbnail endpoints, stored once per distinct image; and the bad
 * uploads, which store nothing and index nothing.
 */
class ImageDocumentsIT {
    static final String[] CLASSES = {"red-circle", "blue-square", "yellow-star", "green-triangle", "purple-cross"};

    @TempDir
    static Path dataDir;
    static Path eval;
    static ConfigurableApplicationContext app;
    static final HttpClient http = HttpClient.newHttpClient();
    static String base;
    static String key;

    @BeforeAll
    static void start() throws Exception {
        eval = ImageSearchIT.fixtures().resolve("models/tiny-clip/eval");
        key = Cli.run("keys", "add", "uploader", "--data-dir", dataDir.toString()).out().strip();
        Cli.Result added = Cli.run("models", "add", eval.getParent().toString(), "--data-dir", dataDir.toString());
        assertThat(added.exitCode()).as(added.err()).isZero();
        app = SearchService.start(new DataDirectory(dataDir), 0, new EngineOptions(1, 8), ExperimentSettings.DEFAULTS,
                Map.of("mmsearch.security.rate-limit.per-second", "0"));
        base = "http://127.0.0.1:" + SearchService.port(app);
        HttpResponse<String> created = send("PUT", "/api/v1/collections/pics", "application/json",
                bytes("{\"model\": \"tiny-clip\", \"imageField\": \"picture\", \"textFields\": [\"caption\"],"
                        + " \"keywordFields\": [\"colour\"], \"numericFields\": [\"year\"]}"), true);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode info = json(created);
        assertThat(info.get("modality").asString()).isEqualTo("image");
        assertThat(info.get("schema").get("imageField").asString()).isEqualTo("picture");
        assertThat(info.get("schema").get("textFields").toString()).isEqualTo("[\"caption\"]");
        for (String cls : CLASSES) {
            HttpResponse<String> r = upload("/api/v1/collections/pics/documents", image(cls), "image/png",
                    "id", cls, "fields", "{\"caption\": \"a " + cls.replace('-', ' ') + "\", \"colour\": \""
                            + cls.substring(0, cls.indexOf('-')) + "\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(json(r).get("result").asString()).isEqualTo("created");
        }
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void anImageCollectionIsCreatedOverHttpAndRefusesWhatDoesNotFit() throws Exception {
        // The same request again is idempotent; another image field is a different schema.
        assertThat(send("PUT", "/api/v1/collections/pics", "application/json", bytes("{\"model\": \"tiny-clip\","
                + " \"imageField\": \"picture\", \"textFields\": [\"caption\"], \"keywordFields\": [\"colour\"],"
                + " \"numericFields\": [\"year\"]}"), true).statusCode()).isEqualTo(200);
        assertError(send("PUT", "/api/v1/collections/pics", "application/json",
                bytes("{\"model\": \"tiny-clip\", \"imageField\": \"img\"}"), true), 409, "collection_exists");
        assertError(send("PUT", "/api/v1/collections/bad", "application/json", bytes("{\"model\": \"tiny-clip\","
                + " \"imageField\": \"caption\", \"textFields\": [\"caption\"]}"), true), 400, "invalid_argument");
        assertError(send("PUT", "/api/v1/collections/bad", "application/json", bytes("{\"model\": \"tiny-clip\","
                + " \"imageField\": \"picture\", \"embed\": \"{caption}\"}"), true), 400, "invalid_argument");
        // The image field defaults its text fields as `mmsearch index` of an image folder does.
        HttpResponse<String> defaults = send("PUT", "/api/v1/collections/defaults", "application/json",
                bytes("{\"model\": \"tiny-clip\", \"imageField\": \"image\"}"), true);
        assertThat(defaults.statusCode()).as(defaults.body()).isEqualTo(201);
        assertThat(json(defaults).get("schema").get("textFields").toString()).isEqualTo("[\"captions\",\"caption\"]");
    }

    @Test
    void uploadedImagesAreFoundByTextByImageAndBySimilarityAndServedBack() throws Exception {
        for (String cls : CLASSES) {
            JsonNode r = okJson(send("POST", "/api/v1/collections/pics/search", "application/json",
                    bytes("{\"query\": \"a " + cls.replace('-', ' ') + "\", \"topK\": 3, \"retriever\": \"dense\"}"),
                    false));
            assertThat(ids(r).getFirst()).as("text query for " + cls).isEqualTo(cls);
            assertThat(r.get("hits").get(0).get("fields").get("_image").asString())
                    .isEqualTo("/api/v1/collections/pics/image?id=" + cls);
        }
        // An uploaded query image: another rendering of the class finds the stored one first.
        JsonNode byImage = okJson(upload("/api/v1/collections/pics/search",
                Files.readAllBytes(eval.resolve("001-red-circle.png")), "image/png", "topK", "3", "retriever", "dense"));
        assertThat(ids(byImage).getFirst()).isEqualTo("red-circle");
        JsonNode similar = okJson(send("POST", "/api/v1/collections/pics/search", "application/json",
                bytes("{\"imageId\": \"blue-square\", \"topK\": 3, \"retriever\": \"dense\"}"), false));
        assertThat(ids(similar).getFirst()).isEqualTo("blue-square");
        assertThat(similar.get("hits").get(0).get("score").asDouble()).isGreaterThan(0.999);
        // BM25 over the uploaded captions, and a keyword filter over the uploaded fields.
        JsonNode filtered = okJson(send("POST", "/api/v1/collections/pics/search", "application/json",
                bytes("{\"query\": \"a shape\", \"topK\": 5, \"filter\": {\"term\": {\"colour\": \"yellow\"}}}"),
                false));
        assertThat(ids(filtered)).containsExactly("yellow-star");

        HttpResponse<byte[]> original = getBytes("/api/v1/collections/pics/image?id=red-circle");
        assertThat(original.statusCode()).isEqualTo(200);
        assertThat(original.headers().firstValue("content-type")).hasValue("image/png");
        assertThat(original.body()).isEqualTo(image("red-circle"));
        HttpResponse<byte[]> thumbnail = getBytes("/api/v1/collections/pics/thumbnail?id=red-circle");
        assertThat(thumbnail.statusCode()).isEqualTo(200);
        assertThat(thumbnail.headers().firstValue("content-type")).hasValue("image/jpeg");
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(thumbnail.body()));
        assertThat(decoded.getWidth()).isPositive();
        assertThat(Math.max(decoded.getWidth(), decoded.getHeight())).isLessThanOrEqualTo(256);

        JsonNode document = okJson(send("GET", "/api/v1/collections/pics/documents/red-circle", null, null, false));
        String sha = sha256(image("red-circle"));
        assertThat(document.get("fields").get("picture").asString())
                .isEqualTo("pics/" + sha.substring(0, 2) + "/" + sha + ".png");
        assertThat(document.get("fields").get("caption").asString()).isEqualTo("a red circle");
    }

    @Test
    void theSameImageUnderTwoIdsIsStoredOnceAndOutlivesADeletedDocument() throws Exception {
        byte[] png = image("orange-star");
        String sha = sha256(png);
        for (String id : List.of("star-a", "star-b")) {
            HttpResponse<String> r = upload("/api/v1/collections/pics/documents", png, "image/png", "id", id,
                    "fields", "{\"caption\": \"an orange star\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(json(r).get("sha256").asString()).isEqualTo(sha);
            assertThat(json(r).get("image").asString()).isEqualTo("/api/v1/collections/pics/image?id=" + id);
        }
        assertThat(storedFiles().stream().filter(f -> f.getFileName().toString().startsWith(sha))).hasSize(1);
        HttpResponse<String> again = upload("/api/v1/collections/pics/documents", png, "image/png", "id", "star-a");
        assertThat(json(again).get("result").asString()).isEqualTo("updated");

        assertThat(okJson(send("DELETE", "/api/v1/collections/pics/documents/star-b", null, null, true))
                .get("result").asString()).isEqualTo("deleted");
        assertThat(storedFiles().stream().filter(f -> f.getFileName().toString().startsWith(sha))).hasSize(1);
        assertThat(getBytes("/api/v1/collections/pics/image?id=star-a").body()).isEqualTo(png);
        assertThat(getBytes("/api/v1/collections/pics/image?id=star-b").statusCode()).isEqualTo(404);
    }

    @Test
    void aStoredUploadSwappedForASymlinkOutsideTheDataDirIsNotServedAndDeleteByFilterWorks() throws Exception {
        byte[] png = image("black-cross");
        HttpResponse<String> r = upload("/api/v1/collections/pics/documents", png, "image/png", "id", "swapped",
                "colour", "black");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String sha = json(r).get("sha256").asString();
        Path stored = dataDir.resolve("images/pics").resolve(sha.substring(0, 2)).resolve(sha + ".png");
        assertThat(getBytes("/api/v1/collections/pics/image?id=swapped").body()).isEqualTo(png);
        Path outside = Files.write(dataDir.resolveSibling(dataDir.getFileName() + "-secret.png"), png);
        try {
            Files.delete(stored);
            Files.createSymbolicLink(stored, outside);
            for (String endpoint : List.of("image", "thumbnail")) {
                HttpResponse<String> refused = send("GET", "/api/v1/collections/pics/" + endpoint + "?id=swapped",
                        null, null, false);
                assertError(refused, 400, "invalid_input");
                assertThat(json(refused).get("message").asString()).contains("outside the allowed image roots");
            }
        } finally {
            Files.deleteIfExists(stored);
            Files.write(stored, png);
            Files.deleteIfExists(outside);
        }
        JsonNode deleted = okJson(send("POST", "/api/v1/collections/pics/documents/delete", "application/json",
                bytes("{\"filter\": {\"term\": {\"colour\": \"black\"}}}"), true));
        assertThat(deleted.get("deleted").asLong()).isEqualTo(1);
        assertError(send("GET", "/api/v1/collections/pics/documents/swapped", null, null, false), 404, "not_found");
    }

    @Test
    void putByIdTakesOneFormPartPerField() throws Exception {
        byte[] png = image("white-square");
        HttpResponse<String> put = put("/api/v1/collections/pics/documents/white", png, "image/png",
                "caption", "ein weißes Quadrat – ümlaut", "colour", "white", "year", "2024");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(json(put).get("id").asString()).isEqualTo("white");
        JsonNode fields = okJson(send("GET", "/api/v1/collections/pics/documents/white", null, null, false))
                .get("fields");
        assertThat(fields.get("caption").asString()).isEqualTo("ein weißes Quadrat – ümlaut");
        assertThat(fields.get("year").isNumber()).as(fields.toString()).isTrue();
        assertThat(fields.get("year").asInt()).isEqualTo(2024);
        assertError(put("/api/v1/collections/pics/documents/white", png, "image/png", "id", "other"), 400,
                "bad_request");
        assertError(put("/api/v1/collections/pics/documents/white", png, "image/png", "year", "soon"), 400,
                "invalid_input");
    }

    @Test
    void badUploadsAreRefusedAndLeaveNothingBehind() throws Exception {
        List<Path> before = storedFiles();
        String docs = "/api/v1/collections/pics/documents";
        HttpResponse<String> notImage = upload(docs, bytes("not an image at all"), "image/png", "id", "bad");
        assertError(notImage, 415, "unsupported_media_type");
        byte[] png = image("red-circle");
        assertError(upload(docs, java.util.Arrays.copyOf(png, png.length / 2), "image/png", "id", "bad"), 415,
                "unsupported_media_type");
        HttpResponse<String> bomb = upload(docs, ImageSearchIT.pngHeaderClaiming(60000, 60000), "image/png",
                "id", "bad");
        assertError(bomb, 413, "payload_too_large");
        assertThat(json(bomb).get("message").asString()).contains("pixels");
        HttpResponse<String> tooLarge = upload(docs, new byte[21 * 1024 * 1024], "image/png", "id", "bad");
        assertError(tooLarge, 413, "payload_too_large");
        assertThat(json(tooLarge).get("message").asString()).contains(String.valueOf(20 * 1024 * 1024));
        assertError(upload(docs, png, "image/png", "fields", "{\"caption\": \"no id\"}"), 400, "bad_request");
        assertError(upload(docs, null, null, "id", "bad"), 400, "bad_request");
        assertError(upload(docs, png, "image/png", "id", "bad", "fields", "[1, 2]"), 400, "bad_request");
        assertError(upload(docs, png, "image/png", "id", "bad", "fields", "{not json"), 400, "bad_request");
        assertError(upload(docs, png, "image/png", "id", "bad", "picture", "/etc/passwd"), 400, "bad_request");
        assertError(upload(docs, png, "image/png", "id", "bad", "fields", "{\"caption\": \"x\"}", "caption", "y"),
                400, "bad_request");
        assertError(upload(docs, png, "image/png", "id", "x".repeat(600)), 400, "invalid_input");
        // Broken multipart bodies: 400 JSON, not a 500.
        byte[] good = multipartBody("b", png, "image/png", "id", "bad");
        for (Map.Entry<String, byte[]> broken : Map.of("multipart/form-data", good,
                "multipart/form-data; boundary=b", java.util.Arrays.copyOf(good, good.length - 30),
                "multipart/form-data; boundary=other", good, "multipart/form-data; boundary=e", new byte[0]).entrySet()) {
            HttpResponse<String> r = send("POST", docs, broken.getKey(), broken.getValue(), true);
            assertThat(r.statusCode()).as(broken.getKey() + ": " + r.body()).isEqualTo(400);
            assertThat(json(r).get("code").asString()).isEqualTo("bad_request");
        }
        assertThat(storedFiles()).as("nothing stored").isEqualTo(before);
        assertError(send("GET", docs + "/bad", null, null, false), 404, "not_found");

        // No key: 401 before anything is read or stored.
        HttpRequest.Builder anonymous = multipart("POST", docs, png, "image/png", "id", "anonymous");
        assertError(http.send(anonymous.build(), HttpResponse.BodyHandlers.ofString()), 401, null);
        // A text collection refuses an upload; an image collection refuses JSON writes naming files.
        assertThat(send("PUT", "/api/v1/collections/notes", "application/json",
                bytes("{\"model\": \"tiny-clip\", \"textFields\": [\"caption\"]}"), true).statusCode()).isEqualTo(201);
        HttpResponse<String> text = upload("/api/v1/collections/notes/documents", png, "image/png", "id", "a");
        assertError(text, 400, "invalid_argument");
        assertThat(json(text).get("message").asString()).contains("holds text, not images");
        HttpResponse<String> jsonWrite = send("POST", docs, "application/x-ndjson",
                bytes("{\"id\": \"j\", \"picture\": \"/etc/passwd\"}"), true);
        assertError(jsonWrite, 400, "invalid_argument");
        assertThat(json(jsonWrite).get("message").asString()).contains("multipart/form-data");
        assertError(upload("/api/v1/collections/nope/documents", png, "image/png", "id", "a"), 404,
                "collection_not_found");
        assertThat(storedFiles()).as("nothing stored").isEqualTo(before);
        assertThat(send("GET", "/actuator/health", null, null, false).statusCode()).isEqualTo(200);
    }

    // --- helpers -------------------------------------------------------------------------------------------

    static byte[] image(String cls) throws Exception {
        try (Stream<Path> files = Files.list(eval)) {
            Path file = files.filter(f -> f.getFileName().toString().endsWith("-" + cls + ".png")).sorted()
                    .findFirst().orElseThrow();
            return Files.readAllBytes(file);
        }
    }

    static List<Path> storedFiles() throws Exception {
        Path root = dataDir.resolve("images");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static HttpResponse<String> upload(String path, byte[] image, String type, String... fields) throws Exception {
        return send(multipart("POST", path, image, type, fields));
    }

    static HttpResponse<String> put(String path, byte[] image, String type, String... fields) throws Exception {
        return send(multipart("PUT", path, image, type, fields));
    }

    static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A multipart request: the text parts (name, value pairs, UTF-8 without a Content-Type of their own, as curl -F
     * sends them), then the file part 'image' if any.
     */
    static HttpRequest.Builder multipart(String method, String path, byte[] image, String type, String... fields)
            throws Exception {
        String boundary = "----mmsearch" + UUID.randomUUID();
        return HttpRequest.newBuilder(URI.create(base + path))
                .header("content-type", "multipart/form-data; boundary=" + boundary)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(multipartBody(boundary, image, type, fields)));
    }

    static byte[] multipartBody(String boundary, byte[] image, String type, String... fields) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i + 1 < fields.length; i += 2) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + fields[i] + "\"\r\n\r\n"
                    + fields[i + 1] + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        if (image != null) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.png\"\r\n"
                    + "Content-Type: " + type + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.write(image);
            body.write("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    static HttpResponse<String> send(String method, String path, String contentType, byte[] body, boolean keyed)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("content-type", contentType);
        }
        if (keyed) {
            request.header("Authorization", "Bearer " + key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<byte[]> getBytes(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode json(HttpResponse<String> response) {
        return Json.MAPPER.readTree(response.body());
    }

    static JsonNode okJson(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    static List<String> ids(JsonNode response) {
        List<String> ids = new ArrayList<>();
        response.get("hits").forEach(h -> ids.add(h.get("id").asString()));
        return ids;
    }

    /** {@code code} null: any code, as long as the answer is a JSON error with a message. */
    static void assertError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = json(response);
        if (code != null) {
            assertThat(body.get("code").asString()).as(response.body()).isEqualTo(code);
        }
        assertThat(body.get("message").asString()).isNotBlank();
    }
}
