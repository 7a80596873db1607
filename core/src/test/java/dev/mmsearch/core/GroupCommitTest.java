package dev.mmsearch.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GroupCommitTest {

    /** A writer that remembers what each commit made durable, and can be told to fail. */
    static final class RecordingWriter implements CollectionWriter {
        final Set<String> pending = ConcurrentHashMap.newKeySet();
        final Set<String> durable = ConcurrentHashMap.newKeySet();
        volatile boolean failNext;

        @Override
        public void upsert(List<EmbeddedDocument> documents) {
            documents.forEach(d -> pending.add(d.id()));
        }

        @Override
        public void delete(List<String> ids) {
        }

        @Override
        public long deleteMatching(Filter filter) {
            return 0;
        }

        @Override
        public synchronized void commit() {
            if (failNext) {
                failNext = false;
                throw new MmsearchException(ErrorCode.STORAGE_FULL, "disk full");
            }
            try {
                Thread.sleep(2); // a commit takes time: writes arrive meanwhile
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            durable.addAll(Set.copyOf(pending));
        }

        @Override
        public void commit(Map<String, String> checkpoint) {
            commit();
        }

        @Override
        public Map<String, String> checkpoint() {
            return Map.of();
        }

        @Override
        public int optimize() {
            return -1;
        }
    }

    static EmbeddedDocument doc(String id) {
        return new EmbeddedDocument(new Document(id, Map.of()), new float[] {1});
    }

    @Test
    void everyAcknowledgedWriteIsDurableAndConcurrentWritersShareCommits() throws Exception {
        RecordingWriter writer = new RecordingWriter();
        GroupCommit group = new GroupCommit(writer);
        int threads = 8;
        int perThread = 50;
        ConcurrentLinkedQueue<String> notDurableAtAck = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    String id = thread + "-" + i;
                    writer.upsert(List.of(doc(id)));
                    group.awaitDurable(group.written());
                    if (!writer.durable.contains(id)) {
                        notDurableAtAck.add(id);
                    }
                }
            });
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join(60_000);
        }
        assertThat(notDurableAtAck).as("acknowledged before their commit").isEmpty();
        assertThat(writer.durable).hasSize(threads * perThread);
        assertThat(group.commits()).as("commits for " + threads * perThread + " writes").isLessThan(threads * perThread)
                .isPositive();
    }

    @Test
    void aFailedCommitAcknowledgesNothingAndTheNextWaiterCommitsAgain() {
        RecordingWriter writer = new RecordingWriter();
        GroupCommit group = new GroupCommit(writer);
        writer.upsert(List.of(doc("a")));
        long ticket = group.written();
        writer.failNext = true;
        assertThatThrownBy(() -> group.awaitDurable(ticket)).isInstanceOf(MmsearchException.class)
                .hasMessageContaining("disk full");
        assertThat(writer.durable).isEmpty();
        group.awaitDurable(ticket);
        assertThat(writer.durable).containsExactly("a");
        long commits = group.commits();
        group.awaitDurable(ticket); // already durable: no commit
        assertThat(group.commits()).isEqualTo(commits);
    }
}
