package dev.mmsearch.inference.onnx;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * Open or closed, for a model that owns native resources (ONNX Runtime sessions, a tokenizer): calls run while it
 * is open, many at once under a shared lock; {@link #close(Runnable)} waits for the running calls, then releases the
 * resources, once. Thread-safe.
 */
public final class ModelLifecycle {

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final String closedMessage;
    private boolean closed; // guarded by lock

    /** @param name how the NOT_READY message names the model, e.g. {@code model 'bge-small-en-v1.5'} */
    public ModelLifecycle(String name) {
        this.closedMessage = name + " has been closed";
    }

    /**
     * Runs {@code call} while the model is open (close waits for it).
     *
     * @throws MmsearchException NOT_READY "{@code name} has been closed" after {@link #close(Runnable)}
     */
    public <T> T whileOpen(Supplier<T> call) {
        Lock read = lock.readLock();
        read.lock();
        try {
            if (closed) {
                throw new MmsearchException(ErrorCode.NOT_READY, closedMessage);
            }
            return call.get();
        } finally {
            read.unlock();
        }
    }

    /** Whether {@link #close(Runnable)} has been called. */
    public boolean isClosed() {
        Lock read = lock.readLock();
        read.lock();
        try {
            return closed;
        } finally {
            read.unlock();
        }
    }

    /**
     * Marks the model closed once running calls are done and runs {@code release} the first time only.
     *
     * @return whether this call closed it (false when it was already closed)
     */
    public boolean close(Runnable release) {
        Lock write = lock.writeLock();
        write.lock();
        try {
            if (closed) {
                return false;
            }
            closed = true;
            release.run();
            return true;
        } finally {
            write.unlock();
        }
    }
}
