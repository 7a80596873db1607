package dev.mmsearch.ingest;

import dev.mmsearch.core.Document;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Micro-batching of small concurrent embed calls: callers that embed a few inputs at the same time (say, eight
 * single-document writes to one collection) share one encoder call instead of making eight.
 *
 * <p>There is no background thread and no timer. A caller queues its inputs; when no encoder call of this queue is
 * under way it makes one itself, with whatever is queued (its own inputs first, then other callers' in arrival order,
 * up to {@code maxBatch} inputs). Callers that arrive while a call runs wait for it to end; then the first of them
 * makes the next call for all that queued meanwhile. So a caller alone pays nothing extra (its call starts at once,
 * with its own inputs only), and under concurrency the batch grows with the load.
 *
 * <p>Each caller gets exactly its own vectors, in its order. When the shared call fails on an input
 * ({@link DocumentEmbedder#isInputProblem}), each caller's inputs are embedded again on their own, so the bad input
 * fails only its caller (whose {@link OnlineWriter} then isolates it within its own inputs). Any other failure (the
 * model itself) reaches every caller of that call. Calls of {@code maxBatch} inputs or more go straight to the
 * encoder.
 */
public final class EmbeddingQueue {
    private final int maxBatch;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Requests not yet taken into an encoder call, in arrival order. */
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    /** Whether a caller is making (or about to make) an encoder call for this queue. */
    private boolean running;

    public EmbeddingQueue(int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be positive, got " + maxBatch);
        }
        this.maxBatch = maxBatch;
    }

    /** {@code embedder} with its {@link DocumentEmbedder#embed} calls coalesced through this queue. */
    public DocumentEmbedder wrap(DocumentEmbedder embedder) {
        Objects.requireNonNull(embedder, "embedder");
        return new DocumentEmbedder() {
            @Override
            public ModelStamp stamp() {
                return embedder.stamp();
            }

            @Override
            public String input(Document document) {
                return embedder.input(document);
            }

            @Override
            public String emptyReason() {
                return embedder.emptyReason();
            }

            @Override
            public int[] lengths(List<String> inputs) {
                return embedder.lengths(inputs);
            }

            @Override
            public float[][] embed(List<String> inputs) {
                return EmbeddingQueue.this.embed(embedder, inputs);
            }
        };
    }

    private static final class Request {
        final List<String> inputs;
        /** Set (under the lock) when this request's caller is to make the next encoder call. */
        boolean leads;
        boolean done;
        float[][] vectors;
        RuntimeException failure;

        Request(List<String> inputs) {
            this.inputs = inputs;
        }
    }

    /** One vector per input of {@code inputs}, through a shared encoder call of {@code embedder} when others wait. */
    float[][] embed(DocumentEmbedder embedder, List<String> inputs) {
        if (inputs.isEmpty()) {
            return new float[0][];
        }
        if (inputs.size() >= maxBatch) {
            return embedder.embed(inputs);
        }
        Request mine = new Request(List.copyOf(inputs));
        List<Request> batch;
        lock.lock();
        try {
            queue.add(mine);
            if (!running) {
                running = true;
                mine.leads = true;
            }
            while (!mine.done && !mine.leads) {
                changed.awaitUninterruptibly();
            }
            if (mine.done) {
                return result(mine);
            }
            batch = take();
        } finally {
            lock.unlock();
        }
        try {
            run(embedder, batch);
        } finally {
            lock.lock();
            try {
                for (Request r : batch) {
                    r.done = true;
                }
                Request next = queue.peekFirst();
                if (next != null) {
                    next.leads = true;
                } else {
                    running = false;
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
        return result(mine);
    }

    /** Requests waiting behind the running call (for tests). */
    int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** The queued requests for one call (under the lock): the head, then more while they fit in {@code maxBatch}. */
    private List<Request> take() {
        List<Request> batch = new ArrayList<>();
        int size = 0;
        while (!queue.isEmpty() && (batch.isEmpty() || size + queue.peekFirst().inputs.size() <= maxBatch)) {
            Request r = queue.pollFirst();
            batch.add(r);
            size += r.inputs.size();
        }
        return batch;
    }

    /** Makes the encoder call for {@code batch} and hands each request its vectors or its failure (no lock held). */
    private static void run(DocumentEmbedder embedder, List<Request> batch) {
        try {
            if (batch.size() == 1) {
                batch.getFirst().vectors = embedder.embed(batch.getFirst().inputs);
                return;
            }
            List<String> all = new ArrayList<>();
            batch.forEach(r -> all.addAll(r.inputs));
            float[][] vectors = embedder.embed(all);
            int from = 0;
            for (Request r : batch) {
                r.vectors = java.util.Arrays.copyOfRange(vectors, from, from + r.inputs.size());
                from += r.inputs.size();
            }
        } catch (MmsearchException e) {
            if (batch.size() == 1 || !DocumentEmbedder.isInputProblem(e)) {
                batch.forEach(r -> r.failure = e);
                return;
            }
            // One caller's input spoils the shared call: embed each caller's inputs on their own.
            for (Request r : batch) {
                try {
                    r.vectors = embedder.embed(r.inputs);
                } catch (RuntimeException alone) {
                    r.failure = alone;
                }
            }
        } catch (RuntimeException | Error e) {
            RuntimeException failure = e instanceof RuntimeException re ? re : new IllegalStateException(e);
            batch.forEach(r -> r.failure = failure);
            if (e instanceof Error error) {
                throw error;
            }
        }
    }

    private static float[][] result(Request r) {
        if (r.failure != null) {
            throw r.failure;
        }
        return r.vectors;
    }
}
