package dev.mmsearch.core.experiment;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The arms chosen for one request: one {@link Choice} per layer of the scene, in stage order.
 * Made by {@link Bucketing#assign(Scene, String, Map)}; immutable.
 *
 * @param scene   the scene's name
 * @param userId  the user the split was made for; null for an anonymous request (random buckets)
 * @param choices one per layer, in stage order
 */
public record ArmSelection(String scene, String userId, List<Choice> choices) {
    public ArmSelection {
        choices = List.copyOf(choices);
    }

    /**
     * The arm of one layer.
     *
     * @param layer  the layer
     * @param arm    the arm that serves
     * @param bucket the request's bucket in this layer, in [0, {@link Bucketing#BUCKETS})
     * @param forced true when the request forced the arm, overriding the bucket
     */
    public record Choice(Layer layer, Arm arm, int bucket, boolean forced) {
    }

    /** The arm driving {@code stage}, or null when the scene has no layer for it. */
    public Arm arm(StageKind stage) {
        for (Choice choice : choices) {
            if (choice.layer().stage() == stage) {
                return choice.arm();
            }
        }
        return null;
    }

    /** Layer name → arm name, in stage order (what responses and metrics report). */
    public Map<String, String> armNames() {
        Map<String, String> names = new LinkedHashMap<>();
        for (Choice choice : choices) {
            names.put(choice.layer().name(), choice.arm().name());
        }
        return Collections.unmodifiableMap(names);
    }
}
