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
 * @param defaultScene     scene used when a request names none and its collection has no scene of its own
 * @param scenes           the scenes by name
 * @param collectionScenes collection name to the scene its requests run when they name none (e.g. a Chinese
 *                         collection served with fusion weights tuned for it); collections not listed use
 *                         {@code defaultScene}. A request that names a scene always gets that scene.
 */
public record ExperimentConfig(String version, String defaultScene, Map<String, Scene> scenes,
                               Map<String, String> collectionScenes) {
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
        collectionScenes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(
                collectionScenes == null ? Map.of() : collectionScenes));
        for (Map.Entry<String, String> entry : collectionScenes.entrySet()) {
            if (!scenes.containsKey(entry.getValue())) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "collection '" + entry.getKey() + "' is served "
                        + "by scene '" + entry.getValue() + "', which is not among " + scenes.keySet());
            }
        }
    }

    /** A config whose collections all use {@code defaultScene}. */
    public ExperimentConfig(String version, String defaultScene, Map<String, Scene> scenes) {
        this(version, defaultScene, scenes, Map.of());
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

    /**
     * The scene a request runs: the one it names; else its collection's ({@link #collectionScenes()}); else the
     * default. @throws MmsearchException INVALID_ARGUMENT for an unknown scene name
     */
    public Scene scene(String name, String collection) {
        if (name == null || name.isBlank()) {
            String own = collection == null ? null : collectionScenes.get(collection);
            return scene(own);
        }
        return scene(name);
    }
}
