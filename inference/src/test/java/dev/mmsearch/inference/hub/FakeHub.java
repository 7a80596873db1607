package dev.mmsearch.inference.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mmsearch.core.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local stand-in for the Hugging Face hub, serving repositories in the hub's URL layout over real HTTP:
 * <ul>
 *   <li>{@code GET /api/models/{ns}/{name}/tree/{rev}?recursive=true}: the JSON listing (directories and files, git
 *       blob ids, sizes, {@code lfs: {oid, size, pointerSize}} for LFS files), paginated with a {@code Link} header;</li>
 *   <li>{@code GET /{ns}/{name}/resolve/{rev}/{path}}: plain files answered directly, LFS files redirected (302) to a
 *       second server standing for the CDN ({@code /objects/<sha256>});</li>
 *   <li>{@code Range: bytes=N-} answered with 206 and {@code Content-Range}; 404 with {@code X-Error-Code}
 *       (RepoNotFound, RevisionNotFound, EntryNotFound); 401 for private repositories without the right token.</li>
 * </ul>
 * Faults for tests: cut a transfer after N bytes once, flip a byte of a file, ignore ranges. Every request is
 * recorded with its headers.
 */
final class FakeHub implements AutoCloseable {

    /** LFS-tracked extensions, as in the hub's default {@code .gitattributes}. */
    private static final Pattern LFS = Pattern.compile(".*\\.(onnx|onnx_data|bin|safetensors|pt|h5|msgpack)$");
    private static final Pattern TREE = Pattern.compile("/api/models/([^/]+/[^/]+)/tree/([^/]+)");
    private static final Pattern RESOLVE = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/(.+)");
    private static final Pattern OBJECT = Pattern.compile("/objects/([0-9a-f]{64})");

    /** A request as the server saw it. */
    record Request(String server, String path, String range, String authorization) {
    }

    private final HttpServer api;
    private final HttpServer cdn;
    private final Map<String, Map<String, byte[]>> repos = new ConcurrentHashMap<>();
    private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    private final Map<String, String> privateRepos = new ConcurrentHashMap<>();
    private final Map<String, Integer> cutOnce = new ConcurrentHashMap<>();
    private final Set<String> corrupted = ConcurrentHashMap.newKeySet();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile boolean ignoreRange;
    private volatile int pageSize = 1000;

    FakeHub() {
        try {
            InetAddress loopback = InetAddress.getLoopbackAddress();
            api = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
            cdn = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        api.createContext("/", this::handleApi);
        cdn.createContext("/", this::handleCdn);
        api.start();
        cdn.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + api.getAddress().getPort());
    }

    URI cdnBase() {
        return URI.create("http://127.0.0.1:" + cdn.getAddress().getPort());
    }

    /** Adds (or replaces) a public repository: path inside the repo -> content. */
    FakeHub repo(String id, Map<String, byte[]> files) {
        repos.put(id, new LinkedHashMap<>(files));
        files.forEach((path, content) -> {
            if (LFS.matcher(path).matches()) {
                objects.put(sha256(content), content);
            }
        });
        return this;
    }

    /** Makes a repository answer 401 unless {@code Authorization: Bearer <token>} is sent. */
    FakeHub privateRepo(String id, String token) {
        privateRepos.put(id, token);
        return this;
    }

    /** The next transfer of {@code path} (any repository) stops after {@code bytes} bytes and drops the connection. */
    FakeHub cutOnce(String path, int bytes) {
        cutOnce.put(path, bytes);
        return this;
    }

    /** Every transfer of {@code path} has one byte flipped in the middle. */
    FakeHub corrupt(String path) {
        corrupted.add(path);
        return this;
    }

    /** Serves every file intact again. */
    FakeHub clearCorruption() {
        corrupted.clear();
        return this;
    }

    /** Answer range requests with the whole file (200), like a server without range support. */
    FakeHub ignoreRange(boolean ignore) {
        this.ignoreRange = ignore;
        return this;
    }

