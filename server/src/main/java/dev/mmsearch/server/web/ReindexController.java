package dev.mmsearch.server.web;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/collections/{name}/reindex} {@code {"model": "...", "vectorEncoding": "int8"}} starts a
 * re-index (202 with the job); {@code GET} the same path polls it. Searches keep working throughout.
 */
@RestController
@RequestMapping("/api/v1/collections/{name}/reindex")
class ReindexController {
    private final ReindexJobs jobs;

    ReindexController(ReindexJobs jobs) {
        this.jobs = jobs;
    }

    /** {@code field}: re-embed only that named vector field (the others and the main vector are kept). */
    record ReindexBody(String model, String vectorEncoding, String field) {
    }

    @PostMapping
    @ResponseStatus(HttpStatus.ACCEPTED)
    ReindexJobs.JobView start(@PathVariable String name, @RequestBody ReindexBody body) {
        return jobs.start(name, body == null ? null : body.model(), body == null ? null : body.vectorEncoding(),
                body == null ? null : body.field());
    }

    @GetMapping
    ReindexJobs.JobView status(@PathVariable String name) {
        return jobs.status(name);
    }
}
