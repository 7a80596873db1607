package dev.mmsearch.grpc;

/**
 * What dynamic micro-batching did since the server started.
 *
 * @param batches  model runs made by the batcher
 * @param requests EncodeText requests they served
 * @param texts    texts they encoded
 * @param maxRequestsInOneBatch the most requests coalesced into one model run
 */
public record BatchingStats(long batches, long requests, long texts, long maxRequestsInOneBatch) {

    /** Mean requests per model run (1.0 = nothing was coalesced); 0 when no batch ran. */
    public double meanRequestsPerBatch() {
        return batches == 0 ? 0 : (double) requests / batches;
    }

    /** Mean texts per model run; 0 when no batch ran. */
    public double meanTextsPerBatch() {
        return batches == 0 ? 0 : (double) texts / batches;
    }
}
