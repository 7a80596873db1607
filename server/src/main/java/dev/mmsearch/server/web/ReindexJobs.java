package dev.mmsearch.server.web;

import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.ingest.IndexOptions;
import dev.mmsearch.ingest.IndexProgress;
import dev.mmsearch.ingest.Reindexer;
import dev.mmsearch.server.Engine;
import jakarta.annotation.PreDestroy;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Re-index jobs of the running server: one at a time per collection, run on a background thread while the
 * collection keeps serving searches from its current version ({@link Reindexer}). The last job of each
 * collection is kept so clients can poll its state.
 */
@Component
class ReindexJobs {
    private static final Logger log = LoggerFactory.getLogger(ReindexJobs.class);

    private final Engine engine;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newFixedThreadPool(1, r -> {
        Thread t = new Thread(r, "mmsearch-reindex");
        t.setDaemon(true);
        return t;
    });

    ReindexJobs(Engine engine) {
        this.engine = engine;
    }

    /**
     * Starts re-indexing {@code collection} with {@code modelId}.
     *
     * @throws MmsearchException COLLECTION_NOT_FOUND, MODEL_NOT_FOUND, COLLECTION_EXISTS (409) when a re-index of
     *                           this collection is already running
     */
    JobView start(String collection, String modelId, String vectorEncoding, String field) {
        CollectionStore.validateName(collection);
        if (modelId == null || modelId.isBlank()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "give the model to re-index with: {\"model\": \"<id>\"}");
        }
        VectorEncoding encoding = vectorEncoding == null || vectorEncoding.isBlank() ? null
                : VectorEncoding.parse(vectorEncoding);
        SearchCollection target = engine.store().get(collection); // 404 now rather than in the job
        if (field != null) {
            target.schema().vectorField(field); // 400 now for a field it does not have
            if (encoding != null) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "vectorEncoding applies to the whole"
                        + " collection; re-index a field without it");
            }
        }
        TextEncoder encoder = engine.encoders().textEncoder(modelId); // 404 now too
        Job job = new Job(collection, modelId, Instant.now());
        Job running = jobs.compute(collection, (name, previous) ->
                previous != null && previous.state.equals("running") ? previous : job);
        if (running != job) {
            throw new MmsearchException(ErrorCode.COLLECTION_EXISTS, "collection '" + collection
                    + "' is already being re-indexed (with " + running.model + " since " + running.startedAt
                    + "); wait for it to finish");
        }
        workers.submit(() -> run(job, encoder, encoding, field));
        return job.view();
    }

    /** @throws MmsearchException NOT_FOUND when this collection was never re-indexed since the server started */
    JobView status(String collection) {
        Job job = jobs.get(CollectionStore.validateName(collection));
        if (job == null) {
            throw new MmsearchException(ErrorCode.NOT_FOUND, "no re-index of collection '" + collection
                    + "' since this server started");
        }
        return job.view();
    }

    private void run(Job job, TextEncoder encoder, VectorEncoding encoding, String field) {
        try {
            Reindexer.ReindexSummary summary = field != null
                    ? Reindexer.reindexField(engine.store(), job.collection, field, encoder,
                    engine.options().batchSize(), job)
                    : Reindexer.reindex(engine.store(), job.collection, encoder, encoding,
                    IndexOptions.defaults().withBatchSize(engine.options().batchSize()), job,
                    engine.dataDirectory().reports());
            job.finish("done", summary.toLine());
        } catch (RuntimeException e) {
            log.warn("reindex job failed collection={} model={}: {}", job.collection, job.model, e.toString());
            job.finish("failed", e.getMessage());
        }
    }

    @PreDestroy
    void close() {
        workers.shutdownNow();
    }

    /** What clients see of a job. */
    record JobView(String collection, String model, String state, long processed, long total, Instant startedAt,
                   Instant finishedAt, String message) {
    }

    private static final class Job implements IndexProgress {
        final String collection;
        final String model;
        final Instant startedAt;
        final AtomicLong processed = new AtomicLong();
        volatile long total = -1;
        volatile String state = "running";
        volatile Instant finishedAt;
        volatile String message = "";

        Job(String collection, String model, Instant startedAt) {
            this.collection = collection;
            this.model = model;
            this.startedAt = startedAt;
        }

        @Override
        public void start(String task, long total) {
            this.total = total;
        }

        @Override
        public void advance(long n) {
            processed.addAndGet(n);
        }

        @Override
        public void finish() {
        }

        void finish(String state, String message) {
            this.message = message;
            this.finishedAt = Instant.now();
            this.state = state;
        }

        JobView view() {
            return new JobView(collection, model, state, processed.get(), total, startedAt, finishedAt, message);
        }
    }
}
