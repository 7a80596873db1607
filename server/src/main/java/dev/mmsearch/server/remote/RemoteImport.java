package dev.mmsearch.server.remote;

import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.ingest.BulkBody;
import dev.mmsearch.ingest.PassagesJson;
import dev.mmsearch.ingest.CollectionImport;
import dev.mmsearch.ingest.ExportManifest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * {@code mmsearch import --server}: pushes an export (vectors included) through a running server's bulk documents
 * API, each document carrying its vector as {@value BulkBody#VECTOR}, so the server runs no model. The checksums are
 * verified and the collection created (with the export's schema, model and encoding) or checked before anything is
 * sent; the server's collection must use the export's very model stamp (id, checksum, dimension, metric).
 */
public final class RemoteImport {
    private static final Logger log = LoggerFactory.getLogger(RemoteImport.class);
    /** Documents per request; a chunk is cut earlier when it would pass the body limit. */
    static final int CHUNK_DOCUMENTS = 256;

    private RemoteImport() {
    }

    /**
     * @throws MmsearchException what {@link CollectionImport#verified} throws; MODEL_MISMATCH (the server's collection
     *                           has another model stamp); INVALID_ARGUMENT (it exists with another schema);
     *                           INVALID_INPUT when the server refuses documents (the first few are named)
     */
    public static CollectionImport.Result importInto(Path dir, RemoteServer server, String collection) {
        long start = System.nanoTime();
        ExportManifest manifest = CollectionImport.verified(dir);
        JsonNode existing = RemoteCollections.info(server, collection).orElse(null);
        if (existing != null && !RemoteCollections.sameSchema(manifest.schema(), existing)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "collection '" + collection + "' on "
                    + server.url() + " has schema " + existing.get("schema") + " but the export has "
                    + manifest.schema() + "; import into a new collection");
        }
        JsonNode info = existing != null ? existing : RemoteCollections.ensure(server, collection, manifest.schema(),
                manifest.stamp().modelId(), true, manifest.vectorEncoding());
        if (!RemoteCollections.sameStamp(manifest.stamp(), info)) {
            throw new MmsearchException(ErrorCode.MODEL_MISMATCH, "collection '" + collection + "' on " + server.url()
                    + " uses model " + info.get("stamp") + " but the export's vectors come from "
                    + manifest.stamp().describe() + "; its vectors would not match the server's query vectors: import"
                    + " into a server with that model, or index the source data with --server instead");
        }
        List<String> refused = new ArrayList<>();
        long[] written = {0};
        Deque<Future<List<BulkSender.Outcome>>> inFlight = new ArrayDeque<>();
        try (BulkSender sender = new BulkSender(server, collection, RemoteIndexer.Options.DEFAULT_IN_FLIGHT)) {
            List<byte[]> chunk = new ArrayList<>();
            int[] bytes = {0};
            CollectionImport.stream(dir, manifest, CHUNK_DOCUMENTS, batch -> {
                for (EmbeddedDocument document : batch) {
                    byte[] line = line(document);
                    if (!chunk.isEmpty() && (bytes[0] + line.length + 1 > BulkSender.MAX_CHUNK_BYTES
                            || chunk.size() >= CHUNK_DOCUMENTS)) {
                        send(sender, chunk, inFlight, refused, written);
                        chunk.clear();
                        bytes[0] = 0;
                    }
                    chunk.add(line);
                    bytes[0] += line.length + 1;
                }
            });
            if (!chunk.isEmpty()) {
                send(sender, chunk, inFlight, refused, written);
            }
            while (!inFlight.isEmpty()) {
                count(BulkSender.await(inFlight.poll()), refused, written);
            }
        }
        if (!refused.isEmpty()) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "the server at " + server.url() + " refused "
                    + refused.size() + " documents of the export (" + written[0] + " written), e.g. "
                    + String.join("; ", refused.subList(0, Math.min(3, refused.size()))));
        }
        CollectionImport.Result result = new CollectionImport.Result(collection, written[0], manifest.shards().size(),
                Duration.ofNanos(System.nanoTime() - start));
        log.info("imported over the API collection={} server={} docs={} shards={} from={} seconds={}", collection,
                server.url(), written[0], manifest.shards().size(), dir, result.elapsed().toMillis() / 1000.0);
        return result;
    }

    private static void send(BulkSender sender, List<byte[]> chunk, Deque<Future<List<BulkSender.Outcome>>> inFlight,
                             List<String> refused, long[] written) {
        while (inFlight.size() >= RemoteIndexer.Options.DEFAULT_IN_FLIGHT) {
            count(BulkSender.await(inFlight.poll()), refused, written);
        }
        inFlight.add(sender.submit(chunk));
    }

    private static void count(List<BulkSender.Outcome> outcomes, List<String> refused, long[] written) {
        for (BulkSender.Outcome outcome : outcomes) {
            if (outcome.failed()) {
                refused.add(outcome.id() + ": " + outcome.code() + ": " + outcome.reason());
            } else {
                written[0]++;
            }
        }
    }

    private static byte[] line(EmbeddedDocument document) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", document.document().id());
        json.putAll(document.document().fields());
        if (document.passages().isEmpty()) {
            json.put(BulkBody.VECTOR, document.vector());
        } else {
            json.put(PassagesJson.KEY, PassagesJson.toJsonValue(document.passages()));
        }
        if (!document.named().isEmpty()) {
            json.put(PassagesJson.NAMED_KEY, document.named());
        }
        return Json.MAPPER.writeValueAsBytes(json);
    }
}
