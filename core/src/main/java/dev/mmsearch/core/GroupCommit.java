package dev.mmsearch.core;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Durable acknowledgements for many concurrent writers of one collection at the cost of few commits (group commit):
 * a writer writes, takes a ticket ({@link #written()}), and {@link #awaitDurable(long) waits} until a commit that
 * includes its write is on disk. One waiter commits everything written so far; writers that arrive while it commits
 * wait for it and then find their ticket covered, or commit the next group themselves. So under load a commit serves
 * every write that came in during the previous one, and an idle writer pays one commit.
 *
 * <p>Why not a write-ahead log: the store's commit already is the durable, atomic unit (a Lucene commit fsyncs the
 * segments and writes the commit point, and a crash falls back to the last one), so a second log would be a second
 * source of truth to replay and keep in step. Group commit keeps one. Thread-safe.
 */
public final class GroupCommit {
    private final CollectionWriter writer;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final Object commitLock = new Object();
    /** Every ticket up to this one is durable. Guarded by {@link #commitLock}. */
    private long durable;

    public GroupCommit(CollectionWriter writer) {
        this.writer = Objects.requireNonNull(writer, "writer");
    }

    /** Call right after a write to the collection returned: the ticket of that write, for {@link #awaitDurable}. */
    public long written() {
        return written.incrementAndGet();
    }

    /**
     * Returns once the write of {@code ticket} (and every write before it) is durable and visible, committing if no
     * commit that covers it has finished yet.
     *
     * @throws MmsearchException what the commit threw (then nothing after the last commit is acknowledged)
     */
    public void awaitDurable(long ticket) {
        synchronized (commitLock) {
            if (durable >= ticket) {
                return;
            }
            long upTo = written.get(); // read before the commit: every write counted so far is in it
            writer.commit();
            commits.incrementAndGet();
            durable = upTo;
        }
    }

    /** Commits made so far (fewer than tickets under concurrent load). */
    public long commits() {
        return commits.get();
    }
}
