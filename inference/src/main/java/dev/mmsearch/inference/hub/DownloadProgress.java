package dev.mmsearch.inference.hub;

/**
 * Receives the progress of a model download in bytes, so a command line can draw a bar (with rate and ETA)
 * while library code stays free of console output. Called from the downloading thread only.
 */
public interface DownloadProgress {

    /** Shows nothing. */
    DownloadProgress NONE = new DownloadProgress() {
        @Override
        public void start(String task, long totalBytes) {
        }

        @Override
        public void advance(long bytes) {
        }

        @Override
        public void finish() {
        }
    };

    /**
     * A download begins.
     *
     * @param task       short label, e.g. {@code "pull Xenova/clip-vit-base-patch32"}
     * @param totalBytes bytes of every file to fetch (files already on disk included), or -1 when unknown
     */
    void start(String task, long totalBytes);

    /** {@code bytes} more bytes are on disk (downloaded, or found complete from an earlier run). */
    void advance(long bytes);

    /** The download ended, normally or not; releases whatever the display holds. */
    void finish();
}
