package dev.mmsearch.inference.hub;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * A small client for the parts of the Hugging Face hub HTTP API that a model download needs:
 * <ul>
 *   <li>{@link #listFiles}: {@code GET {endpoint}/api/models/{repo}/tree/{revision}?recursive=true}, a JSON list of
 *       {@code {"type": "file"|"directory", "oid", "size", "path", "lfs": {"oid": sha256, "size", "pointerSize"}}},
 *       paginated with a {@code Link: <...>; rel="next"} header;</li>
 *   <li>{@link #download}: {@code GET {endpoint}/{repo}/resolve/{revision}/{path}}, which answers plain git files
 *       directly and redirects LFS files to a CDN; resumable with {@code Range}, verified against the listing.</li>
 * </ul>
 * Hand-written on the JDK's {@link HttpClient} because the hub's Java clients would pull in a large dependency tree for
 * two GET requests. Redirects are followed here (not by the HttpClient) so the token is only ever sent to the
 * endpoint's own host, never to the CDN a file is redirected to. Immutable and thread-safe.
 */
public final class HubClient {

    /** The public hub. */
    public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");
    /** Environment variable naming another endpoint (a mirror), as the Python {@code huggingface_hub} reads it. */
    public static final String ENDPOINT_ENV = "HF_ENDPOINT";
    /** Environment variable holding an access token for private or gated repositories. */
    public static final String TOKEN_ENV = "HF_TOKEN";

    private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);
    private static final Pattern REPO_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");
    private static final Pattern NEXT_LINK = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int MAX_REDIRECTS = 10;
    private static final int MAX_PAGES = 1000;

    private final URI endpoint;
    private final String token;
    private final Duration connectTimeout;
    private final Duration responseTimeout;
    private final HttpClient http;

    /**
     * @param endpoint        hub base URL, e.g. {@code https://huggingface.co} or a mirror
     * @param token           access token sent as {@code Authorization: Bearer} to the endpoint's host; null for none
     * @param connectTimeout  longest wait to open a connection
     * @param responseTimeout longest wait for a response's status and headers (not for the whole body: a model file
     *                        may take many minutes)
     */
    public HubClient(URI endpoint, String token, Duration connectTimeout, Duration responseTimeout) {
        Objects.requireNonNull(endpoint, "endpoint");
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || endpoint.getHost() == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "hub endpoint '" + endpoint
                    + "' is not an http(s) URL such as " + DEFAULT_ENDPOINT);
        }
        String text = endpoint.toString();
        this.endpoint = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.token = token == null || token.isBlank() ? null : token.strip();
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.responseTimeout = Objects.requireNonNull(responseTimeout, "responseTimeout");
        this.http = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** A client for {@code endpoint} with {@code token} (may be null) and default timeouts (10 s connect, 60 s response). */
    public HubClient(URI endpoint, String token) {
        this(endpoint, token, Duration.ofSeconds(10), Duration.ofSeconds(60));
    }

    /** The endpoint from {@value #ENDPOINT_ENV} (default {@link #DEFAULT_ENDPOINT}) and the token from {@value #TOKEN_ENV}. */
    public static HubClient fromEnvironment() {
        String endpoint = System.getenv(ENDPOINT_ENV);
        return new HubClient(endpoint == null || endpoint.isBlank() ? DEFAULT_ENDPOINT : URI.create(endpoint.strip()),
                System.getenv(TOKEN_ENV));
    }

    /** The same client talking to another endpoint (a mirror, or a local test server). */
    public HubClient withEndpoint(URI newEndpoint) {
        return new HubClient(newEndpoint, token, connectTimeout, responseTimeout);
    }

    /** The same client with another token (null for none). */
    public HubClient withToken(String newToken) {
        return new HubClient(endpoint, newToken, connectTimeout, responseTimeout);
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Whether a token will be sent. */
    public boolean hasToken() {
        return token != null;
    }

    /**
     * Checks that {@code repo} looks like a hub model id ({@code namespace/name} or a legacy {@code name}).
     *
     * @throws MmsearchException INVALID_ARGUMENT otherwise
     */
    public static String requireRepoId(String repo) {
        if (repo == null || !REPO_ID.matcher(repo).matches() || repo.contains("..")) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "'" + repo + "' is not a Hugging Face model id; "
                    + "expected namespace/name, e.g. Xenova/clip-vit-base-patch32");
        }
        return repo;
    }

    /**
     * Every file of {@code repo} at {@code revision} (directories left out), following pagination.
     *
     * @throws MmsearchException MODEL_NOT_FOUND when the repository or revision does not exist, or needs a token
     *                           ({@value #TOKEN_ENV}); NOT_READY when the endpoint cannot be reached or fails
     */
    public List<HubFile> listFiles(String repo, String revision) {
        requireRepoId(repo);
        requireRevision(revision);
        URI uri = URI.create(endpoint + "/api/models/" + repo + "/tree/" + encodeSegment(revision)
                + "?recursive=true&expand=false");
        List<HubFile> files = new ArrayList<>();
        for (int page = 0; uri != null; page++) {
            if (page >= MAX_PAGES) {
                throw new MmsearchException(ErrorCode.INTERNAL, "the file listing of " + repo + " did not end after "
                        + MAX_PAGES + " pages");
            }
            HttpResponse<InputStream> response = get(uri, -1);
            String body;
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) {
                    throw statusError(response.statusCode(), response, repo, revision, null);
                }
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw unreachable(uri, e);
            }
            files.addAll(parseTree(body, repo));
            uri = response.headers().firstValue("Link").flatMap(HubClient::nextLink).map(uri::resolve).orElse(null);
        }
        LOG.debug("listed hub repo={} revision={} files={}", repo, revision, files.size());
        return List.copyOf(files);
    }

    /**
     * Downloads {@code file} of {@code repo} to {@code target}: streams into {@code <target>.part}, resuming an
     * existing {@code .part} with a {@code Range} request (a server that ignores the range answers 200 and the file is
     * fetched again from the start), checks the size and the checksum the listing gave (SHA-256 of an LFS file, git
     * blob SHA-1 of a plain file), then renames it to {@code target} atomically.
     *
     * @throws MmsearchException NOT_READY when the transfer is interrupted (the {@code .part} is kept: calling again
     *                           resumes it); INTERNAL on a checksum or size mismatch (the {@code .part} is deleted);
     *                           MODEL_NOT_FOUND when the file, revision or repository is missing or needs a token
     */
    public Path download(String repo, String revision, HubFile file, Path target, DownloadProgress progress) {
        requireRepoId(repo);
        requireRevision(revision);
        DownloadProgress shown = progress == null ? DownloadProgress.NONE : progress;
        Path part = target.resolveSibling(target.getFileName() + ".part");
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            long have = Files.isRegularFile(part) ? Files.size(part) : 0;
            if (file.size() >= 0 && have > file.size()) {
                LOG.warn("discarding partial download file={} bytes={} longer than expected={}", part, have, file.size());
                Files.delete(part);
                have = 0;
            }
            if (file.size() >= 0 && have == file.size() && have > 0) {
                shown.advance(have); // complete from an earlier run that stopped before verifying
            } else {
                fetch(repo, revision, file, part, have, shown);
            }
            verify(part, file, repo, revision);
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot write " + part + ": " + e, e);
        }
    }

    /**
     * Whether {@code local} already holds {@code remote}'s content: same size and the listing's checksum (SHA-256 for
     * LFS files, git blob SHA-1 for plain files when the listing gave one).
     */
    public static boolean matches(Path local, HubFile remote) {
        try {
            if (!Files.isRegularFile(local) || (remote.size() >= 0 && Files.size(local) != remote.size())) {
                return false;
            }
            Optional<String> expected = expectedChecksum(remote);
            return expected.isEmpty() || expected.get().equalsIgnoreCase(checksum(local, remote));
        } catch (IOException e) {
            return false;
        }
    }

    private void fetch(String repo, String revision, HubFile file, Path part, long have, DownloadProgress progress)
            throws IOException {
        URI uri = URI.create(endpoint + "/" + repo + "/resolve/" + encodeSegment(revision) + "/" + encodePath(file.path()));
        HttpResponse<InputStream> response = get(uri, have > 0 ? have : -1);
        boolean append;
        int status = response.statusCode();
        if (status == 206 && have > 0) {
            long start = response.headers().firstValue("Content-Range").map(CONTENT_RANGE::matcher)
                    .filter(Matcher::matches).map(m -> Long.parseLong(m.group(1))).orElse(-1L);
            if (start != have) {
                response.body().close();
                Files.deleteIfExists(part);
                throw new MmsearchException(ErrorCode.NOT_READY, "the server answered the resume request for "
                        + file.path() + " with Content-Range " + response.headers().firstValue("Content-Range")
                        .orElse("(none)") + " instead of bytes " + have + "-; the partial file was deleted, run the "
                        + "command again to download it from the start");
            }
            append = true;
            LOG.info("resuming download file={} from byte={}", file.path(), have);
        } else if (status == 200) {
            if (have > 0) {
                LOG.info("server ignored the range request for file={}; downloading it again from the start", file.path());
            }
            append = false;
        } else if (status == 416 && have > 0) {
            response.body().close();
            Files.deleteIfExists(part);
            LOG.warn("server rejected resume of file={} at byte={}; downloading it again", file.path(), have);
            fetch(repo, revision, file, part, 0, progress);
            return;
        } else {
            response.body().close();
            throw statusError(status, response, repo, revision, file.path());
        }
        long written = append ? have : 0;
        if (append) {
            progress.advance(have);
        }
        try (InputStream in = response.body();
             OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buffer = new byte[1 << 16];
            for (int read; (read = readOrFail(in, buffer, uri, file, written)) > 0; ) {
                out.write(buffer, 0, read);
                written += read;
                progress.advance(read);
            }
        }
        if (file.size() >= 0 && written < file.size()) {
            throw interrupted(uri, file, written, "the server closed the connection early");
        }
    }

    private static int readOrFail(InputStream in, byte[] buffer, URI uri, HubFile file, long written) {
        try {
            return in.read(buffer);
        } catch (IOException e) {
            throw interrupted(uri, file, written, e.toString());
        }
    }

    private static MmsearchException interrupted(URI uri, HubFile file, long written, String why) {
        return new MmsearchException(ErrorCode.NOT_READY, "download of " + file.path() + " from " + uri.getHost()
                + " was interrupted after " + written + " of " + file.size() + " bytes (" + why + "); run the command "
                + "again: it resumes from there");
    }

    private static void verify(Path part, HubFile file, String repo, String revision) throws IOException {
        long size = Files.size(part);
        if (file.size() >= 0 && size != file.size()) {
            Files.deleteIfExists(part);
            throw new MmsearchException(ErrorCode.INTERNAL, "size mismatch for " + file.path() + " of " + repo + "@"
                    + revision + ": expected " + file.size() + " bytes, got " + size + "; the partial download was "
                    + "deleted, run the command again to retry");
        }
        Optional<String> expected = expectedChecksum(file);
        if (expected.isEmpty()) {
            return;
        }
        String actual = checksum(part, file);
        if (!expected.get().equalsIgnoreCase(actual)) {
            Files.deleteIfExists(part);
            throw new MmsearchException(ErrorCode.INTERNAL, "checksum mismatch for " + file.path() + " of " + repo + "@"
                    + revision + ": expected " + (file.isLfs() ? "sha256 " : "git blob sha1 ") + expected.get()
                    + ", got " + actual + "; the partial download was deleted, run the command again to retry (if it "
                    + "fails again, a proxy or mirror is altering the file)");
        }
        LOG.debug("verified file={} {}={}", file.path(), file.isLfs() ? "sha256" : "gitSha1", actual);
    }

    private static Optional<String> expectedChecksum(HubFile file) {
        if (file.isLfs()) {
            return Optional.of(file.lfsSha256());
        }
        if (file.gitOid() != null && file.gitOid().matches("[0-9a-fA-F]{40}") && file.size() >= 0) {
            return Optional.of(file.gitOid());
        }
        return Optional.empty();
    }

    /** SHA-256 of an LFS file; git's blob id (SHA-1 of {@code "blob <size>\0" + content}) of a plain one. */
    private static String checksum(Path local, HubFile file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance(file.isLfs() ? "SHA-256" : "SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256 and SHA-1", e);
        }
        if (!file.isLfs()) {
            digest.update(("blob " + Files.size(local) + "\0").getBytes(StandardCharsets.US_ASCII));
        }
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(local)) {
            for (int read; (read = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** GET with manual redirects; the token only goes to the endpoint's own scheme, host and port. */
    private HttpResponse<InputStream> get(URI start, long rangeFrom) {
        URI uri = start;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(responseTimeout)
                    .header("User-Agent", "mmsearch-hub-client/1");
            if (rangeFrom > 0) {
                request.header("Range", "bytes=" + rangeFrom + "-");
            }
            if (token != null && sameOrigin(uri, endpoint)) {
                request.header("Authorization", "Bearer " + token);
            }
            HttpResponse<InputStream> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw unreachable(uri, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MmsearchException(ErrorCode.NOT_READY, "interrupted while requesting " + uri, e);
            }
            int status = response.statusCode();
            Optional<String> location = response.headers().firstValue("Location");
            if ((status == 301 || status == 302 || status == 303 || status == 307 || status == 308) && location.isPresent()) {
                close(response);
                uri = uri.resolve(location.get());
                LOG.debug("following redirect status={} to host={}", status, uri.getHost());
                continue;
            }
            return response;
        }
        throw new MmsearchException(ErrorCode.NOT_READY, "more than " + MAX_REDIRECTS + " redirects for " + start);
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && effectivePort(a) == effectivePort(b);
    }

    private static int effectivePort(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    private static void close(HttpResponse<InputStream> response) {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // nothing to release beyond the connection
        }
    }

    private MmsearchException unreachable(URI uri, IOException e) {
        return new MmsearchException(ErrorCode.NOT_READY, "cannot reach the Hugging Face hub at " + endpoint
                + (uri.getHost().equalsIgnoreCase(endpoint.getHost()) ? "" : " (file host " + uri.getHost() + ")")
                + ": " + e + "; check the network or proxy (-Dhttps.proxyHost), or name a mirror with --endpoint or "
                + ENDPOINT_ENV, e);
    }

    private MmsearchException statusError(int status, HttpResponse<?> response, String repo, String revision,
                                          String path) {
        String errorCode = response.headers().firstValue("X-Error-Code").orElse("");
        String errorMessage = response.headers().firstValue("X-Error-Message").orElse("");
        String where = " on " + endpoint;
        if (errorCode.equals("RevisionNotFound")) {
            return new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "revision '" + revision + "' of model repository "
                    + repo + " was not found" + where + "; use a branch, tag or commit that exists (default: main)");
        }
        if (errorCode.equals("EntryNotFound") || (status == 404 && path != null && errorCode.isEmpty())) {
            return new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "file " + path + " was not found in model "
                    + "repository " + repo + "@" + revision + where);
        }
        if (errorCode.equals("GatedRepo") || status == 403) {
            return new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "model repository " + repo + " is gated or "
                    + "forbidden" + where + " (HTTP " + status + (errorMessage.isEmpty() ? "" : ": " + errorMessage)
                    + "); accept its terms on the model page and set " + TOKEN_ENV + " to an access token of that "
                    + "account" + (hasToken() ? " (the token that was sent is not allowed)" : ""));
        }
        if (status == 401) {
            return new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "model repository " + repo + " was not found or "
                    + "needs authentication" + where + " (HTTP 401); check the id, and for a private or gated repo set "
                    + TOKEN_ENV + " to an access token (https://huggingface.co/settings/tokens)"
                    + (hasToken() ? "; the token that was sent was refused" : ""));
        }
        if (status == 404) {
            return new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "model repository " + repo + " was not found"
                    + where + "; check the id (namespace/name, e.g. Xenova/clip-vit-base-patch32)");
        }
        return new MmsearchException(ErrorCode.NOT_READY, "the hub at " + endpoint + " answered HTTP " + status
                + " for " + repo + (path == null ? "" : "/" + path)
                + (errorMessage.isEmpty() ? "" : " (" + errorMessage + ")") + "; try again later");
    }

    private static List<HubFile> parseTree(String body, String repo) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "the hub's file listing of " + repo + " is not JSON: "
                    + e.getOriginalMessage());
        }
        if (root == null || !root.isArray()) {
            throw new MmsearchException(ErrorCode.INTERNAL, "the hub's file listing of " + repo
                    + " is not a JSON array of files");
        }
        List<HubFile> files = new ArrayList<>();
        for (JsonNode entry : root) {
            if (!entry.path("type").asString("").equals("file") || !entry.path("path").isString()) {
                continue;
            }
            JsonNode lfs = entry.path("lfs");
            String sha256 = lfs.path("oid").isString() ? lfs.path("oid").stringValue() : null;
            long size = sha256 != null && lfs.path("size").isIntegralNumber()
                    ? lfs.path("size").asLong() : entry.path("size").asLong(-1);
            String gitOid = entry.path("oid").isString() ? entry.path("oid").stringValue() : null;
            files.add(new HubFile(entry.path("path").stringValue(), size, gitOid, sha256));
        }
        return files;
    }

    private static Optional<String> nextLink(String header) {
        Matcher matcher = NEXT_LINK.matcher(header);
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    private static void requireRevision(String revision) {
        if (revision == null || revision.isBlank() || revision.contains("..")) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "'" + revision + "' is not a revision; use a "
                    + "branch, tag or commit id (default: main)");
        }
    }

    private static String encodeSegment(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String encodePath(String path) {
        StringBuilder out = new StringBuilder();
        for (String segment : path.split("/")) {
            if (!out.isEmpty()) {
                out.append('/');
            }
            out.append(encodeSegment(segment));
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return "HubClient[" + endpoint + (token == null ? "" : ", token") + "]";
    }
}
