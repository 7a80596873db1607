package dev.mmsearch.retrieval;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.experiment.Arm;
import dev.mmsearch.core.experiment.ArmSelection;
import dev.mmsearch.core.experiment.Bucketing;
import dev.mmsearch.core.experiment.ExperimentConfig;
import dev.mmsearch.core.experiment.Layer;
import dev.mmsearch.core.experiment.Scene;
import dev.mmsearch.core.experiment.StageKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link ExperimentConfig} turned into ready pipelines: every arm's parameters are typed and
 * validated, and one {@link Pipeline} is built per combination of arms of each scene, all before
 * the object exists. So an invalid configuration fails {@link #compile} (and the caller keeps
 * serving the previous one) and never a request. Immutable and thread-safe; a config reload
 * compiles a new instance and swaps the reference.
 *
 * <p>Per request: the scene (default when the query names none), then the arm of each layer via
 * {@link Bucketing#assign(Scene, String, Map)} (stable hash of the layer salt and user id; forced
 * arms win), then the pipeline of that combination. A stage without a layer runs its default:
 * qp {@code identity}, recall {@code vector} (k = 100), rank {@code none}, summary {@code fields}.
 */
public final class CompiledExperiments {
    private static final Logger log = LoggerFactory.getLogger(CompiledExperiments.class);

    /** Most pipelines one scene may need (product of its layers' arm counts). */
    public static final int MAX_COMBINATIONS_PER_SCENE = 10_000;

    /** Parameters of the stage a scene runs when it has no layer for it. */
    public static final Map<StageKind, Map<String, Object>> DEFAULT_STAGES = Collections.unmodifiableMap(new EnumMap<>(Map.of(
            StageKind.QP, Map.of("type", "identity"),
            StageKind.RECALL, Map.of("type", "vector", "k", 100),
            StageKind.RANK, Map.of("type", "none"),
            StageKind.SUMMARY, Map.of("type", "fields"))));

    private final ExperimentConfig config;
    private final Map<String, CompiledScene> scenes;

    /** One scene's pipelines by arm names in stage order ("" for a stage without a layer). */
    private record CompiledScene(Scene scene, Map<List<String>, Pipeline> pipelines) {
    }

    private CompiledExperiments(ExperimentConfig config, Map<String, CompiledScene> scenes) {
        this.config = config;
        this.scenes = scenes;
    }

    /**
     * Validates and builds everything {@code config} describes.
     *
     * @throws MmsearchException INVALID_ARGUMENT naming the scene, layer, arm, parameter and problem
     */
    public static CompiledExperiments compile(ExperimentConfig config, StageRegistry registry) {
        long start = System.nanoTime();
        Map<StageKind, Stage> defaults = new EnumMap<>(StageKind.class);
        DEFAULT_STAGES.forEach((kind, params) -> defaults.put(kind,
                registry.create(kind, "default " + kind.label() + " stage", params)));
        Map<String, CompiledScene> compiled = new LinkedHashMap<>();
        int pipelines = 0;
        for (Scene scene : config.scenes().values()) {
            CompiledScene cs = compileScene(config.version(), scene, registry, defaults);
            compiled.put(scene.name(), cs);
            pipelines += cs.pipelines().size();
        }
        log.info("compiled experiments version={} scenes={} pipelines={} ms={}", config.version(), compiled.keySet(),
                pipelines, (System.nanoTime() - start) / 1_000_000);
        return new CompiledExperiments(config, Collections.unmodifiableMap(compiled));
    }

