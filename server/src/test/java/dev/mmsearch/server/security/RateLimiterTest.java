package dev.mmsearch.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    static final long SECOND = 1_000_000_000L;

    @Test
    void burstThenSustainedRatePerClient() {
        AtomicLong now = new AtomicLong(1_000 * SECOND);
        RateLimiter limiter = new RateLimiter(10, 5, 100, now::get);
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.tryAcquire("a")).as("burst request %d", i).isZero();
        }
        long wait = limiter.tryAcquire("a");
        assertThat(wait).as("6th at once waits one refill: 1/10 s").isBetween(SECOND / 10 - 1000, SECOND / 10);
        assertThat(limiter.tryAcquire("b")).as("another client has its own bucket").isZero();
        now.addAndGet(SECOND / 10);
        assertThat(limiter.tryAcquire("a")).isZero();
        assertThat(limiter.tryAcquire("a")).isPositive();
        now.addAndGet(60 * SECOND); // refills to the burst, never beyond
        int allowed = 0;
        while (limiter.tryAcquire("a") == 0) {
            allowed++;
        }
        assertThat(allowed).isEqualTo(5);
        // 10 s at 10/s, one request every 100 ms: all allowed
        for (int i = 0; i < 100; i++) {
            now.addAndGet(SECOND / 10);
            assertThat(limiter.tryAcquire("a")).isZero();
        }
    }

    @Test
    void zeroRateTurnsLimitingOff() {
        RateLimiter off = new RateLimiter(0, 1, 10, System::nanoTime);
        assertThat(off.enabled()).isFalse();
        for (int i = 0; i < 10_000; i++) {
            assertThat(off.tryAcquire("x")).isZero();
        }
        assertThat(off.clients()).isZero();
    }

    @Test
    void memoryIsBoundedByMaxClients() {
        RateLimiter limiter = new RateLimiter(1, 1, 1000, System::nanoTime);
        for (int i = 0; i < 50_000; i++) {
            limiter.tryAcquire("ip:10.0." + (i / 256) + "." + (i % 256));
        }
        assertThat(limiter.clients()).isLessThanOrEqualTo(1000);
    }
}