    /** Entries per page of the tree listing. */
    FakeHub pageSize(int size) {
        this.pageSize = size;
        return this;
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    /**
     * Content requests for {@code repoPath} of {@code repo}: its resolve requests and CDN requests for its content
     * (files with identical content share one CDN object, as on the real hub).
     */
    List<Request> downloadsOf(String repo, String repoPath) {
        String resolve = "/" + repo + "/resolve/main/" + repoPath;
        String object = "/objects/" + sha256(repos.get(repo).get(repoPath));
        return requests.stream().filter(r -> r.server().equals("api") ? r.path().equals(resolve)
                : r.path().equals(object)).toList();
    }

    /** The repository path of the CDN object a request asked for, or "" (the first file with that content). */
    private String objectPath(Request request) {
        Matcher m = OBJECT.matcher(request.path());
        if (!m.matches()) {
            return "";
        }
        for (Map<String, byte[]> files : repos.values()) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                if (LFS.matcher(file.getKey()).matches() && sha256(file.getValue()).equals(m.group(1))) {
                    return file.getKey();
                }
            }
        }
        return "";
    }

    private void handleApi(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            record(exchange, "api");
            Matcher tree = TREE.matcher(path);
            Matcher resolve = RESOLVE.matcher(path);
            if (tree.matches()) {
                if (!authorized(exchange, tree.group(1), tree.group(2))) {
                    return;
                }
                serveTree(exchange, tree.group(1), tree.group(2));
            } else if (resolve.matches()) {
                if (!authorized(exchange, resolve.group(1), resolve.group(2))) {
                    return;
                }
                String file = resolve.group(3);
                byte[] content = repos.get(resolve.group(1)).get(file);
                if (content == null) {
                    error(exchange, 404, "EntryNotFound", file + " does not exist on \"" + resolve.group(2) + "\"");
                } else if (LFS.matcher(file).matches()) {
                    exchange.getResponseHeaders().add("Location", cdnBase() + "/objects/" + sha256(content));
                    exchange.getResponseHeaders().add("X-Linked-Size", String.valueOf(content.length));
                    exchange.sendResponseHeaders(302, -1);
                } else {
                    serveContent(exchange, file, content);
                }
            } else {
                error(exchange, 404, "", "not found");
            }
        }
    }

    private void handleCdn(HttpExchange exchange) throws IOException {
        try (exchange) {
            record(exchange, "cdn");
            Matcher m = OBJECT.matcher(exchange.getRequestURI().getPath());
            byte[] content = m.matches() ? objects.get(m.group(1)) : null;
            if (content == null) {
                error(exchange, 404, "", "no such object");
                return;
            }
            String file = objectPath(new Request("cdn", exchange.getRequestURI().getPath(), null, null));
            serveContent(exchange, file, content);
        }
    }

    private boolean authorized(HttpExchange exchange, String repo, String revision) throws IOException {
        if (!repos.containsKey(repo)) {
            error(exchange, 404, "RepoNotFound", "Repository not found");
            return false;
        }
        String token = privateRepos.get(repo);
        if (token != null && !("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            error(exchange, 401, "", "Invalid username or password.");
            return false;
        }
        if (!revision.equals("main")) {
            error(exchange, 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return false;
        }
        return true;
    }

    private void serveTree(HttpExchange exchange, String repo, String revision) throws IOException {
        Map<String, byte[]> files = repos.get(repo);
        Set<String> directories = new TreeSet<>();
        for (String path : files.keySet()) {
            for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
                directories.add(path.substring(0, slash));
            }
        }
        List<ObjectNode> entries = new ArrayList<>();
        for (String dir : directories) {
            ObjectNode entry = Json.MAPPER.createObjectNode();
            entry.put("type", "directory");
            entry.put("oid", sha1(dir.getBytes(StandardCharsets.UTF_8)));
            entry.put("size", 0);
            entry.put("path", dir);
            entries.add(entry);
        }
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            byte[] content = file.getValue();
            ObjectNode entry = Json.MAPPER.createObjectNode();
            entry.put("type", "file");
            if (LFS.matcher(file.getKey()).matches()) {
                String pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256(content)
                        + "\nsize " + content.length + "\n";
                byte[] pointerBytes = pointer.getBytes(StandardCharsets.UTF_8);
                entry.put("oid", gitBlobId(pointerBytes));
                entry.put("size", content.length);
                ObjectNode lfs = entry.putObject("lfs");
                lfs.put("oid", sha256(content));
                lfs.put("size", content.length);
                lfs.put("pointerSize", pointerBytes.length);
            } else {
                entry.put("oid", gitBlobId(content));
                entry.put("size", content.length);
            }
            entry.put("path", file.getKey());
            entries.add(entry);
        }
        String query = exchange.getRequestURI().getQuery() == null ? "" : exchange.getRequestURI().getQuery();
        Matcher cursor = Pattern.compile("cursor=(\\d+)").matcher(query);
        int from = cursor.find() ? Integer.parseInt(cursor.group(1)) : 0;
        int to = Math.min(entries.size(), from + pageSize);
        ArrayNode page = Json.MAPPER.createArrayNode();
        entries.subList(from, to).forEach(page::add);
        if (to < entries.size()) {
            exchange.getResponseHeaders().add("Link", "<" + endpoint() + "/api/models/" + repo + "/tree/" + revision
                    + "?recursive=true&expand=false&cursor=" + to + ">; rel=\"next\"");
        }
        byte[] body = Json.MAPPER.writeValueAsBytes(page);
        exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
    }

    private void serveContent(HttpExchange exchange, String path, byte[] original) throws IOException {
        byte[] content = original;
        if (corrupted.contains(path)) {
            content = original.clone();
            content[content.length / 2] ^= 0x5a;
        }
        String range = exchange.getRequestHeaders().getFirst("Range");
        int start = 0;
        int status = 200;
        if (range != null && !ignoreRange) {
            Matcher m = Pattern.compile("bytes=(\\d+)-").matcher(range);
            if (m.matches()) {
                start = Integer.parseInt(m.group(1));
                if (start >= content.length) {
                    exchange.getResponseHeaders().add("Content-Range", "bytes */" + content.length);
                    exchange.sendResponseHeaders(416, -1);
                    return;
                }
                status = 206;
                exchange.getResponseHeaders().add("Content-Range",
                        "bytes " + start + "-" + (content.length - 1) + "/" + content.length);
            }
        }
        exchange.getResponseHeaders().add("Accept-Ranges", "bytes");
        int length = content.length - start;
        exchange.sendResponseHeaders(status, length);
        OutputStream out = exchange.getResponseBody();
        Integer cut = cutOnce.remove(path);
        if (cut != null && cut < length) {
            out.write(content, start, cut);
            out.flush();
            // closing the exchange with bytes missing drops the connection: the client sees a premature end of body
            return;
        }
        out.write(content, start, length);
    }

    private void record(HttpExchange exchange, String server) {
        requests.add(new Request(server, exchange.getRequestURI().getPath(),
                exchange.getRequestHeaders().getFirst("Range"), exchange.getRequestHeaders().getFirst("Authorization")));
    }

    private static void error(HttpExchange exchange, int status, String code, String message) throws IOException {
        if (!code.isEmpty()) {
            exchange.getResponseHeaders().add("X-Error-Code", code);
        }
        exchange.getResponseHeaders().add("X-Error-Message", message);
        byte[] body = ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    static String sha256(byte[] content) {
        return digest("SHA-256", content);
    }

    private static String sha1(byte[] content) {
        return digest("SHA-1", content);
    }

    /** git's blob id: SHA-1 of {@code "blob <size>\0"} followed by the content. */
    static String gitBlobId(byte[] content) {
        byte[] header = ("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[header.length + content.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(content, 0, all, header.length, content.length);
        return sha1(all);
    }

    private static String digest(String algorithm, byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        api.stop(0);
        cdn.stop(0);
    }
}
