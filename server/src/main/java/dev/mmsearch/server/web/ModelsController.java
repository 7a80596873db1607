package dev.mmsearch.server.web;

import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.server.Engine;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/models}: the models this node embeds with, built-in and added ones ({@code models add},
 * {@code models pull}), from their manifests (nothing is loaded to answer). A node that runs its models on
 * inference nodes lists the ids those serve ({@code "kind": "remote"}).
 */
@RestController
class ModelsController {
    private final Engine engine;

    ModelsController(Engine engine) {
        this.engine = engine;
    }

    @GetMapping(path = "/api/v1/models", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, List<ModelRegistry.ModelInfo>> list() {
        if (engine.encoders() != engine.models()) {
            return Map.of("models", engine.encoders().modelIds().stream()
                    .map(id -> new ModelRegistry.ModelInfo(id, "remote", false, 0, 0, false, null)).toList());
        }
        return Map.of("models", engine.models().describe());
    }
}
