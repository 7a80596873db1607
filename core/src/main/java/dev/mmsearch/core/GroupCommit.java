package dev.mmsearch.core;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * Durable acknowledgements for many concurrent writers of one collection at the cost of few commits (group commit):
 * a writer writes, takes a ticket ({@link #written()}), and {@link #awaitDurable(long) waits} until a commit that
 * includes its write is on disk. One waiter commits everything written so far; writers that arrive while it commits
 * wait for it and then find their ticket covered, or commit the next group themselves. So under load a commit serves
 * every write that came in during the previous one, and an idle writer pays one commit.
 *
 * <p>Why not a write-ahead log: the store's commit already is the durable, atomic unit (a Lucene commit fsyncs the
 * segments and writes the commit point, and a crash falls back to the last one), so a second log would be a second
 * source of truth to replay and keep in step. Group commit keeps one.
 *
 * <p>It also orders conditional writes (read, check, write: an {@code If-Match} write, a patch) against the others:
 * plain writes run {@link #unconditionally} (many at once), a check-and-write runs {@link #conditionally}, alone, after
 * committing every write so far so that its check sees them. Thread-safe.
 */
public final class GroupCommit {
    private final CollectionWriter writer;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final Object commitLock = new Object();
    /** Read side: plain writes to the collection. Write side: a conditional write's check and write. */
    private final ReentrantReadWriteLock order = new ReentrantReadWriteLock();
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

    /**
     * Runs a plain write (an upsert or delete that does not depend on what the collection holds); any number run at
     * once, none inside a {@link #conditionally conditional} one. The write is counted before the lock is released;
     * take the ticket to wait on ({@link #written()}) after it returns.
     */
    public <T> T unconditionally(Supplier<T> write) {
        order.readLock().lock();
        try {
            T result = write.get();
            written.incrementAndGet(); // counted before a conditional write can start: its commit includes this one
            return result;
        } finally {
            order.readLock().unlock();
        }
    }

    /**
     * Runs a write that depends on what the collection holds (read, check, write) alone: every write before it is
     * committed first, so a view opened inside {@code checkAndWrite} sees all of them, and no other write lands
     * between its check and its write. Take the ticket to wait on ({@link #written()}) after it returns.
     */
    public <T> T conditionally(Supplier<T> checkAndWrite) {
        order.writeLock().lock();
        try {
            awaitDurable(written.get());
            T result = checkAndWrite.get();
            written.incrementAndGet(); // the next conditional write commits this one before its check
            return result;
        } finally {
            order.writeLock().unlock();
        }
    }

    /** Commits made so far (fewer than tickets under concurrent load). */
    public long commits() {
        return commits.get();
    }
}
