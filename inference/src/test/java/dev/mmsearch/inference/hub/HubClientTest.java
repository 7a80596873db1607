package dev.mmsearch.inference.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link HubClient} against {@link FakeHub} over real HTTP: listing, redirects, resume, checksums, errors. */
class HubClientTest {

    private static final String PRIVATE_REPO = "acme/private-clip";
    private static final String TOKEN = "hf_test_token_123";

    private static FakeHub hub;
    private static Map<String, byte[]> clipFiles;

    @TempDir
    Path temp;

    @BeforeAll
    static void startHub() {
        clipFiles = HubFixtures.clipRepo();
        hub = new FakeHub().repo(HubFixtures.CLIP_REPO, clipFiles).repo(PRIVATE_REPO, clipFiles)
                .privateRepo(PRIVATE_REPO, TOKEN);
    }

    @AfterAll
    static void stopHub() {
        hub.close();
    }

    private static HubClient client() {
        return new HubClient(hub.endpoint(), null);
    }

    private static HubFile file(List<HubFile> files, String path) {
        return files.stream().filter(f -> f.path().equals(path)).findFirst().orElseThrow();
    }

    @Test
    void listsEveryFileAcrossPagesWithSizesAndChecksumsAndWithoutDirectories() {
        hub.pageSize(3);
        try {
            long treeRequestsBefore = treeRequests();
            List<HubFile> files = client().listFiles(HubFixtures.CLIP_REPO, "main");
            assertThat(files).extracting(HubFile::path).containsExactlyInAnyOrderElementsOf(clipFiles.keySet())
                    .doesNotContain("onnx");
            HubFile text = file(files, "onnx/text_model.onnx");
            byte[] textBytes = clipFiles.get("onnx/text_model.onnx");
            assertThat(text.isLfs()).isTrue();
            assertThat(text.size()).isEqualTo(textBytes.length);
            assertThat(text.lfsSha256()).isEqualTo(FakeHub.sha256(textBytes));
            HubFile tokenizer = file(files, "tokenizer.json");
            assertThat(tokenizer.isLfs()).isFalse();
            assertThat(tokenizer.gitOid()).isEqualTo(FakeHub.gitBlobId(clipFiles.get("tokenizer.json")));
            int entries = clipFiles.size() + 1; // the files and the onnx/ directory
            assertThat(treeRequests() - treeRequestsBefore).as("%d entries in pages of 3", entries)
                    .isEqualTo((entries + 2) / 3);
        } finally {
            hub.pageSize(1000);
        }
    }

    private static long treeRequests() {
        return hub.requests().stream().filter(r -> r.path().contains("/tree/")).count();
    }

    @Test
    void downloadsAnLfsFileThroughTheCdnRedirectAndVerifiesIt() throws IOException {
        List<HubFile> files = client().listFiles(HubFixtures.CLIP_REPO, "main");
        Path target = temp.resolve("onnx").resolve("vision_model.onnx");
        AtomicLong progressed = new AtomicLong();
        client().download(HubFixtures.CLIP_REPO, "main", file(files, "onnx/vision_model.onnx"), target,
                countingProgress(progressed));
        byte[] expected = clipFiles.get("onnx/vision_model.onnx");
        assertThat(FakeHub.sha256(Files.readAllBytes(target))).isEqualTo(FakeHub.sha256(expected));
        assertThat(progressed.get()).isEqualTo(expected.length);
        assertThat(target.resolveSibling("vision_model.onnx.part")).doesNotExist();
        assertThat(hub.downloadsOf(HubFixtures.CLIP_REPO, "onnx/vision_model.onnx"))
                .extracting(FakeHub.Request::server)
                .contains("api", "cdn");
    }

