package dev.mmsearch.core;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * How a collection's HNSW graph is built, chosen when the collection is created and fixed for its life (as
 * Elasticsearch's {@code index_options.m / ef_construction} and OpenSearch's {@code method.parameters}): more
 * neighbours per node ({@code m}) and a wider candidate list while linking ({@code beamWidth}) give higher recall at
 * the same search width for a bigger graph and a slower build.
 *
 * @param m         neighbours kept per node and layer (Lucene's {@code maxConn}, OpenSearch's {@code m}); 2..512
 * @param beamWidth candidates considered when a node is linked (Lucene's {@code beamWidth}, OpenSearch's
 *                  {@code ef_construction}); 1..3200
 */
public record HnswOptions(int m, int beamWidth) {
    /** Lucene's and OpenSearch's defaults: 16 neighbours, 100 candidates. */
    public static final HnswOptions DEFAULT = new HnswOptions(16, 100);

    /** Lucene's largest {@code maxConn}. */
    public static final int MAX_M = 512;
    /** Lucene's largest {@code beamWidth}. */
    public static final int MAX_BEAM_WIDTH = 3200;

    public HnswOptions {
        if (m < 2 || m > MAX_M) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "HNSW m must be between 2 and " + MAX_M
                    + ", got " + m);
        }
        if (beamWidth < 1 || beamWidth > MAX_BEAM_WIDTH) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "HNSW beamWidth must be between 1 and "
                    + MAX_BEAM_WIDTH + ", got " + beamWidth);
        }
    }

    /**
     * The one stored and wire form, {@code {"m": 16, "beamWidth": 100}}: Lucene commit data, OpenSearch {@code _meta},
     * export manifests and the create-collection body all use it.
     */
    public ObjectNode toJson() {
        return Json.MAPPER.createObjectNode().put("m", m).put("beamWidth", beamWidth);
    }

    /**
     * Reads {@link #toJson()}'s form; a missing or null node (written before the options were settable, so built with
     * the defaults) is {@link #DEFAULT}.
     *
     * @throws IllegalArgumentException when the node is not that form
     * @throws MmsearchException        INVALID_ARGUMENT when a value is out of range
     */
    public static HnswOptions fromJson(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return DEFAULT;
        }
        if (!node.path("m").isInt() || !node.path("beamWidth").isInt()) {
            throw new IllegalArgumentException("HNSW options " + node + " are not {\"m\": N, \"beamWidth\": N}");
        }
        return new HnswOptions(node.get("m").asInt(), node.get("beamWidth").asInt());
    }

    /** {@code m=16 beamWidth=100} form, as logs and listings show it. */
    @Override
    public String toString() {
        return "m=" + m + " beamWidth=" + beamWidth;
    }
}
