package dev.mmsearch.inference;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.inference.onnx.EncoderOptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The device option: CPU by default; CUDA asked for on the default (CPU) build of ONNX Runtime fails when the model
 * loads, with a message that says how to get a GPU build, instead of silently running on the CPU.
 */
class ExecutionProviderTest {

    @Test
    void devicesAreParsedAndBadOnesRefused() {
        assertThat(EncoderOptions.defaults().device()).isEqualTo("cpu");
        assertThat(EncoderOptions.defaults().cudaDevice()).isEqualTo(-1);
        assertThat(EncoderOptions.defaults().withDevice("CUDA").cudaDevice()).isZero();
        assertThat(EncoderOptions.defaults().withDevice("cuda:3").cudaDevice()).isEqualTo(3);
        assertThatThrownBy(() -> EncoderOptions.defaults().withDevice("tpu"))
                .isInstanceOfSatisfying(MmsearchException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("cpu, cuda or cuda:N");
    }

    @Test
    void cudaOnTheCpuBuildIsAClearNotReadyError() {
        try (ModelRegistry registry = new ModelRegistry(TestModels.modelCacheDir(),
                EncoderOptions.defaults().withIntraOpThreads(1).withDevice("cuda"))) {
            assertThatThrownBy(() -> registry.textEncoder("all-MiniLM-L6-v2-q").encodeQuery("hello"))
                    .isInstanceOfSatisfying(MmsearchException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY))
                    .hasMessageContaining("-Pgpu")
                    .hasMessageContaining("--device cpu");
        }
    }
}
