package dev.mmsearch.server.remote;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import tools.jackson.databind.JsonNode;

/**
 * Sends NDJSON chunks to a collection's bulk documents endpoint on worker threads, so that a few requests are in flight
 * and the server's encoder stays busy while the next chunk is read. A chunk the server finds too large (413) is split
 * in halves and sent again; a single record too large fails alone ({@code payload_too_large}). The caller bounds how
 * many chunks are in flight (it awaits the oldest before submitting more) and handles the answers in order.
 */
final class BulkSender implements AutoCloseable {
    /** Largest body a chunk is cut to: under the server's default 1 MB limit (mmsearch.security.max-json-body). */
    static final int MAX_CHUNK_BYTES = 1_000_000;

    /** What the server did with one line of a chunk. */
    record Outcome(String id, String result, String code, String message) {
        boolean failed() {
            return code != null || "failed".equals(result);
        }

        /** The reason for an error report: the server's message (the same text a local run reports). */
        String reason() {
            return message != null ? message : code;
        }
    }

    private final RemoteServer server;
    private final String path;
    private final ExecutorService pool;

    BulkSender(RemoteServer server, String collection, int threads) {
        this.server = server;
        this.path = RemoteServer.collectionPath(collection, "/documents");
        this.pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().daemon().name("mmsearch-push-", 0)
                .factory());
    }

    /** Posts {@code lines} (one JSON document each) on a worker; the future holds one outcome per line, in order. */
    Future<List<Outcome>> submit(List<byte[]> lines) {
        List<byte[]> copy = List.copyOf(lines);
        return pool.submit(() -> post(copy));
    }

    /** The answer of a future from {@link #submit}, with the server's error as it was thrown. */
    static List<Outcome> await(Future<List<Outcome>> answer) {
        try {
            return answer.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MmsearchException(ErrorCode.NOT_READY, "interrupted while waiting for the server", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof MmsearchException me) {
                throw me;
            }
            throw new MmsearchException(ErrorCode.INTERNAL, "pushing to the server failed: " + e.getCause(), e);
        }
    }

    private List<Outcome> post(List<byte[]> lines) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] line : lines) {
            body.writeBytes(line);
            body.write('\n');
        }
        RemoteServer.Response response = server.send("POST", path, "application/x-ndjson", body.toByteArray());
        if (response.status() == 413) {
            if (lines.size() == 1) {
                return List.of(new Outcome(null, "failed", "payload_too_large", "the record is " + lines.getFirst().length
                        + " bytes, more than the server takes in one request (" + response.message() + ")"));
            }
            List<Outcome> outcomes = new ArrayList<>(post(lines.subList(0, lines.size() / 2)));
            outcomes.addAll(post(lines.subList(lines.size() / 2, lines.size())));
            return outcomes;
        }
        if (!response.ok() || response.body() == null || !response.body().path("items").isArray()) {
            throw server.error(response, "a bulk write of " + lines.size() + " documents");
        }
        Outcome[] outcomes = new Outcome[lines.size()];
        for (JsonNode item : response.body().get("items")) {
            int position = item.path("position").asInt(0);
            if (position < 1 || position > outcomes.length) {
                throw new MmsearchException(ErrorCode.INTERNAL, "the server at " + server.url() + " answered item"
                        + " position " + position + " for a chunk of " + outcomes.length + " documents");
            }
            outcomes[position - 1] = new Outcome(text(item, "id"), text(item, "result"), text(item, "code"),
                    text(item, "message"));
        }
        for (int i = 0; i < outcomes.length; i++) {
            if (outcomes[i] == null) {
                throw new MmsearchException(ErrorCode.INTERNAL, "the server at " + server.url() + " answered no"
                        + " outcome for document " + (i + 1) + " of a chunk of " + outcomes.length);
            }
        }
        return List.of(outcomes);
    }

    private static String text(JsonNode item, String field) {
        JsonNode value = item.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
