package dev.mmsearch.core.experiment;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A complete, structurally valid experiment configuration: a version (reported in every
 * response) and the scenes. Immutable; a reload produces a new one and swaps it in whole.
 *
 * @param version      free text, e.g. a date or a git hash; must change when the config changes
 * @param defaultScene scene used when a request names none
 */
public record ExperimentConfig(String version, String defaultScene, Map<String, Scene> scenes) {
    public ExperimentConfig {
        if (version == null || version.isBlank()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "experiment config has no version");
        }
        scenes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(scenes == null ? Map.of() : scenes));
        if (scenes.isEmpty()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "experiment config " + version + " has no scenes");
        }
        if (defaultScene == null) {
            defaultScene = scenes.keySet().iterator().next();
        }
        if (!scenes.containsKey(defaultScene)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "default scene '" + defaultScene + "' is not among "
                    + scenes.keySet());
        }
    }

    public static ExperimentConfig of(String version, List<Scene> scenes) {
        Map<String, Scene> byName = new LinkedHashMap<>();
        for (Scene scene : scenes) {
            if (byName.put(scene.name(), scene) != null) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "two scenes named '" + scene.name() + "'");
            }
        }
        return new ExperimentConfig(version, null, byName);
    }

    /** The scene by name ({@code null} = default). @throws MmsearchException INVALID_ARGUMENT for an unknown scene */
    public Scene scene(String name) {
        Scene scene = scenes.get(name == null || name.isBlank() ? defaultScene : name);
        if (scene == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "unknown scene '" + name + "'; scenes: " + scenes.keySet());
        }
        return scene;
    }
}
