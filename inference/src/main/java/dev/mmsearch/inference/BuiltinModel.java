package dev.mmsearch.inference;

import dev.mmsearch.inference.bundle.ModelManifest;
import java.io.IOException;
import java.net.URL;
import java.net.URLConnection;
import java.util.Objects;
import java.util.Optional;

/**
 * A model that ships inside a Maven artifact on the classpath: the jar holds
 * {@code <resourcePrefix>.onnx} and {@code <resourcePrefix>-tokenizer.json} at its root.
 *
 * @param manifest       how to use it (id, pooling, prefixes, dimension, ...)
 * @param resourcePrefix name of the two resources without suffix, e.g. {@code bge-small-en-v1.5-q}
 * @param artifact       Maven coordinates (group:artifact) that provide the resources, for error messages
 * @param quantized      whether the ONNX weights are int8 (smaller, faster, vectors slightly off)
 */
public record BuiltinModel(ModelManifest manifest, String resourcePrefix, String artifact, boolean quantized) {

    public BuiltinModel {
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(resourcePrefix, "resourcePrefix");
        Objects.requireNonNull(artifact, "artifact");
    }

    public String id() {
        return manifest.id();
    }

    public int dimension() {
        return manifest.dimension();
    }

    public ModelManifest.Pooling pooling() {
        return manifest.pooling();
    }

    /** Classpath resource name of the ONNX file. */
    public String onnxResource() {
        return resourcePrefix + ".onnx";
    }

    /** Classpath resource name of the tokenizer. */
    public String tokenizerResource() {
        return resourcePrefix + "-tokenizer.json";
    }

    /** Whether both resources are on the classpath. */
    public boolean available() {
        return onnxUrl().isPresent() && tokenizerUrl().isPresent();
    }

    /**
     * Bytes of the ONNX file plus the tokenizer, read from the jar's entry headers (nothing is
     * extracted or inflated); -1 when the model is not on the classpath or a size is unknown.
     */
    public long sizeBytes() {
        Optional<URL> onnx = onnxUrl();
        Optional<URL> tokenizer = tokenizerUrl();
        if (onnx.isEmpty() || tokenizer.isEmpty()) {
            return -1;
        }
        long onnxSize = contentLength(onnx.get());
        long tokenizerSize = contentLength(tokenizer.get());
        return onnxSize < 0 || tokenizerSize < 0 ? -1 : onnxSize + tokenizerSize;
    }

    Optional<URL> onnxUrl() {
        return resource(onnxResource());
    }

    Optional<URL> tokenizerUrl() {
        return resource(tokenizerResource());
    }

    private static Optional<URL> resource(String name) {
        ClassLoader loader = BuiltinModel.class.getClassLoader();
        return Optional.ofNullable(loader == null ? ClassLoader.getSystemResource(name) : loader.getResource(name));
    }

    /** Size of a classpath resource from its connection's headers (a jar entry's size); -1 if unknown. */
    static long contentLength(URL url) {
        try {
            URLConnection connection = url.openConnection();
            return connection.getContentLengthLong();
        } catch (IOException e) {
            return -1;
        }
    }
}
