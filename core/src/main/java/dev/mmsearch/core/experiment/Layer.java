package dev.mmsearch.core.experiment;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One experiment layer: it configures one stage, and splits traffic between its arms by a
 * stable hash of (salt, user id). Each layer has its own salt, so a user's arm in one layer
 * says nothing about their arm in another (layers are independent experiments).
 */
public record Layer(String name, StageKind stage, String salt, List<Arm> arms) {
    public Layer {
        if (name == null || name.isBlank()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "a layer has no name");
        }
        if (stage == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "layer '" + name + "' names no stage (qp, recall, rank, summary)");
        }
        if (salt == null || salt.isBlank()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "layer '" + name + "' has no salt; give each layer its own");
        }
        arms = List.copyOf(arms == null ? List.of() : arms);
        if (arms.isEmpty()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "layer '" + name + "' has no arms");
        }
        Set<String> names = new HashSet<>();
        int total = 0;
        for (Arm arm : arms) {
            if (!names.add(arm.name())) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "layer '" + name + "' has two arms named '" + arm.name() + "'");
            }
            total += arm.weight();
        }
        if (total <= 0) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "layer '" + name + "' has no arm with a positive weight");
        }
    }

    /** The arm with this name, or null. */
    public Arm arm(String armName) {
        return arms.stream().filter(a -> a.name().equals(armName)).findFirst().orElse(null);
    }
}
