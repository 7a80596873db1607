package dev.mmsearch.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SearchAdmissionTest {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void neverRunsMoreThanItsLimitAndRunsEverySearch() throws Exception {
        SearchAdmission admission = new SearchAdmission(2, Duration.ofSeconds(30), meters);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            threads.add(Thread.ofPlatform().start(() -> admission.run(() -> {
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                sleep(20);
                running.decrementAndGet();
                return done.incrementAndGet();
            })));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(done).hasValue(12);
        assertThat(most).as("searches running at once").hasValue(2);
        assertThat(admission.running()).isZero();
        assertThat(admission.queued()).isZero();
        assertThat(meters.get("mmsearch.search.queue.wait").timer().count()).isEqualTo(12);
        assertThat(meters.get("mmsearch.search.rejected").counter().count()).isZero();
    }

    @Test
    void waitingSearchesGetTheirTurnInArrivalOrder() throws Exception {
        SearchAdmission admission = new SearchAdmission(1, Duration.ofSeconds(30), meters);
        Turn held = Turn.take(admission);
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            waiters.add(Thread.ofPlatform().start(() -> admission.run(() -> order.add(n))));
            // Each waiter is queued before the next one arrives.
            waitUntil(() -> admission.queued() == n + 1);
        }
        assertThat(meters.get("mmsearch.search.queued").gauge().value()).isEqualTo(5);
        assertThat(meters.get("mmsearch.search.running").gauge().value()).isEqualTo(1);
        held.giveBack();
        for (Thread t : waiters) {
            t.join();
        }
        assertThat(order).containsExactly(0, 1, 2, 3, 4);
    }

    @Test
    void aSearchThatWaitsTooLongIsRefusedAsOverloadedAndTheOthersGoOn() throws Exception {
        SearchAdmission admission = new SearchAdmission(1, Duration.ofMillis(50), meters);
        Turn held = Turn.take(admission);
        AtomicInteger ran = new AtomicInteger();
        assertThatThrownBy(() -> admission.run(ran::incrementAndGet))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.OVERLOADED);
                    assertThat(e.code().httpStatus()).isEqualTo(503);
                    assertThat(e.getMessage()).contains("overloaded", "1 searches are running", "waited 50 ms");
                });
        assertThat(ran).as("a refused search does not run").hasValue(0);
        assertThat(meters.get("mmsearch.search.rejected").counter().count()).isEqualTo(1);
        assertThat(admission.queued()).isZero();
        held.giveBack();
        assertThat(admission.run(ran::incrementAndGet)).isEqualTo(1);
        assertThat(admission.running()).isZero();
    }

    @Test
    void aFailingSearchGivesItsTurnBack() {
        SearchAdmission admission = new SearchAdmission(1, Duration.ZERO, meters);
        assertThatThrownBy(() -> admission.run(() -> {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "bad filter");
        })).hasMessage("bad filter");
        assertThat(admission.running()).isZero();
        assertThat(admission.run(() -> "next")).isEqualTo("next");
    }

    @Test
    void refusesALimitBelowOneOrANegativeWait() {
        assertThatThrownBy(() -> new SearchAdmission(0, Duration.ofSeconds(1), meters))
                .hasMessageContaining("max-concurrent must be at least 1");
        assertThatThrownBy(() -> new SearchAdmission(1, Duration.ofSeconds(-1), meters))
                .hasMessageContaining("max-wait must not be negative");
    }

    /** A "search" holding one turn until {@link #giveBack}. */
    private record Turn(Thread holder, CountDownLatch release) {
        static Turn take(SearchAdmission admission) throws InterruptedException {
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread holder = Thread.ofPlatform().start(() -> admission.run(() -> {
                holding.countDown();
                await(release);
                return null;
            }));
            holding.await();
            return new Turn(holder, release);
        }

        void giveBack() throws InterruptedException {
            release.countDown();
            holder.join();
        }
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met in 10 s");
            }
            Thread.sleep(1);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
