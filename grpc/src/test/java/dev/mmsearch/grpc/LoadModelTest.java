package dev.mmsearch.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.BuiltinModels;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.inference.bundle.ModelManifest;
import dev.mmsearch.inference.bundle.TextBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoadModel of a new model directory on two running inference nodes makes it listable and usable by
 * a search node's remote encoders, with no restart of either side.
 */
class LoadModelTest {

    private static final String SOURCE_MODEL = "all-MiniLM-L6-v2-q";
    private static final String NEW_ID = "custom-minilm";

    @Test
    void loadedDirectoryBecomesListableAndUsableWithoutRestart(@TempDir Path temp) throws Exception {
        // A model directory that no node knows: a built-in copied out with a new id in its manifest.
        TextBundle bundle = BuiltinModels.materialize(BuiltinModels.find(SOURCE_MODEL).orElseThrow(), temp);
        Path dir = bundle.modelFile().getParent();
        bundle.manifest().withId(NEW_ID).write(dir.resolve(ModelManifest.FILE_NAME));

        try (ModelRegistry first = GrpcTestSupport.newRegistry(); ModelRegistry second = GrpcTestSupport.newRegistry();
             ModelRegistry local = GrpcTestSupport.newRegistry();
             InferenceServer a = new InferenceServer(first); InferenceServer b = new InferenceServer(second)) {
            int portA = a.start(InferenceServerOptions.loopback());
            int portB = b.start(InferenceServerOptions.loopback());
            try (RemoteEncoderProvider remote = RemoteEncoderProvider.connect(
                    List.of(GrpcTestSupport.loopback(portA), GrpcTestSupport.loopback(portB)))) {
                assertThat(remote.modelIds()).doesNotContain(NEW_ID).contains(SOURCE_MODEL);
                assertThatThrownBy(() -> remote.textEncoder(NEW_ID)).isInstanceOfSatisfying(MmsearchException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND));

                ModelStamp stamp = remote.loadModel(dir.toString(), false);

                TextEncoder reference = local.textEncoder(SOURCE_MODEL);
                assertThat(stamp.modelId()).isEqualTo(NEW_ID);
                assertThat(stamp.checksum()).isEqualTo(reference.stamp().checksum());
                assertThat(stamp.dimension()).isEqualTo(384);
                assertThat(first.modelIds()).contains(NEW_ID);
                assertThat(second.modelIds()).contains(NEW_ID);
                // Both nodes answer for it (round robin), with the vectors of the same weights in-process.
                TextEncoder encoder = remote.textEncoder(NEW_ID);
                assertThat(encoder.stamp()).isEqualTo(stamp);
                for (int i = 0; i < 4; i++) {
                    String text = GrpcTestSupport.TEXTS.get(i);
                    assertThat(encoder.encodeQuery(text)).as(text).containsExactly(reference.encodeQuery(text));
                }
                assertThat(a.callCounts().get("InferenceService/EncodeText")).isPositive();
                assertThat(b.callCounts().get("InferenceService/EncodeText")).isPositive();
                assertThat(remote.modelIds()).contains(NEW_ID);

                // Loading it again is a no-op; a directory that does not exist is MODEL_NOT_FOUND.
                assertThat(remote.loadModel(dir.toString(), false)).isEqualTo(stamp);
                Path missing = temp.resolve("no-model-here");
                assertThatThrownBy(() -> remote.loadModel(missing.toString(), false))
                        .isInstanceOfSatisfying(MmsearchException.class, e -> {
                            assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND);
                            assertThat(e.getMessage()).contains(missing.toString());
                        });
                Path empty = Files.createDirectory(temp.resolve("empty"));
                assertThatThrownBy(() -> remote.loadModel(empty.toString(), false))
                        .isInstanceOfSatisfying(MmsearchException.class,
                                e -> assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND));
                assertThatThrownBy(() -> remote.loadModel("", false))
                        .isInstanceOfSatisfying(MmsearchException.class,
                                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
            }
        }
    }
}
