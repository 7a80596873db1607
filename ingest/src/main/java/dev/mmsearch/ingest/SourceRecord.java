package dev.mmsearch.ingest;

/**
 * One record read from an input: either a {@link SourceDocument} or a {@link SourceError}.
 * Sources never throw for bad input lines; they hand the error on, so the caller's
 * {@link ErrorPolicy} decides whether to skip it or stop.
 */
public sealed interface SourceRecord permits SourceDocument, SourceError {

    /** 1-based line (or record) number in the input. */
    long line();
}
