package dev.mmsearch.server.security;

/**
 * A token bucket: holds up to {@code burst} tokens, refilled at {@code perSecond}; each request takes one.
 * Hand-written (about 20 lines) because no rate-limiting library with per-key buckets (e.g. bucket4j) is
 * available to this build; resilience4j's RateLimiter is a per-limiter fixed window, not a per-client bucket.
 * Thread-safe; time is passed in so tests need no sleeping.
 */
final class TokenBucket {
    private final double perNano;
    private final double burst;
    private double tokens;
    private long lastNanos;

    TokenBucket(double perSecond, int burst, long nowNanos) {
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.lastNanos = nowNanos;
    }

    /** Takes one token: 0 when there was one, else the nanoseconds until there will be one. */
    synchronized long tryTake(long nowNanos) {
        long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            tokens = Math.min(burst, tokens + elapsed * perNano);
            lastNanos = nowNanos;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return (long) Math.ceil((1 - tokens) / perNano);
    }
}
