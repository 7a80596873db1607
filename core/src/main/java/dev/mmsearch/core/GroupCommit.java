package dev.mmsearch.core;

import java.util.Collection;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
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
    /** Stands for every id, after a write whose ids are not known (a delete by filter). Never a document id. */
    private static final String ANY_ID = "";
    /** Ids written since the commit that starts next took its set. */
    private final AtomicReference<Set<String>> uncommitted = new AtomicReference<>(ConcurrentHashMap.newKeySet());
    /** The ids the commit now running makes durable; null when none runs. Set before the swap, cleared after. */
    private volatile Set<String> committing;

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
            Set<String> ids = uncommitted.get();
            committing = ids; // before the swap: a conditional write reads uncommitted first, then this
            uncommitted.set(ConcurrentHashMap.newKeySet());
            try {
                writer.commit();
            } catch (RuntimeException e) {
                uncommitted.get().addAll(ids); // not durable after all
                throw e;
            } finally {
                committing = null;
            }
            commits.incrementAndGet();
            durable = upTo;
        }
    }

    /**
     * Runs a plain write (an upsert or delete that does not depend on what the collection holds); any number run at
     * once, none inside a {@link #conditionally conditional} one. The write is counted before the lock is released;
     * take the ticket to wait on ({@link #written()}) after it returns.
     *
     * @param ids the ids the write touches, or null when they are not known (every id is then taken as written)
     */
    public <T> T unconditionally(Collection<String> ids, Supplier<T> write) {
        order.readLock().lock();
        try {
            T result = write.get();
            uncommitted.get().addAll(ids == null ? Set.of(ANY_ID) : ids);
            written.incrementAndGet(); // counted before a conditional write can start: its commit includes this one
            return result;
        } finally {
            order.readLock().unlock();
        }
    }

    /**
     * Runs a write that depends on what the collection holds (read, check, write) alone: when a write of one of
     * {@code ids} is not committed yet, everything written so far is committed first, so a view opened inside
     * {@code checkAndWrite} sees every write of these ids, and no other write lands between its check and its write.
     * When none is pending (the common case) nothing is committed here, and the acknowledgement's commit is shared
     * with the other writers as usual. Take the ticket to wait on ({@link #written()}) after it returns.
     */
    public <T> T conditionally(Collection<String> ids, Supplier<T> checkAndWrite) {
        order.writeLock().lock();
        try {
            if (mayBeUncommitted(ids)) {
                awaitDurable(written.get());
            }
            T result = checkAndWrite.get();
            uncommitted.get().addAll(ids);
            written.incrementAndGet(); // the next conditional write commits this one before its check
            return result;
        } finally {
            order.writeLock().unlock();
        }
    }

    /** Whether a write of one of {@code ids} may not be visible to a new view yet. */
    private boolean mayBeUncommitted(Collection<String> ids) {
        Set<String> pending = uncommitted.get(); // first: a commit sets committing before it swaps this
        Set<String> running = committing;
        for (Set<String> set : running == null ? java.util.List.of(pending) : java.util.List.of(pending, running)) {
            if (set.contains(ANY_ID) || ids.stream().anyMatch(set::contains)) {
                return true;
            }
        }
        return false;
    }

    /** Commits made so far (fewer than tickets under concurrent load). */
    public long commits() {
        return commits.get();
    }
}
