package dev.mmsearch.core.experiment;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Splits traffic between the arms of experiment layers.
 *
 * <p>A user's bucket in a layer is {@code SHA-256(UTF-8(salt) + 0x00 + UTF-8(userId))}: its
 * first 8 bytes read as a big-endian unsigned 64-bit number, modulo {@value #BUCKETS}. It is a
 * pure function of (salt, user id): the same user lands in the same bucket in every process,
 * after every restart and on every machine (no seed, no JVM hash codes). The zero byte separates
 * salt and user, so ("ab", "c") and ("a", "bc") hash differently. A cryptographic hash is used
 * because its output bits are uniform and independent of each other for any input pattern
 * (sequential ids, common prefixes), which is what makes layers with different salts
 * statistically independent; a 64-bit value modulo 10,000 has a bias below 1e-15.
 *
 * <p>A layer's arms cover consecutive bucket ranges in proportion to their weights: with total
 * weight {@code W}, arm {@code i} gets buckets {@code [floor(C(i-1)*10000/W), floor(C(i)*10000/W))}
 * where {@code C(i)} is the cumulative weight of arms {@code 0..i}. Arms with weight 0 get an
 * empty range: they serve only when forced.
 *
 * <p>Anonymous requests (null or blank user id) get a fresh random bucket per layer and request,
 * so anonymous traffic still splits by the configured ratios, but the same anonymous caller may
 * see different arms on consecutive requests; {@link ArmSelection#userId()} is then null.
 */
public final class Bucketing {
    /** Number of buckets per layer; ratios are honoured to 1/10,000 of traffic. */
    public static final int BUCKETS = 10_000;

    // One digest per thread: MessageDigest is not thread-safe, and getInstance() per call costs
    // a provider lookup (measured slower; see the report of issue 5). reset() happens in digest().
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(Bucketing::newDigest);

    private Bucketing() {
    }

    /**
     * The user's bucket in {@code [0, BUCKETS)} for a layer salt; a pure function.
     *
     * @throws MmsearchException INVALID_ARGUMENT when salt or userId is null
     */
    public static int bucket(String salt, String userId) {
        if (salt == null || userId == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "bucketing needs a salt and a user id (got salt="
                    + salt + ", userId=" + userId + ")");
        }
        MessageDigest digest = SHA256.get();
        digest.update(salt.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(userId.getBytes(StandardCharsets.UTF_8));
        byte[] hash = digest.digest();
        long first8 = 0;
        for (int i = 0; i < 8; i++) {
            first8 = (first8 << 8) | (hash[i] & 0xFF);
        }
        return (int) Long.remainderUnsigned(first8, BUCKETS);
    }

    /** The bucket for a user in this layer, or a random one for an anonymous (null/blank) user. */
    public static int bucketOrRandom(Layer layer, String userId) {
        return isAnonymous(userId) ? ThreadLocalRandom.current().nextInt(BUCKETS) : bucket(layer.salt(), userId);
    }

    /** The arm serving {@code userId} in {@code layer} (random per call for an anonymous user). */
    public static Arm assign(Layer layer, String userId) {
        return armForBucket(layer, bucketOrRandom(layer, userId));
    }

    /** The arm whose bucket range contains {@code bucket}; never an arm of weight 0. */
    public static Arm armForBucket(Layer layer, int bucket) {
        if (bucket < 0 || bucket >= BUCKETS) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "bucket " + bucket + " is outside [0, " + BUCKETS + ")");
        }
        long total = 0;
        for (Arm arm : layer.arms()) {
            total += arm.weight();
        }
        long cumulative = 0;
        Arm last = null;
        for (Arm arm : layer.arms()) {
            if (arm.weight() == 0) {
                continue;
            }
            cumulative += arm.weight();
            last = arm;
            if (bucket < cumulative * BUCKETS / total) {
                return arm;
            }
        }
        return last; // not reached: the last positive arm's bound is exactly BUCKETS
    }

    /**
     * Chooses the arm of every layer of {@code scene} for one request.
     *
     * @param userId     the caller's stable id; null or blank = anonymous (random buckets)
     * @param forcedArms layer name → arm name overrides for debugging (null = none); they win over the hash
     * @throws MmsearchException INVALID_ARGUMENT when a forced layer or arm does not exist (the message lists
     *                           what does)
     */
    public static ArmSelection assign(Scene scene, String userId, Map<String, String> forcedArms) {
        Map<String, String> forced = forcedArms == null ? Map.of() : forcedArms;
        Map<String, Layer> layersByName = new HashMap<>();
        for (Layer layer : scene.layers()) {
            layersByName.put(layer.name(), layer);
        }
        for (Map.Entry<String, String> entry : forced.entrySet()) {
            Layer layer = layersByName.get(entry.getKey());
            if (layer == null) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "cannot force an arm of layer '" + entry.getKey()
                        + "': scene '" + scene.name() + "' has layers " + scene.layers().stream().map(Layer::name).toList());
            }
            if (entry.getValue() == null || layer.arm(entry.getValue()) == null) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "cannot force arm '" + entry.getValue()
                        + "' of layer '" + layer.name() + "': its arms are " + layer.arms().stream().map(Arm::name).toList());
            }
        }
        boolean anonymous = isAnonymous(userId);
        List<ArmSelection.Choice> choices = new ArrayList<>(scene.layers().size());
        for (Layer layer : scene.layers()) {
            int bucket = bucketOrRandom(layer, userId);
            String forcedArm = forced.get(layer.name());
            Arm arm = forcedArm != null ? layer.arm(forcedArm) : armForBucket(layer, bucket);
            choices.add(new ArmSelection.Choice(layer, arm, bucket, forcedArm != null));
        }
        return new ArmSelection(scene.name(), anonymous ? null : userId, choices);
    }

    private static boolean isAnonymous(String userId) {
        return userId == null || userId.isBlank();
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
