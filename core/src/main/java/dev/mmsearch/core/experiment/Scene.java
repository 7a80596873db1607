package dev.mmsearch.core.experiment;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A search scenario (e.g. "qa" or "photos"): its layers, one per stage, run in stage order.
 * A stage without a layer uses its default implementation.
 */
public record Scene(String name, List<Layer> layers) {
    public Scene {
        if (name == null || !name.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "scene name '" + name + "' is invalid");
        }
        layers = List.copyOf(layers == null ? List.of() : layers);
        Set<StageKind> seen = EnumSet.noneOf(StageKind.class);
        for (Layer layer : layers) {
            if (!seen.add(layer.stage())) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "scene '" + name + "' has two layers for stage "
                        + layer.stage().label() + "; one layer per stage");
            }
        }
        Set<String> layerNames = new java.util.HashSet<>();
        for (Layer layer : layers) {
            if (!layerNames.add(layer.name())) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "scene '" + name + "' has two layers named '"
                        + layer.name() + "'; forced arms name layers, so layer names must be unique");
            }
        }
        Set<String> salts = new java.util.HashSet<>();
        for (Layer layer : layers) {
            if (!salts.add(layer.salt())) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "scene '" + name + "' reuses salt '" + layer.salt()
                        + "'; layers sharing a salt would split users identically (correlated experiments)");
            }
        }
        layers = layers.stream().sorted(java.util.Comparator.comparing(Layer::stage)).toList();
    }

    /** The layer driving {@code stage}, or null. */
    public Layer layer(StageKind stage) {
        return layers.stream().filter(l -> l.stage() == stage).findFirst().orElse(null);
    }
}
