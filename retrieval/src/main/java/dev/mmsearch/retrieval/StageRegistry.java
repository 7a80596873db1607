package dev.mmsearch.retrieval;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.experiment.StageKind;
import dev.mmsearch.retrieval.stages.Bm25Recall;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.exc.PropertyBindingException;

/**
 * Stage implementations by (stage kind, type name), each with its parameter record. An arm's
 * {@code params} map ({@code type} plus the stage's parameters, as read from YAML/JSON) becomes a
 * typed record through Jackson with unknown parameters rejected, the record's constructor
 * validates values and fills defaults, and the factory builds the immutable stage. Every problem
 * is an {@link MmsearchException} INVALID_ARGUMENT naming the arm, the parameter and the rule, so
 * a bad configuration is refused when it is compiled, never when a request runs.
 *
 * <p>Immutable: {@link #with} returns a new registry. {@code BuiltinStages.registry()} holds the stages of this
 * module; a new arm needs only configuration, a new algorithm one registration.
 */
public final class StageRegistry {
    /** Params mapping: the shared mapper, made strict (unknown params, 1.5 for an int, null for a primitive fail). */
    private static final JsonMapper PARAMS_MAPPER = Json.MAPPER.rebuild()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .build();

    private static final Map<StageKind, Class<? extends Stage>> STAGE_TYPES = Map.of(
            StageKind.QP, QueryStage.class, StageKind.RECALL, RecallStage.class,
            StageKind.RANK, RankStage.class, StageKind.SUMMARY, SummaryStage.class);


    private final Map<StageKind, Map<String, Registration<?>>> registrations;

    private record Registration<P>(Class<P> paramsType, StageFactory<P> factory) {
        Stage build(Object params, NestedStages nested) {
            return factory.create(paramsType.cast(params), nested);
        }
    }

    private StageRegistry(Map<StageKind, Map<String, Registration<?>>> registrations) {
        this.registrations = registrations;
    }

    /** A registry without stages, to add them to with {@link #with} ({@code stages.BuiltinStages} holds this module's). */
    public static StageRegistry empty() {
        return EMPTY;
    }

    private static final StageRegistry EMPTY = new StageRegistry(new EnumMap<>(StageKind.class));

    /** A registry with one more stage type (replacing one of the same kind and name). */
    public <P> StageRegistry with(StageKind kind, String type, Class<P> paramsType, StageFactory<P> factory) {
        Map<StageKind, Map<String, Registration<?>>> copy = new EnumMap<>(StageKind.class);
        registrations.forEach((k, v) -> copy.put(k, new TreeMap<>(v)));
        copy.computeIfAbsent(kind, k -> new TreeMap<>()).put(type, new Registration<>(paramsType, factory));
        copy.replaceAll((k, v) -> Collections.unmodifiableMap(v));
        return new StageRegistry(copy);
    }

    /** Type names registered for a stage kind, sorted. */
    public Set<String> types(StageKind kind) {
        return Collections.unmodifiableSet(new TreeSet<>(registrations.getOrDefault(kind, Map.of()).keySet()));
    }

    /**
     * Builds the stage of {@code kind} that {@code params} describe.
     *
     * @param where  where the params come from, for messages (e.g. {@code arm 'hybrid'})
     * @param params {@code type} and the stage's parameters
     * @throws MmsearchException INVALID_ARGUMENT for an unknown type, an unknown or invalid parameter
     */
    public <S extends Stage> S create(StageKind kind, String where, Map<String, Object> params, Class<S> expected) {
        Stage stage = create(kind, where, params);
        if (!expected.isInstance(stage)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, where + ": " + kind.label() + " type '"
                    + params.get("type") + "' does not build a " + expected.getSimpleName());
        }
        return expected.cast(stage);
    }

    /** {@link #create(StageKind, String, Map, Class)} checked against the interface of {@code kind}. */
    public Stage create(StageKind kind, String where, Map<String, Object> params) {
        Map<String, Object> rest = new LinkedHashMap<>(params == null ? Map.of() : params);
        Object type = rest.remove("type");
        if (type == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, where + " names no " + kind.label()
                    + " type; set 'type' to one of " + types(kind));
        }
        Registration<?> registration = registrations.getOrDefault(kind, Map.of()).get(type.toString());
        if (registration == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, where + ": unknown " + kind.label() + " type '"
                    + type + "'; known types: " + types(kind));
        }
        String prefix = where + " (" + kind.label() + " '" + type + "')";
        Object typed = toParams(prefix, rest, registration.paramsType());
        Stage stage;
        try {
            stage = registration.build(typed, new NestedStages(this, where));
        } catch (IllegalArgumentException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, prefix + ": " + e.getMessage(), e);
        }
        Class<? extends Stage> required = STAGE_TYPES.get(kind);
        if (!required.isInstance(stage)) {
            throw new IllegalStateException("registration " + kind.label() + " '" + type + "' built a "
                    + stage.getClass().getName() + ", not a " + required.getSimpleName());
        }
        return stage;
    }

    private static <P> P toParams(String prefix, Map<String, Object> params, Class<P> type) {
        try {
            return PARAMS_MAPPER.convertValue(params, type);
        } catch (RuntimeException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, prefix + ": " + describe(e), e);
        }
    }

    /** What is wrong with the params, from wherever in the cause chain Jackson put it. */
    private static String describe(RuntimeException e) {
        IllegalArgumentException invalid = null;
        JacksonException jackson = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PropertyBindingException unknown) {
                Set<String> known = unknown.getKnownPropertyIds() == null ? Set.of()
                        : unknown.getKnownPropertyIds().stream().map(Object::toString)
                        .collect(Collectors.toCollection(TreeSet::new));
                return "unknown parameter '" + unknown.getPropertyName() + "'; known parameters: " + known;
            }
            if (t instanceof IllegalArgumentException iae && t.getCause() == null) {
                invalid = iae; // thrown by a parameter record's constructor: names the parameter and the rule
            }
            if (t instanceof JacksonException je && jackson == null) {
                jackson = je;
            }
        }
        if (invalid != null) {
            return invalid.getMessage();
        }
        if (jackson != null) {
            return "parameter '" + path(jackson) + "' has the wrong type or form: " + jackson.getOriginalMessage();
        }
        return e.getMessage();
    }

    private static String path(JacksonException e) {
        StringBuilder out = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                if (!out.isEmpty()) {
                    out.append('.');
                }
                out.append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                out.append('[').append(ref.getIndex()).append(']');
            }
        }
        return out.isEmpty() ? "?" : out.toString();
    }
}
