package dev.mmsearch.server.remote;

import com.sun.net.httpserver.HttpServer;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Retries and refusals of the CLI's server client, against a JDK HTTP server that answers what each test says. */
class RemoteServerTest {
    static final RemoteServer.Retries FAST = new RemoteServer.Retries(4, Duration.ofMillis(10), Duration.ofMillis(40));

    HttpServer http;
    final ConcurrentLinkedQueue<String> authorizations = new ConcurrentLinkedQueue<>();

    /** A server answering the given statuses in turn (the last one repeated), each with an error body. */
    String serve(int... statuses) throws IOException {
        AtomicInteger calls = new AtomicInteger();
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/", exchange -> {
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            int status = statuses[Math.min(calls.getAndIncrement(), statuses.length - 1)];
            byte[] body = (status == 200 ? "{\"ok\": true}" : "{\"code\": \"" + (status == 401 ? "unauthorized"
                    : status == 404 ? "collection_not_found" : "busy") + "\", \"message\": \"status " + status + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            if (status == 429) {
                exchange.getResponseHeaders().add("Retry-After", "0");
            }
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.start();
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/";
    }

    @AfterEach
    void stop() {
        if (http != null) {
            http.stop(0);
        }
    }

    @Test
    void transientAnswersAreRetriedUntilOneGoesThroughWithTheKeyOnEveryTry() throws Exception {
        RemoteServer server = new RemoteServer(serve(503, 429, 502, 200), "k1", FAST);
        assertThat(server.url()).doesNotEndWith("/");
        assertThat(server.call("GET", "/x", null, null).get("ok").asBoolean()).isTrue();
        assertThat(List.copyOf(authorizations)).containsExactly("Bearer k1", "Bearer k1", "Bearer k1", "Bearer k1");
    }

    @Test
    void aServerThatStaysUnavailableFailsAfterEveryTryNamingIt() throws Exception {
        String url = serve(503);
        RemoteServer server = new RemoteServer(url, null, FAST);
        assertThatThrownBy(() -> server.send("POST", "/y", "application/json", new byte[] {'{', '}'}))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY);
                    assertThat(e.getMessage()).contains("failed 4 times").contains("HTTP 503 (status 503)");
                });
        assertThat(authorizations).hasSize(4).containsOnly("null");
    }

    @Test
    void aRefusedConnectionIsRetriedThenNamed() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort(); // closed again: nothing listens there
        }
        RemoteServer server = new RemoteServer("http://127.0.0.1:" + port, null, FAST);
        assertThatThrownBy(() -> server.send("GET", "/", null, null))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.getMessage())
                        .contains("cannot reach the mmsearch server at http://127.0.0.1:" + port)
                        .contains("ConnectException").contains("--server"));
    }

    @Test
    void unauthorizedFailsAtOnceNamingTheKeyOptionsAndOtherErrorsKeepTheServersCode() throws Exception {
        RemoteServer server = new RemoteServer(serve(401), "wrong", FAST);
        assertThatThrownBy(() -> server.send("GET", "/", null, null))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.getMessage())
                        .contains("refused the request (401 unauthorized: status 401)").contains("--api-key")
                        .contains("MMSEARCH_API_KEY"));
        assertThat(authorizations).hasSize(1);
        stop();
        RemoteServer missing = new RemoteServer(serve(404), null, FAST);
        assertThatThrownBy(() -> missing.call("GET", "/api/v1/collections/x", null, null))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.COLLECTION_NOT_FOUND);
                    assertThat(e.getMessage()).contains("answered GET /api/v1/collections/x with 404: status 404");
                });
    }

    @Test
    void aUrlThatIsNotAServerIsRefused() {
        assertThatThrownBy(() -> new RemoteServer("localhost:8080", null, FAST))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.getMessage())
                        .contains("--server 'localhost:8080' is not a server URL"));
    }
}
