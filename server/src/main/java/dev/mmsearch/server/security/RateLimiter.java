package dev.mmsearch.server.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Per-client token buckets (client = an API key's name, else the remote IP). Memory is bounded: buckets idle
 * for longer than a full refill are dropped (a new one starts full, so that loses nothing), and at most
 * {@code maxClients} are kept (Caffeine evicts the least valuable beyond that).
 */
public final class RateLimiter {
    private final double perSecond;
    private final int burst;
    private final LongSupplier clock;
    private final Cache<String, TokenBucket> buckets;

    /**
     * @param perSecond  sustained requests per second per client; 0 or less turns limiting off
     * @param burst      requests a client may send at once
     * @param maxClients most buckets kept in memory
     */
    public RateLimiter(double perSecond, int burst, int maxClients, LongSupplier clock) {
        this.perSecond = perSecond;
        this.burst = Math.max(1, burst);
        this.clock = clock;
        long refillSeconds = perSecond > 0 ? (long) Math.ceil(this.burst / perSecond) : 1;
        this.buckets = Caffeine.newBuilder()
                .maximumSize(Math.max(1, maxClients))
                .expireAfterAccess(Duration.ofSeconds(Math.max(60, refillSeconds)))
                .build();
    }

    public boolean enabled() {
        return perSecond > 0;
    }

    /** Takes a token for {@code client}: 0 when allowed, else nanoseconds until the next token. */
    public long tryAcquire(String client) {
        if (!enabled()) {
            return 0;
        }
        long now = clock.getAsLong();
        return buckets.get(client, c -> new TokenBucket(perSecond, burst, now)).tryTake(now);
    }

    /** Buckets held now (approximate; for tests and metrics). */
    public long clients() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }
}
