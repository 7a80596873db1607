package dev.mmsearch.ingest;

import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.SearchCollection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JsonGenerator;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a collection as sharded, gzip-compressed JSON Lines with its vectors, so it can be loaded into
 * another store without running the model ({@link CollectionImport}).
 *
 * <p>Layout of the export directory: {@code part-00000.jsonl.gz}, {@code part-00001.jsonl.gz}, ... with at most
 * {@code recordsPerShard} lines each, one document a line: {@code {"id": ..., <fields>..., "<field>_emb": [floats]}}
 * (the vector named after the embedded field(s), {@link ExportManifest#vectorFieldFor}; in a collection with passages
 * also {@code "_passages": [{"start", "end", "vector"}, ...]}, {@link PassagesJson}, the document's vector being its
 * first passage's; in a collection with named vector fields {@code "_vectors": {"title_emb": [...]}});
 * and {@code manifest.json} ({@link ExportManifest}) with the model stamp, schema, vector encoding, count, the
 * shard names and a SHA-256 of each shard. The manifest is written last (atomically), so a directory
 * without one is an unfinished export.
 */
public final class CollectionExport {
    private static final Logger log = LoggerFactory.getLogger(CollectionExport.class);

    private CollectionExport() {
    }

    /**
     * Exports every committed document of {@code collection} (one point-in-time view) to {@code dir}.
     *
     * @param dir             created if missing; must be empty
     * @param recordsPerShard documents per shard file, at least 1
     * @return the manifest written
     * @throws MmsearchException INVALID_ARGUMENT for a non-empty directory or a shard size below 1;
     *                           INVALID_INPUT for a document with a field named like the vector field
     */
    public static ExportManifest export(SearchCollection collection, Path dir, int recordsPerShard) {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(dir, "dir");
        if (recordsPerShard < 1) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "records per shard must be at least 1, got " + recordsPerShard);
        }
        long start = System.nanoTime();
        try {
            Files.createDirectories(dir);
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "export directory '" + dir
                            + "' is not empty; give a new or empty directory");
                }
            }
            ShardWriter writer = new ShardWriter(dir, recordsPerShard, ExportManifest.vectorFieldFor(collection.schema()));
            try {
                collection.forEachDocument(writer::write);
            } finally {
                writer.close();
            }
            ExportManifest manifest = new ExportManifest(collection.name(), collection.stamp(), collection.schema(),
                    collection.vectorEncoding(), writer.total, writer.shards);
            Path tmp = dir.resolve(ExportManifest.FILE_NAME + ".tmp");
            Files.writeString(tmp, manifest.toJson(), StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve(ExportManifest.FILE_NAME), StandardCopyOption.ATOMIC_MOVE);
            log.info("exported collection={} docs={} shards={} dir={} seconds={}", collection.name(), manifest.count(),
                    manifest.shards().size(), dir, Math.round((System.nanoTime() - start) / 1e7) / 100.0);
            return manifest;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write export to " + dir, e);
        }
    }

    /** File name of shard {@code index}. */
    static String shardName(int index) {
        return String.format("part-%05d.jsonl.gz", index);
    }

    /** Writes records into consecutive shard files, hashing each as it is written. */
    private static final class ShardWriter {
        private final Path dir;
        private final int perShard;
        private final String vectorField;
        private final List<ExportManifest.Shard> shards = new ArrayList<>();
        private long total;
        private long inShard;
        private MessageDigest digest;
        private OutputStream out;
        private String name;

        ShardWriter(Path dir, int perShard, String vectorField) {
            this.vectorField = vectorField;
            this.dir = dir;
            this.perShard = perShard;
        }

        void write(EmbeddedDocument document) {
            try {
                if (out == null) {
                    open();
                }
                if (document.document().fields().containsKey(vectorField)
                        || document.document().fields().containsKey("id")
                        || document.document().fields().containsKey(PassagesJson.KEY)
                        || document.document().fields().containsKey(PassagesJson.NAMED_KEY)) {
                    throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + document.id() + "' has a field named '"
                            + vectorField + "', 'id', '" + PassagesJson.KEY + "' or '" + PassagesJson.NAMED_KEY
                            + "', which the export format reserves");
                }
                try (JsonGenerator json = Json.MAPPER.createGenerator(new NonClosing(out))) {
                    json.writeStartObject();
                    json.writeStringProperty("id", document.id());
                    for (Map.Entry<String, Object> field : document.document().fields().entrySet()) {
                        json.writePOJOProperty(field.getKey(), field.getValue());
                    }
                    json.writeName(vectorField);
                    json.writeStartArray();
                    for (float value : document.vector()) {
                        json.writeNumber(value);
                    }
                    json.writeEndArray();
                    if (!document.passages().isEmpty()) {
                        json.writeName(PassagesJson.KEY);
                        PassagesJson.write(json, document.passages());
                    }
                    if (!document.named().isEmpty()) {
                        json.writeName(PassagesJson.NAMED_KEY);
                        PassagesJson.writeNamed(json, document.named());
                    }
                    json.writeEndObject();
                }
                out.write('\n');
                total++;
                if (++inShard == perShard) {
                    finishShard();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void open() throws IOException {
            name = shardName(shards.size());
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 missing from the JDK", e);
            }
            out = new GZIPOutputStream(new DigestOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(dir.resolve(name)), 1 << 16), digest), 1 << 16);
            inShard = 0;
        }

        private void finishShard() throws IOException {
            out.close(); // the digest sees every byte once the gzip trailer and buffer are flushed
            shards.add(new ExportManifest.Shard(name, inShard, HexFormat.of().formatHex(digest.digest())));
            out = null;
        }

        void close() {
            if (out != null) {
                try {
                    finishShard();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    /** Lets a JSON generator be closed per record without closing the shard stream. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
