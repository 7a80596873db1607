package dev.mmsearch.ingest;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;

import java.util.Objects;

/**
 * How {@link Indexer} batches, commits and treats bad records.
 *
 * @param batchSize     documents per encoder call
 * @param commitEvery   commit at the end of the first window after this many batches (and always at the end)
 * @param errorPolicy   skip bad records or stop at the first one
 * @param windowFactor  documents are read in windows of {@code windowFactor x batchSize}, sorted by
 *                      token count and cut into batches, so a batch holds texts of similar length and
 *                      the encoder pads little; 1 keeps input order. The default 16 pads 1.04 tokens per
 *                      real token on SciFact (8: 1.07, 32: 1.02; docs/benchmarks.md) and holds 512 documents
 * @param skipUnchanged resume mode: a document the collection already holds with identical fields is
 *                      not encoded again (counted as skipped); this resumes an interrupted run and
 *                      reuses an already encoded corpus
 * @param resume        continue an interrupted run ({@code index --resume}): when the collection's checkpoint
 *                      is for the same input file, the records it covers are not read again; otherwise every
 *                      record is read. Either way implies {@code skipUnchanged}. See {@link ResumePlan}.
 */
public record IndexOptions(int batchSize, int commitEvery, ErrorPolicy errorPolicy, int windowFactor,
                           boolean skipUnchanged, boolean resume) {
    public static final int DEFAULT_BATCH_SIZE = 32;
    public static final int DEFAULT_COMMIT_EVERY = 16;
    public static final int DEFAULT_WINDOW_FACTOR = 16;

    public IndexOptions {
        Objects.requireNonNull(errorPolicy, "errorPolicy");
        if (batchSize < 1 || batchSize > 4096) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "batch size must be between 1 and 4096, got " + batchSize);
        }
        if (commitEvery < 1) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "commit interval must be at least 1 batch, got " + commitEvery);
        }
        if (windowFactor < 1 || windowFactor > 1024) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "window factor must be between 1 and 1024, got " + windowFactor);
        }
    }

    /** Without resume (the form before {@code resume} existed). */
    public IndexOptions(int batchSize, int commitEvery, ErrorPolicy errorPolicy, int windowFactor, boolean skipUnchanged) {
        this(batchSize, commitEvery, errorPolicy, windowFactor, skipUnchanged, false);
    }

    /** Batch 32, commit every 16 batches, skip bad records, windows of 16 batches, re-encode everything. */
    public static IndexOptions defaults() {
        return new IndexOptions(DEFAULT_BATCH_SIZE, DEFAULT_COMMIT_EVERY, ErrorPolicy.SKIP, DEFAULT_WINDOW_FACTOR, false);
    }

    public IndexOptions withBatchSize(int value) {
        return new IndexOptions(value, commitEvery, errorPolicy, windowFactor, skipUnchanged, resume);
    }

    public IndexOptions withCommitEvery(int value) {
        return new IndexOptions(batchSize, value, errorPolicy, windowFactor, skipUnchanged, resume);
    }

    public IndexOptions withErrorPolicy(ErrorPolicy value) {
        return new IndexOptions(batchSize, commitEvery, value, windowFactor, skipUnchanged, resume);
    }

    public IndexOptions withWindowFactor(int value) {
        return new IndexOptions(batchSize, commitEvery, errorPolicy, value, skipUnchanged, resume);
    }

    public IndexOptions withSkipUnchanged(boolean value) {
        return new IndexOptions(batchSize, commitEvery, errorPolicy, windowFactor, value, resume);
    }

    public IndexOptions withResume(boolean value) {
        return new IndexOptions(batchSize, commitEvery, errorPolicy, windowFactor, skipUnchanged, value);
    }

    /** Documents read before a window is sorted and encoded. */
    public int windowSize() {
        return batchSize * windowFactor;
    }
}