    @Test
    void resumesAnInterruptedDownloadWithARangeRequest() throws IOException {
        String path = "onnx/text_model.onnx";
        HubFile remote = file(client().listFiles(HubFixtures.CLIP_REPO, "main"), path);
        Path target = temp.resolve("text_model.onnx");
        Path part = temp.resolve("text_model.onnx.part");
        hub.cutOnce(path, 300_000);
        int before = hub.downloadsOf(HubFixtures.CLIP_REPO, path).size();

        // The server cuts the connection after 300,000 bytes; how many of them reach the client before the
        // close depends on socket buffers, so the test reads the count from the .part file.
        assertThatThrownBy(() -> client().download(HubFixtures.CLIP_REPO, "main", remote, target, null))
                .isInstanceOf(MmsearchException.class)
                .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.NOT_READY))
                .hasMessageContaining("interrupted after ")
                .hasMessageContaining(" of " + remote.size())
                .hasMessageContaining("resumes");
        long kept = Files.size(part);
        assertThat(kept).isPositive().isLessThanOrEqualTo(300_000);
        assertThat(target).doesNotExist();

        AtomicLong progressed = new AtomicLong();
        client().download(HubFixtures.CLIP_REPO, "main", remote, target, countingProgress(progressed));
        assertThat(FakeHub.sha256(Files.readAllBytes(target))).isEqualTo(remote.lfsSha256());
        assertThat(part).doesNotExist();
        assertThat(progressed.get()).as("resumed bytes count as done").isEqualTo(remote.size());
        List<FakeHub.Request> all = hub.downloadsOf(HubFixtures.CLIP_REPO, path);
        List<FakeHub.Request> second = all.subList(before + 2, all.size());
        assertThat(second).extracting(FakeHub.Request::range).containsOnly("bytes=" + kept + "-");
        assertThat(second).extracting(FakeHub.Request::server).containsExactly("api", "cdn");
    }

    @Test
    void aCompletePartFileIsVerifiedAndRenamedWithoutARequest() throws IOException {
        String path = "config.json";
        HubFile remote = file(client().listFiles(HubFixtures.CLIP_REPO, "main"), path);
        Files.write(temp.resolve("config.json.part"), clipFiles.get(path));
        int before = hub.requests().size();
        client().download(HubFixtures.CLIP_REPO, "main", remote, temp.resolve(path), null);
        assertThat(hub.requests()).hasSize(before);
        assertThat(temp.resolve(path)).hasBinaryContent(clipFiles.get(path));
        assertThat(HubClient.matches(temp.resolve(path), remote)).isTrue();
        Files.write(temp.resolve(path), HubFixtures.utf8("{\"model_type\": \"bert\"}"));
        assertThat(HubClient.matches(temp.resolve(path), remote)).isFalse();
    }

    @Test
    void startsAgainWhenTheServerIgnoresTheRange() throws IOException {
        String path = "onnx/vision_model.onnx";
        HubFile remote = file(client().listFiles(HubFixtures.CLIP_REPO, "main"), path);
        Path target = temp.resolve("v.onnx");
        Files.write(temp.resolve("v.onnx.part"), java.util.Arrays.copyOf(clipFiles.get(path), 1000));
        hub.ignoreRange(true);
        try {
            client().download(HubFixtures.CLIP_REPO, "main", remote, target, null);
        } finally {
            hub.ignoreRange(false);
        }
        assertThat(FakeHub.sha256(Files.readAllBytes(target))).isEqualTo(remote.lfsSha256());
        assertThat(Files.size(target)).isEqualTo(remote.size());
    }

    @Test
    void aCorruptedLfsFileFailsTheChecksumAndLeavesNothingBehind() {
        String path = "onnx/model.onnx";
        HubFile remote = file(client().listFiles(HubFixtures.CLIP_REPO, "main"), path);
        Path target = temp.resolve("model.onnx");
        hub.corrupt(path);
        try {
            assertThatThrownBy(() -> client().download(HubFixtures.CLIP_REPO, "main", remote, target, null))
                    .isInstanceOf(MmsearchException.class)
                    .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.INTERNAL))
                    .hasMessageContaining("checksum mismatch for onnx/model.onnx")
                    .hasMessageContaining("sha256 " + remote.lfsSha256())
                    .hasMessageContaining("run the command again");
        } finally {
            hub.clearCorruption();
        }
        assertThat(target).doesNotExist();
        assertThat(temp.resolve("model.onnx.part")).doesNotExist();
    }

    @Test
    void aCorruptedPlainFileFailsItsGitBlobId() {
        String path = "preprocessor_config.json";
        HubFile remote = file(client().listFiles(HubFixtures.CLIP_REPO, "main"), path);
        hub.corrupt(path);
        try {
            assertThatThrownBy(() -> client().download(HubFixtures.CLIP_REPO, "main", remote,
                    temp.resolve(path), null))
                    .hasMessageContaining("git blob sha1 " + remote.gitOid());
        } finally {
            hub.clearCorruption();
        }
        assertThat(temp.resolve(path + ".part")).doesNotExist();
    }

    @Test
    void unknownRepositoryIsModelNotFoundNamingIt() {
        assertThatThrownBy(() -> client().listFiles("nobody/no-such-model", "main"))
                .isInstanceOf(MmsearchException.class)
                .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND))
                .hasMessageContaining("nobody/no-such-model").hasMessageContaining("not found");
    }

    @Test
    void unknownRevisionNamesTheRevision() {
        assertThatThrownBy(() -> client().listFiles(HubFixtures.CLIP_REPO, "v9"))
                .isInstanceOf(MmsearchException.class)
                .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND))
                .hasMessageContaining("revision 'v9'");
    }

    @Test
    void privateRepositoryWithoutTokenExplainsHfToken() {
        assertThatThrownBy(() -> client().listFiles(PRIVATE_REPO, "main"))
                .isInstanceOf(MmsearchException.class)
                .hasMessageContaining("HTTP 401").hasMessageContaining("HF_TOKEN").hasMessageContaining(PRIVATE_REPO);
        assertThatThrownBy(() -> client().withToken("wrong").listFiles(PRIVATE_REPO, "main"))
                .hasMessageContaining("HF_TOKEN").hasMessageContaining("refused");
    }

    @Test
    void tokenGoesToTheHubButNeverToTheCdn() throws IOException {
        HubClient authorized = client().withToken(TOKEN);
        List<HubFile> files = authorized.listFiles(PRIVATE_REPO, "main");
        int before = hub.requests().size();
        Path target = temp.resolve("t.onnx");
        authorized.download(PRIVATE_REPO, "main", file(files, "onnx/text_model_quantized.onnx"), target, null);
        assertThat(Files.size(target)).isEqualTo(clipFiles.get("onnx/text_model.onnx").length);
        List<FakeHub.Request> made = hub.requests().subList(before, hub.requests().size());
        assertThat(made).filteredOn(r -> r.server().equals("api")).extracting(FakeHub.Request::authorization)
                .containsOnly("Bearer " + TOKEN);
        assertThat(made).filteredOn(r -> r.server().equals("cdn")).isNotEmpty()
                .extracting(FakeHub.Request::authorization).containsOnlyNulls();
    }

    @Test
    void unreachableEndpointIsNotReadyNamingTheEndpoint() throws IOException {
        int freePort;
        try (ServerSocket socket = new ServerSocket(0)) {
            freePort = socket.getLocalPort();
        }
        URI endpoint = URI.create("http://127.0.0.1:" + freePort);
        assertThatThrownBy(() -> new HubClient(endpoint, null).listFiles(HubFixtures.CLIP_REPO, "main"))
                .isInstanceOf(MmsearchException.class)
                .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.NOT_READY))
                .hasMessageContaining("cannot reach the Hugging Face hub at " + endpoint);
    }

    @Test
    void rejectsMalformedIdsAndEndpoints() {
        for (String bad : new String[] {"../etc", "a/b/c", "", " x", "ns/..", "ns/name?x"}) {
            assertThatThrownBy(() -> client().listFiles(bad, "main")).as(bad)
                    .isInstanceOf(MmsearchException.class).hasMessageContaining("is not a Hugging Face model id");
        }
        assertThatThrownBy(() -> new HubClient(URI.create("ftp://example.org"), null))
                .hasMessageContaining("not an http(s) URL");
        assertThatThrownBy(() -> new HubFile("../outside.onnx", 1, null, null))
                .hasMessageContaining("not a relative path");
    }

    static DownloadProgress countingProgress(AtomicLong counter) {
        return new DownloadProgress() {
            @Override
            public void start(String task, long totalBytes) {
            }

            @Override
            public void advance(long bytes) {
                counter.addAndGet(bytes);
            }

            @Override
            public void finish() {
            }
        };
    }
}
