package dev.mmsearch.grpc;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.TextEncoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dynamic micro-batching: EncodeText requests for the same model and side that arrive while the
 * model is busy (or within {@code maxWait} of the first one) are coalesced into one model run of at
 * most {@code maxBatch} texts. A few worker threads per (model, side) lane each take a request, gathers
 * more until the batch is full or {@code maxWait} has passed, runs the encoder once and hands each
 * request its rows. Several workers per lane let one gather the next batch while another runs the
 * model.
 *
 * <p>Hand-written because it is small and specific: a queue per lane, no library needed. A request
 * larger than {@code maxBatch} runs alone (the encoder splits it itself). Requests whose caller has
 * gone (deadline passed, cancelled) are dropped before the model run.
 */
final class MicroBatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MicroBatcher.class);

    private final int maxBatch;
    private final long maxWaitNanos;
    private final int workersPerLane;
    private final Map<Lane.Key, Lane> lanes = new ConcurrentHashMap<>();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong texts = new AtomicLong();
    private final AtomicLong maxRequests = new AtomicLong();
    private volatile boolean closed;

    MicroBatcher(int maxBatch, Duration maxWait, int workersPerLane) {
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWait.toNanos();
        this.workersPerLane = workersPerLane;
    }

    /**
     * Queues {@code input} for {@code encoder} and completes with its vectors (or the encoder's error).
     *
     * @param gone tells whether the caller has gone away (its request is then skipped)
     */
    CompletableFuture<Result> submit(String modelId, TextEncoder encoder, boolean query, List<String> input,
                                     BooleanSupplier gone) {
        if (closed) {
            return CompletableFuture.failedFuture(new MmsearchException(ErrorCode.NOT_READY,
                    "the inference server is shutting down"));
        }
        Pending pending = new Pending(input, gone, new CompletableFuture<>());
        Lane lane = lanes.computeIfAbsent(new Lane.Key(modelId, encoder, query), Lane::new);
        lane.queue.add(pending);
        return pending.future;
    }

    BatchingStats stats() {
        return new BatchingStats(batches.get(), requests.get(), texts.get(), maxRequests.get());
    }

    /** Stops the workers; queued requests fail with NOT_READY. */
    @Override
    public void close() {
        closed = true;
        for (Lane lane : lanes.values()) {
            lane.workers.forEach(Thread::interrupt);
        }
        for (Lane lane : lanes.values()) {
            try {
                for (Thread worker : lane.workers) {
                    worker.join(5_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Pending left;
            while ((left = lane.queue.poll()) != null) {
                left.future.completeExceptionally(new MmsearchException(ErrorCode.NOT_READY,
                        "the inference server is shutting down"));
            }
        }
    }

    /** The vectors of one request and how many requests shared its model run. */
    record Result(float[][] vectors, int coalesced) {
    }

    private record Pending(List<String> texts, BooleanSupplier gone, CompletableFuture<Result> future) {
    }

    private final class Lane {
        record Key(String modelId, TextEncoder encoder, boolean query) {
        }

        final Key key;
        final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
        final List<Thread> workers = new ArrayList<>();

        Lane(Key key) {
            this.key = key;
            for (int i = 0; i < workersPerLane; i++) {
                workers.add(Thread.ofPlatform().daemon().name("mmsearch-batcher-" + key.modelId()
                        + (key.query() ? "-query-" : "-document-") + i).start(this::run));
            }
        }

        private void run() {
            // A request taken from the queue that did not fit the last batch; it starts this worker's next one.
            Pending[] carried = new Pending[1];
            while (!closed) {
                try {
                    List<Pending> batch = gather(carried);
                    if (!batch.isEmpty()) {
                        encode(batch);
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.error("micro-batcher model={} failed: {}", key.modelId(), e.toString(), e);
                }
            }
        }

        private List<Pending> gather(Pending[] carried) throws InterruptedException {
            Pending first = carried[0] != null ? carried[0] : queue.poll(1, TimeUnit.SECONDS);
            carried[0] = null;
            List<Pending> batch = new ArrayList<>();
            if (first == null) {
                return batch;
            }
            batch.add(first);
            int size = first.texts().size();
            long deadline = System.nanoTime() + maxWaitNanos;
            while (size < maxBatch) {
                long remaining = deadline - System.nanoTime();
                Pending next = remaining > 0 ? queue.poll(remaining, TimeUnit.NANOSECONDS) : queue.poll();
                if (next == null) {
                    break;
                }
                if (size + next.texts().size() > maxBatch) {
                    carried[0] = next;
                    break;
                }
                batch.add(next);
                size += next.texts().size();
            }
            return batch;
        }

        private void encode(List<Pending> gathered) {
            List<Pending> batch = new ArrayList<>(gathered.size());
            for (Pending p : gathered) {
                if (p.gone().getAsBoolean()) {
                    p.future().cancel(false);
                } else {
                    batch.add(p);
                }
            }
            if (batch.isEmpty()) {
                return;
            }
            List<String> all = new ArrayList<>();
            for (Pending p : batch) {
                all.addAll(p.texts());
            }
            float[][] vectors;
            try {
                vectors = key.query() ? key.encoder().encodeQueries(all) : key.encoder().encodeDocuments(all);
            } catch (RuntimeException e) {
                batch.forEach(p -> p.future().completeExceptionally(e));
                return;
            }
            batches.incrementAndGet();
            requests.addAndGet(batch.size());
            texts.addAndGet(all.size());
            maxRequests.accumulateAndGet(batch.size(), Math::max);
            int from = 0;
            for (Pending p : batch) {
                int n = p.texts().size();
                float[][] rows = new float[n][];
                System.arraycopy(vectors, from, rows, 0, n);
                from += n;
                p.future().complete(new Result(rows, batch.size()));
            }
        }
    }
}
