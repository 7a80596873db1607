package dev.mmsearch.config;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Config texts and waiting helpers shared by the source tests. */
final class Configs {
    private Configs() {
    }

    /** A valid config: scene qa, a recall layer with arms "dense" and {@code secondArm}. */
    static String valid(String version, String secondArm) {
        return """
                version: "%s"
                scenes:
                  qa:
                    layers:
                      - name: recall-exp
                        stage: recall
                        salt: recall-salt
                        arms:
                          - {name: dense, weight: 50, params: {type: vector, k: 100}}
                          - {name: %s, weight: 50, params: {type: bm25, k: 100}}
                """.formatted(version, secondArm);
    }

    /** Parses but has a negative weight on line 9. */
    static String invalid(String version) {
        return valid(version, "broken").replace("weight: 50, params: {type: bm25", "weight: -5, params: {type: bm25");
    }

    /**
     * Polls {@code condition} until it holds or {@code limit} passes.
     *
     * @return the time it took
     * @throws AssertionError when it never held
     */
    static Duration await(Duration limit, BooleanSupplier condition, String what) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " did not happen within " + limit.toMillis() + " ms");
            }
            Thread.sleep(10);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
