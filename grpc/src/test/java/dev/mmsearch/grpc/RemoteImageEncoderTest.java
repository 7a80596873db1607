package dev.mmsearch.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.ImageEncoder;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.grpc.proto.inference.v1.InferenceServiceGrpc;
import dev.mmsearch.grpc.proto.inference.v1.PredictRequest;
import dev.mmsearch.grpc.proto.inference.v1.PredictResponse;
import dev.mmsearch.grpc.proto.inference.v1.Tensor;
import dev.mmsearch.grpc.proto.preprocess.v1.PreprocessImageRequest;
import dev.mmsearch.grpc.proto.preprocess.v1.PreprocessResponse;
import dev.mmsearch.grpc.proto.preprocess.v1.PreprocessServiceGrpc;
import dev.mmsearch.inference.ModelRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The committed tiny CLIP model, loaded on an inference node through LoadModel: remote image
 * vectors equal the in-process ones bit for bit, text and image stamps agree, and an unreadable image
 * is refused with the in-process error code.
 */
class RemoteImageEncoderTest {

    private static final List<String> IMAGES = List.of("jpeg-444.jpg", "palette.png", "exif-orientation-6.jpg",
            "rgba-transparent.png");

    @Test
    void remoteImageVectorsEqualInProcessOnes() throws Exception {
        Path fixtures = Path.of(System.getProperty("mmsearch.fixtures", "../fixtures")).toAbsolutePath().normalize();
        Path tinyClip = fixtures.resolve("models").resolve("tiny-clip");
        try (ModelRegistry local = GrpcTestSupport.newRegistry(); ModelRegistry node = GrpcTestSupport.newRegistry();
             InferenceServer server = new InferenceServer(node)) {
            String id = local.register(tinyClip);
            ImageEncoder reference = local.imageEncoder(id);
            int port = server.start(InferenceServerOptions.loopback());
            try (RemoteEncoderProvider remote = RemoteEncoderProvider.connect(List.of(GrpcTestSupport.loopback(port)))) {
                ModelStamp stamp = remote.loadModel(tinyClip.toString(), false);
                assertThat(stamp).isEqualTo(reference.stamp());
                ImageEncoder encoder = remote.imageEncoder(id);
                assertThat(encoder.stamp()).isEqualTo(remote.textEncoder(id).stamp()).isEqualTo(stamp);

                List<byte[]> images = new ArrayList<>();
                for (String name : IMAGES) {
                    images.add(Files.readAllBytes(fixtures.resolve("images").resolve(name)));
                }
                float[][] remoteVectors = encoder.encodeImages(images);
                float[][] localVectors = reference.encodeImages(images);
                for (int i = 0; i < images.size(); i++) {
                    assertThat(remoteVectors[i]).as(IMAGES.get(i)).containsExactly(localVectors[i]);
                }
                assertThat(remote.textEncoder(id).encodeQuery("a red square"))
                        .containsExactly(local.textEncoder(id).encodeQuery("a red square"));
                // Generic path: PreprocessImage -> Predict on the vision tower -> normalise = the encoder's vector.
                ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
                try {
                    PreprocessResponse pixels = PreprocessServiceGrpc.newBlockingStub(channel).preprocessImage(
                            PreprocessImageRequest.newBuilder().setModel(id)
                                    .addImages(ByteString.copyFrom(images.get(0))).build());
                    Tensor pixelValues = pixels.getTensorsMap().get("pixel_values");
                    assertThat(pixelValues.getShapeList()).containsExactly(1L, 3L, 64L, 64L);
                    PredictResponse predicted = InferenceServiceGrpc.newBlockingStub(channel).predict(
                            PredictRequest.newBuilder().setModel(id + ":vision").putInputs("pixel_values", pixelValues)
                                    .addOutputNames("image_embeds").build());
                    float[] embeds = Tensors.floats(predicted.getOutputsMap().get("image_embeds"));
                    assertThat(embeds).hasSize(stamp.dimension());
                    assertThat(GrpcTestSupport.cosine(embeds, localVectors[0])).isGreaterThan(0.99999);
                    assertThatThrownBy(() -> InferenceServiceGrpc.newBlockingStub(channel).predict(
                            PredictRequest.newBuilder().setModel(id).putInputs("pixel_values", pixelValues).build()))
                            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                                    .isEqualTo(Status.Code.INVALID_ARGUMENT));
                } finally {
                    channel.shutdownNow();
                }

                assertThatThrownBy(() -> encoder.encodeImage(new byte[] {1, 2, 3, 4}))
                        .isInstanceOfSatisfying(MmsearchException.class,
                                e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_MEDIA_TYPE));
            }
        }
    }
}
