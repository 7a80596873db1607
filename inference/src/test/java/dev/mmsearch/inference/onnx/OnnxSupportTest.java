package dev.mmsearch.inference.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.inference.onnx.OnnxSupport.TokenBatch;
import dev.mmsearch.inference.onnx.TextTokenizer.TokenizedText;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The model-independent parts of the shared ONNX plumbing: padding, batching, the open/closed lifecycle. */
class OnnxSupportTest {

    private static TokenizedText text(long... ids) {
        return new TokenizedText(ids, new long[ids.length], List.of(), false);
    }

    @Test
    void padsEachRowToTheLongestWithThePadIdAndMasksThePadding() {
        TokenBatch batch = TokenBatch.pad(List.of(text(101, 7, 102), text(101, 102)), 49407);
        assertThat(batch.shape()).containsExactly(2, 3);
        assertThat(batch.ids()).containsExactly(101, 7, 102, 101, 102, 49407);
        assertThat(batch.mask()).containsExactly(1, 1, 1, 1, 1, 0);
        assertThat(batch.typeIds()).containsExactly(0, 0, 0, 0, 0, 0);
        assertThat(batch.describe()).isEqualTo("2 x 3 tokens");
        assertThat(TokenBatch.pad(List.of(text(5), text(5, 6)), 0).ids()).containsExactly(5, 0, 5, 6);
    }

    @Test
    void batchesByLengthWhenAskedAndAnswersInInputOrder() {
        List<TokenizedText> texts = List.of(text(1, 1, 1), text(2), text(3, 3), text(4));
        List<List<Integer>> sizes = new ArrayList<>();
        // each "vector" is {first id}, so the order of the answer is visible
        float[][] sorted = OnnxSupport.inBatches(texts, 2, true, batch -> {
            sizes.add(batch.stream().map(TokenizedText::length).toList());
            return batch.stream().map(t -> new float[] {t.ids()[0]}).toArray(float[][]::new);
        });
        assertThat(sizes).containsExactly(List.of(1, 1), List.of(2, 3));
        assertThat(sorted).isDeepEqualTo(new float[][] {{1}, {2}, {3}, {4}});

        sizes.clear();
        OnnxSupport.inBatches(texts, 2, false, batch -> {
            sizes.add(batch.stream().map(TokenizedText::length).toList());
            return new float[batch.size()][];
        });
        assertThat(sizes).as("input order").containsExactly(List.of(3, 1), List.of(2, 1));
    }

    @Test
    void lifecycleReleasesOnceAndRefusesCallsAfterClose() {
        ModelLifecycle lifecycle = new ModelLifecycle("model 'm'");
        assertThat(lifecycle.whileOpen(() -> 42)).isEqualTo(42);
        AtomicInteger releases = new AtomicInteger();
        assertThat(lifecycle.close(releases::incrementAndGet)).isTrue();
        assertThat(lifecycle.close(releases::incrementAndGet)).isFalse();
        assertThat(releases).hasValue(1);
        assertThat(lifecycle.isClosed()).isTrue();
        assertThatThrownBy(() -> lifecycle.whileOpen(() -> 42))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY))
                .hasMessage("model 'm' has been closed");
    }
}