    private static CompiledScene compileScene(String version, Scene scene, StageRegistry registry,
                                              Map<StageKind, Stage> defaults) {
        // Options per stage kind: (arm name, stage), "" for the default of a stage without a layer.
        List<StageKind> kinds = List.of(StageKind.values());
        List<List<Map.Entry<String, Stage>>> options = new ArrayList<>();
        long combinations = 1;
        for (StageKind kind : kinds) {
            Layer layer = scene.layer(kind);
            List<Map.Entry<String, Stage>> choices = new ArrayList<>();
            if (layer == null) {
                choices.add(Map.entry("", defaults.get(kind)));
            } else {
                for (Arm arm : layer.arms()) {
                    String where = "scene '" + scene.name() + "' layer '" + layer.name() + "' arm '" + arm.name() + "'";
                    choices.add(Map.entry(arm.name(), registry.create(kind, where, arm.params())));
                }
            }
            options.add(choices);
            combinations *= choices.size();
        }
        if (combinations > MAX_COMBINATIONS_PER_SCENE) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "scene '" + scene.name() + "' has " + combinations
                    + " arm combinations, more than " + MAX_COMBINATIONS_PER_SCENE + "; use fewer arms per layer");
        }
        Map<List<String>, Pipeline> pipelines = new HashMap<>();
        buildCombinations(version, scene, kinds, options, 0, new ArrayList<>(), new ArrayList<>(), pipelines);
        return new CompiledScene(scene, Collections.unmodifiableMap(pipelines));
    }

    private static void buildCombinations(String version, Scene scene, List<StageKind> kinds,
                                          List<List<Map.Entry<String, Stage>>> options, int depth,
                                          List<String> names, List<Stage> stages, Map<List<String>, Pipeline> out) {
        if (depth == kinds.size()) {
            Map<String, String> arms = new LinkedHashMap<>();
            for (int i = 0; i < kinds.size(); i++) {
                Layer layer = scene.layer(kinds.get(i));
                if (layer != null) {
                    arms.put(layer.name(), names.get(i));
                }
            }
            out.put(List.copyOf(names), new Pipeline(scene.name(), version, arms, (QueryStage) stages.get(0),
                    (RecallStage) stages.get(1), (RankStage) stages.get(2), (SummaryStage) stages.get(3)));
            return;
        }
        for (Map.Entry<String, Stage> option : options.get(depth)) {
            names.add(option.getKey());
            stages.add(option.getValue());
            buildCombinations(version, scene, kinds, options, depth + 1, names, stages, out);
            names.removeLast();
            stages.removeLast();
        }
    }

    public ExperimentConfig config() {
        return config;
    }

    public String version() {
        return config.version();
    }

    /**
     * The pipeline serving {@code query}: its scene, and in each layer the user's arm, or the forced one
     * ({@link SearchQuery#forcedArms()}, and {@link SearchQuery#retriever()} for the recall layer).
     *
     * @throws MmsearchException INVALID_ARGUMENT for an unknown scene, a forced layer/arm that does not exist, or a
     *                           retriever that is not an arm of the scene's recall layer
     */
    public Pipeline select(SearchQuery query) {
        Scene scene = config.scene(query.scene(), query.collection());
        ArmSelection selection = Bucketing.assign(scene, query.userId(), forcedArms(scene, query));
        List<String> key = new ArrayList<>(StageKind.values().length);
        for (StageKind kind : StageKind.values()) {
            Arm arm = selection.arm(kind);
            key.add(arm == null ? "" : arm.name());
        }
        return scenes.get(scene.name()).pipelines().get(key);
    }

    /** The request's forced arms with its retriever as the recall layer's arm (an arm forced for that layer wins). */
    private Map<String, String> forcedArms(Scene scene, SearchQuery query) {
        String retriever = query.retriever();
        if (retriever == null) {
            return query.forcedArms();
        }
        Layer recall = scene.layer(StageKind.RECALL);
        if (recall == null || recall.arm(retriever) == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "retriever '" + retriever + "' is not an arm of the "
                    + "recall layer of this scene (config " + version() + "); arms: "
                    + (recall == null ? "none" : recall.arms().stream().map(Arm::name).toList()));
        }
        if (query.forcedArms().containsKey(recall.name())) {
            return query.forcedArms();
        }
        Map<String, String> forced = new LinkedHashMap<>(query.forcedArms());
        forced.put(recall.name(), retriever);
        return forced;
    }

    /** Selects the pipeline for {@code query} and runs it against {@code collection}. */
    public SearchResult execute(SearchQuery query, SearchCollection collection, QueryEncoders encoders) {
        try (RequestContext context = new RequestContext(query, collection, encoders)) {
            return select(query).execute(context);
        }
    }
}
