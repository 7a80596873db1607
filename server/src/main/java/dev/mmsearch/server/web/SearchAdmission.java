package dev.mmsearch.server.web;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Admission control for searches: at most {@code maxConcurrent} run at once; the others wait in arrival order, and
 * one that has waited {@code maxWait} is refused with 503 {@code overloaded} (and {@code Retry-After}) instead of
 * joining a queue it cannot leave in time.
 *
 * <p>Why: a search is CPU work (the query encoder, the index, highlighting). Past about one running search per core,
 * running more at once adds no throughput, only context switches, cache misses and memory, while every one of them
 * gets slower; under a burst the servlet container would otherwise start a search on each of its ~200 threads. With
 * the gate, a burst waits in a first-come-first-served queue and the searches that run keep their solo speed. This
 * is a few lines over a fair {@link Semaphore}, so it is written here rather than pulled in from a resilience library.
 *
 * <p>Metrics: {@code mmsearch.search.running} and {@code mmsearch.search.queued} (gauges),
 * {@code mmsearch.search.queue.wait} (timer of the wait of admitted searches), {@code mmsearch.search.rejected}
 * (counter of refused ones).
 */
public final class SearchAdmission {
    /** Default {@code maxConcurrent}: two per core (one encoding while the other reads the index or writes JSON). */
    public static final int DEFAULT_PER_CORE = 2;

    private final int maxConcurrent;
    private final Duration maxWait;
    private final Semaphore permits;
    private final AtomicInteger queued = new AtomicInteger();
    private final Timer waits;
    private final Counter rejected;

    /**
     * @param maxConcurrent searches that may run at once, at least 1
     * @param maxWait       longest a search waits for its turn before 503; zero refuses at once when all are busy
     */
    public SearchAdmission(int maxConcurrent, Duration maxWait, MeterRegistry meters) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("mmsearch.search.max-concurrent must be at least 1, got " + maxConcurrent);
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("mmsearch.search.max-wait must not be negative, got " + maxWait);
        }
        this.maxConcurrent = maxConcurrent;
        this.maxWait = maxWait;
        this.permits = new Semaphore(maxConcurrent, true);
        Gauge.builder("mmsearch.search.running", this, SearchAdmission::running)
                .description("Searches running now (at most mmsearch.search.max-concurrent)").register(meters);
        Gauge.builder("mmsearch.search.queued", queued, AtomicInteger::get)
                .description("Searches waiting for their turn").register(meters);
        this.waits = Timer.builder("mmsearch.search.queue.wait")
                .description("How long admitted searches waited for their turn").register(meters);
        this.rejected = Counter.builder("mmsearch.search.rejected")
                .description("Searches refused with 503 overloaded after waiting mmsearch.search.max-wait")
                .register(meters);
    }

    /**
     * From the settings {@code mmsearch.search.max-concurrent} ({@code 0}: {@value #DEFAULT_PER_CORE} per core) and
     * {@code mmsearch.search.max-wait}; the constructor checks both.
     */
    public static SearchAdmission configured(int maxConcurrentOrZero, Duration maxWait, MeterRegistry meters) {
        int limit = maxConcurrentOrZero == 0 ? DEFAULT_PER_CORE * Runtime.getRuntime().availableProcessors()
                : maxConcurrentOrZero;
        return new SearchAdmission(limit, maxWait, meters);
    }

    /** Runs {@code search} when its turn comes. @throws MmsearchException OVERLOADED after waiting {@link #maxWait()} */
    public <T> T run(Supplier<T> search) {
        long start = System.nanoTime();
        boolean admitted;
        queued.incrementAndGet();
        try {
            admitted = permits.tryAcquire(maxWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MmsearchException(ErrorCode.OVERLOADED, "search was interrupted while waiting for its turn");
        } finally {
            queued.decrementAndGet();
        }
        if (!admitted) {
            rejected.increment();
            throw new MmsearchException(ErrorCode.OVERLOADED, String.format(Locale.ROOT,
                    "the server is overloaded: %d searches are running and this one waited %d ms for its turn;"
                            + " retry shortly", maxConcurrent, maxWait.toMillis()));
        }
        try {
            waits.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            return search.get();
        } finally {
            permits.release();
        }
    }

    public int maxConcurrent() {
        return maxConcurrent;
    }

    public Duration maxWait() {
        return maxWait;
    }

    /** Searches running now. */
    public int running() {
        return maxConcurrent - permits.availablePermits();
    }

    /** Searches waiting now. */
    public int queued() {
        return queued.get();
    }
}
