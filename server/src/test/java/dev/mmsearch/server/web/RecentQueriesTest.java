package dev.mmsearch.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RecentQueriesTest {
    static RecentQueries.Served served(String id) {
        return new RecentQueries.Served("docs", "default", "v1", Map.of("recall", "dense"), List.of(id + "-hit"));
    }

    @Test
    void keepsTheLastCapacityQueriesAndForgetsTheOldestFirst() {
        RecentQueries recent = new RecentQueries(3);
        for (int i = 1; i <= 3; i++) {
            recent.remember("q" + i, served("q" + i));
        }
        assertThat(recent.get("q1").hitIds()).containsExactly("q1-hit");
        recent.remember("q4", served("q4"));
        assertThat(recent.get("q1")).as("the oldest is forgotten").isNull();
        assertThat(recent.get("q2")).isNotNull();
        assertThat(recent.get("q4").hitIds()).containsExactly("q4-hit");
        recent.remember("q5", served("q5"));
        recent.remember("q6", served("q6"));
        assertThat(recent.get("q2")).isNull();
        assertThat(recent.get("q3")).isNull();
        assertThat(recent.size()).isEqualTo(3);
        assertThat(List.of("q4", "q5", "q6")).allSatisfy(id -> assertThat(recent.get(id)).isNotNull());
        assertThat(recent.get("never")).isNull();
    }

    @Test
    void theCapacityIsASettingThatMustBePositive() {
        assertThat(new RecentQueries(RecentQueries.DEFAULT_CAPACITY).capacity()).isEqualTo(100_000);
        assertThatThrownBy(() -> new RecentQueries(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mmsearch.feedback.recent-queries").hasMessageContaining("got 0");
        assertThatThrownBy(() -> new RecentQueries(-5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrentRemembersStayBoundedAndEveryKeptQueryIsAskable() throws Exception {
        int capacity = 64;
        int threads = 8;
        int perThread = 5_000;
        RecentQueries recent = new RecentQueries(capacity);
        Set<String> all = ConcurrentHashMap.newKeySet();
        AtomicInteger wrong = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            workers.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    String id = "t" + thread + "-" + i;
                    all.add(id);
                    recent.remember(id, served(id));
                    // Readers run alongside writers: an id just remembered is there unless 64 newer ones evicted it.
                    RecentQueries.Served got = recent.get(id);
                    if (got != null && !got.hitIds().equals(List.of(id + "-hit"))) {
                        wrong.incrementAndGet();
                    }
                }
            }));
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        assertThat(all).hasSize(threads * perThread);
        // Quiescent: exactly the ids of the last `capacity` ring positions remain, none leaked, none lost.
        assertThat(recent.size()).isEqualTo(capacity);
        long kept = all.stream().filter(id -> recent.get(id) != null).count();
        assertThat(kept).isEqualTo(capacity);
        assertThat(wrong).as("entries read back with another query's hits").hasValue(0);
        // And it keeps working as a FIFO afterwards.
        for (int i = 0; i < capacity; i++) {
            recent.remember("after-" + i, served("after-" + i));
        }
        assertThat(all.stream().filter(id -> recent.get(id) != null)).isEmpty();
        assertThat(recent.size()).isEqualTo(capacity);
    }
}
