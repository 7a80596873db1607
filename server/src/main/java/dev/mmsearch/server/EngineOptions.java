package dev.mmsearch.server;

import java.nio.file.Path;
import java.util.List;

import dev.mmsearch.inference.onnx.EncoderOptions;

/**
 * Tuning shared by the CLI and the service.
 *
 * @param intraOpThreads ONNX Runtime threads per inference call (0 = number of cores)
 * @param batchSize      documents per encoder call when indexing
 * @param imageRoots     folders images may be read from (besides those recorded by {@code index} of an image folder)
 * @param inferenceNodes {@code host:port} of remote inference nodes (gRPC); empty = models run in this process
 * @param openSearchHosts {@code http://host:port} of an OpenSearch cluster to keep collections in; empty = the
 *                        embedded Lucene store under the data dir
 * @param device          where in-process models run: {@code cpu} (default) or {@code cuda[:N]} (see
 *                        {@link EncoderOptions#device()})
 */
public record EngineOptions(int intraOpThreads, int batchSize, List<Path> imageRoots, List<String> inferenceNodes,
                            List<String> openSearchHosts, String device) {
    public static final EngineOptions DEFAULTS = new EngineOptions(0, 32);

    public EngineOptions {
        imageRoots = imageRoots == null ? List.of() : List.copyOf(imageRoots);
        inferenceNodes = inferenceNodes == null ? List.of() : List.copyOf(inferenceNodes);
        openSearchHosts = openSearchHosts == null ? List.of() : List.copyOf(openSearchHosts);
        device = device == null || device.isBlank() ? "cpu" : device;
    }

    public EngineOptions(int intraOpThreads, int batchSize, List<Path> imageRoots, List<String> inferenceNodes,
                         List<String> openSearchHosts) {
        this(intraOpThreads, batchSize, imageRoots, inferenceNodes, openSearchHosts, "cpu");
    }

    public EngineOptions(int intraOpThreads, int batchSize) {
        this(intraOpThreads, batchSize, List.of(), List.of(), List.of());
    }

    public EngineOptions(int intraOpThreads, int batchSize, List<Path> imageRoots, List<String> inferenceNodes) {
        this(intraOpThreads, batchSize, imageRoots, inferenceNodes, List.of());
    }

    /** The collection store these options name: OpenSearch when hosts are given, else Lucene under the data dir. */
    public dev.mmsearch.core.CollectionStore openStore(DataDirectory dataDirectory) {
        if (!openSearchHosts.isEmpty()) {
            return new dev.mmsearch.store.opensearch.OpenSearchCollectionStore(
                    dev.mmsearch.store.opensearch.OpenSearchStoreOptions.forHosts(openSearchHosts));
        }
        return new dev.mmsearch.store.lucene.LuceneCollectionStore(dataDirectory.collections());
    }

    public int effectiveThreads() {
        return intraOpThreads > 0 ? intraOpThreads : Runtime.getRuntime().availableProcessors();
    }

    public EncoderOptions modelOptions() {
        return new EncoderOptions(effectiveThreads(), batchSize).withDevice(device);
    }
}
