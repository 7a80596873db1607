package dev.mmsearch.server.demo;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Precomputed document vectors, stamped with the model that computed them, so the demo can
 * build its collection in seconds instead of re-encoding the corpus (13 minutes on 2 cores).
 * The stamp is checked before use: vectors from another model or checksum are never mixed in.
 *
 * <p>Hand-written because it is tiny and ours: gzip of {@code "MMSV"}, format version (int),
 * a JSON header (UTF), then per document its id (UTF) and {@code dimension} IEEE-754 half
 * floats. Half precision halves the size; cosine to the full-precision vector stays above 0.99999.
 */
public final class VectorBundle {
    private static final int MAGIC = 0x4d4d5356; // "MMSV"
    private static final int VERSION = 1;

    /** The JSON header of a bundle. */
    public record Header(int version, ModelStamp model, int count, String dtype) {
    }

    private final Header header;
    private final Map<String, float[]> vectors;

    private VectorBundle(Header header, Map<String, float[]> vectors) {
        this.header = header;
        this.vectors = vectors;
    }

    public ModelStamp model() {
        return header.model();
    }

    public int count() {
        return vectors.size();
    }

    /** The vector of a document id, or null. */
    public float[] vector(String id) {
        return vectors.get(id);
    }

    public static void write(OutputStream target, ModelStamp model, Map<String, float[]> vectors) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new GZIPOutputStream(target), 1 << 16))) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeUTF(Json.MAPPER.writeValueAsString(new Header(VERSION, model, vectors.size(), "float16")));
            for (Map.Entry<String, float[]> e : vectors.entrySet()) {
                if (e.getValue().length != model.dimension()) {
                    throw new IllegalArgumentException("vector of '" + e.getKey() + "' has " + e.getValue().length
                            + " dimensions, the model " + model.dimension());
                }
                out.writeUTF(e.getKey());
                for (float v : e.getValue()) {
                    out.writeShort(Float.floatToFloat16(v));
                }
            }
        }
    }

    public static VectorBundle read(InputStream source, String name) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(new GZIPInputStream(source), 1 << 16))) {
            if (in.readInt() != MAGIC) {
                throw new MmsearchException(ErrorCode.INVALID_INPUT, name + " is not an mmsearch vector bundle");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new MmsearchException(ErrorCode.INVALID_INPUT, name + " has vector bundle format " + version
                        + "; this mmsearch reads format " + VERSION);
            }
            Header header = Json.MAPPER.readValue(in.readUTF(), Header.class);
            int dim = header.model().dimension();
            Map<String, float[]> vectors = new LinkedHashMap<>(header.count() * 2);
            for (int i = 0; i < header.count(); i++) {
                String id = in.readUTF();
                float[] v = new float[dim];
                for (int d = 0; d < dim; d++) {
                    v[d] = Float.float16ToFloat(in.readShort());
                }
                vectors.put(id, v);
            }
            return new VectorBundle(header, vectors);
        } catch (EOFException e) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, name + " is truncated", e);
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "cannot read vector bundle " + name + ": " + e.getMessage(), e);
        }
    }
}
