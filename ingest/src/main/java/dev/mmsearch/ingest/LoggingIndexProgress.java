package dev.mmsearch.ingest;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress as log lines (count, rate, ETA) at most every {@code interval}: for logs, CI output
 * and services, where a redrawn terminal bar would be noise.
 */
public final class LoggingIndexProgress implements IndexProgress {
    private static final Logger log = LoggerFactory.getLogger(LoggingIndexProgress.class);

    private final long intervalNanos;
    private String task;
    private long total;
    private long done;
    private long startNanos;
    private long lastLogNanos;

    public LoggingIndexProgress(Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    @Override
    public void start(String task, long total) {
        this.task = task;
        this.total = total;
        this.done = 0;
        this.startNanos = System.nanoTime();
        this.lastLogNanos = startNanos;
        log.info("progress task=\"{}\" total={}", task, total);
    }

    @Override
    public void advance(long n) {
        done += n;
        long now = System.nanoTime();
        if (now - lastLogNanos >= intervalNanos) {
            lastLogNanos = now;
            double seconds = (now - startNanos) / 1e9;
            double rate = done / Math.max(seconds, 1e-9);
            String eta = total > 0 && rate > 0 ? String.format("%.0fs", (total - done) / rate) : "?";
            log.info("progress task=\"{}\" done={} total={} rate={} docs/s eta={}", task, done, total,
                    String.format("%.1f", rate), eta);
        }
    }

    @Override
    public void finish() {
        if (task != null) {
            log.info("progress task=\"{}\" finished done={} seconds={}", task, done,
                    String.format("%.1f", (System.nanoTime() - startNanos) / 1e9));
            task = null;
        }
    }
}
