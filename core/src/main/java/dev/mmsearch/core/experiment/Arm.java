package dev.mmsearch.core.experiment;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One variant of a layer: a name, its share of traffic and the parameters of the stage it
 * configures. Parameters stay untyped here (they come from YAML); the stage named by
 * {@code params.type} turns them into its own typed, validated parameter record when the
 * pipeline is built, so a bad parameter fails the whole config, never a request.
 *
 * @param name   unique within its layer; reported in every response
 * @param weight share of traffic, relative to the layer's other arms (e.g. 50/50, or 1/1); 0 = only when forced
 * @param params stage parameters, at least {@code type}
 */
public record Arm(String name, int weight, Map<String, Object> params) {
    public Arm {
        if (name == null || !name.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "arm name '" + name
                    + "' is invalid: use 1-64 characters of letters, digits, '_', '.', '-'");
        }
        if (weight < 0) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "arm '" + name + "' has negative weight " + weight);
        }
        params = params == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /** The stage implementation the arm asks for ({@code params.type}). */
    public String type() {
        Object type = params.get("type");
        if (type == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "arm '" + name + "' has no params.type");
        }
        return Objects.toString(type);
    }
}
