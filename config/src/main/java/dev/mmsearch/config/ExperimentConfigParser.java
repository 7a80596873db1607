package dev.mmsearch.config;

import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.experiment.Arm;
import dev.mmsearch.core.experiment.ExperimentConfig;
import dev.mmsearch.core.experiment.Layer;
import dev.mmsearch.core.experiment.Scene;
import dev.mmsearch.core.experiment.StageKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads an experiment config from YAML (or JSON, when the text starts with <code>{</code>).
 *
 * <p>Format (see {@code experiments-example.yaml} in this module's resources):
 * <pre>{@code
 * version: "2026-11-26.1"        # required; reported in every response; must change with every change
 * defaultScene: qa               # optional; default = the first scene
 * collectionScenes:              # optional: collection -> the scene its requests run when they name none
 *   faq-zh: qa-zh                #   (a request naming a scene gets that one; unlisted collections: defaultScene)
 * scenes:                        # required, at least one
 *   qa:                          # scene name: letters, digits, '_', '.', '-'
 *     layers:                    # optional (none = every stage uses its default); at most one per stage
 *       - name: recall-exp       # required, unique in the scene; forced arms name it
 *         stage: recall          # required: qp | recall | rank | summary
 *         salt: recall-2026-11   # required, different for every layer of the scene
 *         arms:                  # required, at least one with weight > 0
 *           - name: dense        # required, unique in the layer
 *             weight: 50         # required integer >= 0, relative to the other arms; 0 = only when forced
 *             params: {type: vector, k: 100, numCandidates: 200}   # required mapping with a 'type'
 * }</pre>
 *
 * <p>Every key outside this format is an error (typo protection), as is a duplicate key. Arm
 * {@code params} are kept as an immutable {@code Map<String,Object>} (strings, Integer/Long,
 * Double, Boolean, null, lists and maps); the stage named by {@code type} types and checks them.
 * All problems are collected and thrown together as an {@link InvalidConfigException}; each one
 * names the path of the value (e.g. {@code scenes.qa.layers[1].arms[0].weight: must be >= 0})
 * and its line.
 */
public final class ExperimentConfigParser {
    private static final ObjectMapper YAML = YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final ObjectMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private static final List<String> TOP_KEYS = List.of("version", "defaultScene", "collectionScenes", "scenes");
    private static final List<String> SCENE_KEYS = List.of("layers");
    private static final List<String> LAYER_KEYS = List.of("name", "stage", "salt", "arms");
    private static final List<String> ARM_KEYS = List.of("name", "weight", "params");
    private static final String STAGES = Arrays.stream(StageKind.values()).map(StageKind::label).collect(Collectors.joining(", "));

    private ExperimentConfigParser() {
    }

    /** Parses {@code text}; {@code source} (a file, a znode) is named in error messages. */
    public static ExperimentConfig parse(String text, String source) {
        return new Run(source).parse(text == null ? "" : text);
    }

    /** Parses {@code text} from an unnamed source. */
    public static ExperimentConfig parse(String text) {
        return parse(text, "inline");
    }

    /** Where a value sits: a readable path for messages and a JSON pointer to find its line. */
    private record Where(String path, String pointer) {
        static final Where ROOT = new Where("", "");

        Where key(String key) {
            String escaped = key.replace("~", "~0").replace("/", "~1");
            return new Where(path.isEmpty() ? key : path + "." + key, pointer + "/" + escaped);
        }

        Where index(int i) {
            return new Where(path + "[" + i + "]", pointer + "/" + i);
        }
    }

    /** One parse: collects problems and the line of every value. */
    private static final class Run {
        private final String source;
        private final List<String> problems = new ArrayList<>();
        private Map<String, Integer> lines = Map.of();

        Run(String source) {
            this.source = source;
        }

        ExperimentConfig parse(String text) {
            boolean json = text.stripLeading().startsWith("{");
            ObjectMapper mapper = json ? JSON : YAML;
            JsonNode root;
            try {
                root = mapper.readTree(text);
                lines = lineIndex(mapper, text);
            } catch (JacksonException e) {
                TokenStreamLocation location = e.getLocation();
                String at = location != null && location.getLineNr() > 0
                        ? " at line " + location.getLineNr() + ", column " + location.getColumnNr() : "";
                String message = String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("")
                        .replaceAll("\\s*\\(for \\w+ starting at .*$", "").strip();
                throw new InvalidConfigException(source, List.of("not valid " + (json ? "JSON" : "YAML") + at + ": " + message));
            }
            if (root == null || root.isMissingNode() || root.isNull()) {
                throw new InvalidConfigException(source, List.of("the config is empty"));
            }
            ExperimentConfig config = config(root);
            if (!problems.isEmpty()) {
                throw new InvalidConfigException(source, problems);
            }
            return config;
        }

        private ExperimentConfig config(JsonNode root) {
            if (!root.isObject()) {
                problem(Where.ROOT, "the config must be a mapping with version, defaultScene, scenes");
                return null;
            }
            checkKeys(root, Where.ROOT, TOP_KEYS);
            String version = text(root, Where.ROOT, "version", true);
            String defaultScene = text(root, Where.ROOT, "defaultScene", false);
            Where scenesAt = Where.ROOT.key("scenes");
            JsonNode scenesNode = root.get("scenes");
            Map<String, Scene> scenes = new LinkedHashMap<>();
            if (scenesNode == null || scenesNode.isNull()) {
                problem(scenesAt, "is required: a mapping of scene name to scene");
            } else if (!scenesNode.isObject() || scenesNode.isEmpty()) {
                problem(scenesAt, "must be a mapping with at least one scene");
            } else {
                for (Map.Entry<String, JsonNode> entry : scenesNode.properties()) {
                    Scene scene = scene(entry.getKey(), entry.getValue(), scenesAt.key(entry.getKey()));
                    if (scene != null) {
                        scenes.put(scene.name(), scene);
                    }
                }
                if (defaultScene != null && !scenesNode.has(defaultScene)) {
                    problem(Where.ROOT.key("defaultScene"), "scene '" + defaultScene + "' is not defined; scenes: "
                            + scenesNode.propertyNames());
                }
            }
            Map<String, String> collectionScenes = collectionScenes(root.get("collectionScenes"),
                    Where.ROOT.key("collectionScenes"), scenesNode);
            if (!problems.isEmpty()) {
                return null;
            }
            return build(Where.ROOT, () -> new ExperimentConfig(version, defaultScene, scenes, collectionScenes));
        }

        private Map<String, String> collectionScenes(JsonNode node, Where at, JsonNode scenesNode) {
            Map<String, String> out = new LinkedHashMap<>();
            if (node == null || node.isNull()) {
                return out;
            }
            if (!node.isObject()) {
                problem(at, "must be a mapping of collection name to scene name");
                return out;
            }
            for (Map.Entry<String, JsonNode> entry : node.properties()) {
                Where entryAt = at.key(entry.getKey());
                JsonNode value = entry.getValue();
                if (!value.isString() || value.stringValue().isBlank()) {
                    problem(entryAt, "must be a scene name");
                } else if (scenesNode != null && scenesNode.isObject() && !scenesNode.has(value.stringValue())) {
                    problem(entryAt, "scene '" + value.stringValue() + "' is not defined; scenes: "
                            + scenesNode.propertyNames());
                } else {
                    out.put(entry.getKey(), value.stringValue());
                }
            }
            return out;
        }

        private Scene scene(String name, JsonNode node, Where at) {
            if (node == null || node.isNull()) {
                node = YAML.createObjectNode(); // "qa:" with nothing = a scene without experiments
            }
            if (!node.isObject()) {
                problem(at, "a scene must be a mapping with 'layers'");
                return null;
            }
            int before = problems.size();
            checkKeys(node, at, SCENE_KEYS);
            List<Layer> layers = new ArrayList<>();
            JsonNode layersNode = node.get("layers");
            Where layersAt = at.key("layers");
            if (layersNode != null && !layersNode.isNull()) {
                if (!layersNode.isArray()) {
                    problem(layersAt, "must be a list of layers");
                } else {
                    Set<String> names = new HashSet<>();
                    Map<StageKind, Integer> stages = new HashMap<>();
                    Map<String, Integer> salts = new HashMap<>();
                    for (int i = 0; i < layersNode.size(); i++) {
                        Where layerAt = layersAt.index(i);
                        Layer layer = layer(layersNode.get(i), layerAt);
                        if (layer == null) {
                            continue;
                        }
                        if (!names.add(layer.name())) {
                            problem(layerAt.key("name"), "two layers named '" + layer.name() + "' in scene '" + name + "'");
                        }
                        Integer other = stages.putIfAbsent(layer.stage(), i);
                        if (other != null) {
                            problem(layerAt.key("stage"), "layers[" + other + "] already drives stage " + layer.stage().label()
                                    + "; one layer per stage");
                        }
                        other = salts.putIfAbsent(layer.salt(), i);
                        if (other != null) {
                            problem(layerAt.key("salt"), "layers[" + other + "] already uses salt '" + layer.salt()
                                    + "'; give each layer its own salt so their splits are independent");
                        }
                        layers.add(layer);
                    }
                }
            }
            if (problems.size() > before) {
                return null;
            }
            return build(at, () -> new Scene(name, layers));
        }

        private Layer layer(JsonNode node, Where at) {
            if (node == null || !node.isObject()) {
                problem(at, "a layer must be a mapping with name, stage, salt, arms");
                return null;
            }
            int before = problems.size();
            checkKeys(node, at, LAYER_KEYS);
            String name = text(node, at, "name", true);
            String salt = text(node, at, "salt", true);
            String stageText = text(node, at, "stage", true);
            StageKind stage = null;
            if (stageText != null) {
                try {
                    stage = StageKind.valueOf(stageText.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    problem(at.key("stage"), "unknown stage '" + stageText + "'; use one of " + STAGES);
                }
            }
            JsonNode armsNode = node.get("arms");
            Where armsAt = at.key("arms");
            List<Arm> arms = new ArrayList<>();
            if (armsNode == null || armsNode.isNull()) {
                problem(armsAt, "is required: a list of arms");
            } else if (!armsNode.isArray() || armsNode.isEmpty()) {
                problem(armsAt, "must be a list with at least one arm");
            } else {
                Map<String, Integer> names = new HashMap<>();
                long totalWeight = 0;
                for (int i = 0; i < armsNode.size(); i++) {
                    Arm arm = arm(armsNode.get(i), armsAt.index(i));
                    if (arm == null) {
                        continue;
                    }
                    Integer other = names.putIfAbsent(arm.name(), i);
                    if (other != null) {
                        problem(armsAt.index(i).key("name"), "arms[" + other + "] is already named '" + arm.name() + "'");
                    }
                    totalWeight += arm.weight();
                    arms.add(arm);
                }
                if (arms.size() == armsNode.size() && totalWeight == 0) {
                    problem(armsAt, "no arm has a positive weight; at least one arm must take traffic");
                }
            }
            if (problems.size() > before) {
                return null;
            }
            StageKind finalStage = stage;
            return build(at, () -> new Layer(name, finalStage, salt, arms));
        }

        private Arm arm(JsonNode node, Where at) {
            if (node == null || !node.isObject()) {
                problem(at, "an arm must be a mapping with name, weight, params");
                return null;
            }
            int before = problems.size();
            checkKeys(node, at, ARM_KEYS);
            String name = text(node, at, "name", true);
            int weight = 0;
            JsonNode weightNode = node.get("weight");
            Where weightAt = at.key("weight");
            if (weightNode == null || weightNode.isNull()) {
                problem(weightAt, "is required: an integer >= 0 (share of traffic relative to the other arms)");
            } else if (!weightNode.isIntegralNumber() || !weightNode.canConvertToInt()) {
                problem(weightAt, "must be an integer, got " + describe(weightNode));
            } else if (weightNode.intValue() < 0) {
                problem(weightAt, "must be >= 0, got " + weightNode.intValue());
            } else {
                weight = weightNode.intValue();
            }
            JsonNode paramsNode = node.get("params");
            Where paramsAt = at.key("params");
            Map<String, Object> params = Map.of();
            if (paramsNode == null || paramsNode.isNull()) {
                problem(paramsAt, "is required: a mapping with at least 'type' (the stage implementation)");
            } else if (!paramsNode.isObject()) {
                problem(paramsAt, "must be a mapping, got " + describe(paramsNode));
            } else {
                text(paramsNode, paramsAt, "type", true);
                @SuppressWarnings("unchecked")
                Map<String, Object> converted = (Map<String, Object>) plain(paramsNode);
                params = converted;
            }
            if (problems.size() > before) {
                return null;
            }
            int finalWeight = weight;
            Map<String, Object> finalParams = params;
            return build(at, () -> new Arm(name, finalWeight, finalParams));
        }

        /** A required or optional scalar as text: strings as they are, integers as digits. */
        private String text(JsonNode parent, Where parentAt, String key, boolean required) {
            JsonNode node = parent.get(key);
            Where at = parentAt.key(key);
            if (node == null || node.isNull()) {
                if (required) {
                    problem(at, "is required");
                }
                return null;
            }
            String value;
            if (node.isString()) {
                value = node.stringValue();
            } else if (node.isIntegralNumber()) {
                value = node.bigIntegerValue().toString();
            } else {
                // A float like 1.10 would silently become "1.1"; a boolean is surely a mistake.
                problem(at, "must be a string (quote it), got " + describe(node));
                return null;
            }
            if (value.isBlank()) {
                problem(at, "must not be blank");
                return null;
            }
            return value;
        }

        private void checkKeys(JsonNode node, Where at, List<String> allowed) {
            for (String key : node.propertyNames()) {
                if (!allowed.contains(key)) {
                    String suggestion = allowed.stream().filter(a -> editDistance(a.toLowerCase(Locale.ROOT),
                            key.toLowerCase(Locale.ROOT)) <= 2).findFirst().map(a -> "did you mean '" + a + "'? ").orElse("");
                    problem(at.key(key), "unknown key; " + suggestion + "allowed here: " + String.join(", ", allowed));
                }
            }
        }

        /** Runs a core record constructor; its own checks become problems at {@code at}. */
        private <T> T build(Where at, java.util.function.Supplier<T> constructor) {
            try {
                return constructor.get();
            } catch (MmsearchException e) {
                problem(at, e.getMessage());
                return null;
            }
        }

        private void problem(Where at, String message) {
            Integer line = lines.get(at.pointer());
            String lineText = line != null ? " (line " + line + ")" : "";
            // A missing value has no line of its own: point at the mapping that lacks it.
            for (String pointer = at.pointer(); line == null && pointer.lastIndexOf('/') > 0; ) {
                pointer = pointer.substring(0, pointer.lastIndexOf('/'));
                line = lines.get(pointer);
                lineText = line != null ? " (in the entry at line " + line + ")" : "";
            }
            String path = at.path().isEmpty() ? "(top level)" : at.path();
            problems.add(path + ": " + message + lineText);
        }
    }

    /**
     * JSON pointer of every value → the line it starts on (for a mapping entry: the line of its key).
     * Jackson's tree nodes carry no locations, so a second, streaming pass over the (small) text
     * records them.
     */
    private static Map<String, Integer> lineIndex(ObjectMapper mapper, String text) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser parser = mapper.createParser(text)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                int line = parser.currentTokenLocation().getLineNr();
                if (line > 0) {
                    lines.putIfAbsent(parser.streamReadContext().pathAsPointer().toString(), line);
                }
            }
        }
        return lines;
    }

    /**
     * The node as plain, immutable Java values. Hand-written rather than {@code convertValue}
     * because the result must be deeply unmodifiable (configs are shared by all request threads).
     */
    private static Object plain(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> entry : node.properties()) {
                map.put(entry.getKey(), plain(entry.getValue()));
            }
            return Collections.unmodifiableMap(map);
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            for (JsonNode element : node) {
                list.add(plain(element));
            }
            return Collections.unmodifiableList(list);
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToInt() ? (Object) node.intValue() : (Object) node.longValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isNull()) {
            return null;
        }
        return node.asString();
    }

    private static String describe(JsonNode node) {
        if (node.isObject()) {
            return "a mapping";
        }
        if (node.isArray()) {
            return "a list";
        }
        return (node.isString() ? "'" + node.stringValue() + "'" : node.toString());
    }

    /** Levenshtein distance, for "did you mean" on unknown keys (a dozen lines; no library needed). */
    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] row = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            row[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                row[j] = Math.min(substitution, Math.min(previous[j] + 1, row[j - 1] + 1));
            }
            int[] swap = previous;
            previous = row;
            row = swap;
        }
        return previous[b.length()];
    }
}
