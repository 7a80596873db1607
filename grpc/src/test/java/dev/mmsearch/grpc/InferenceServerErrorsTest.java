package dev.mmsearch.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.grpc.proto.inference.v1.DataType;
import dev.mmsearch.grpc.proto.inference.v1.EncodeImageRequest;
import dev.mmsearch.grpc.proto.inference.v1.EncodeTextRequest;
import dev.mmsearch.grpc.proto.inference.v1.InferenceServiceGrpc;
import dev.mmsearch.grpc.proto.inference.v1.PredictRequest;
import dev.mmsearch.grpc.proto.inference.v1.PredictResponse;
import dev.mmsearch.grpc.proto.inference.v1.Tensor;
import dev.mmsearch.grpc.proto.inference.v1.TextSide;
import dev.mmsearch.grpc.proto.preprocess.v1.PreprocessImageRequest;
import dev.mmsearch.grpc.proto.preprocess.v1.PreprocessResponse;
import dev.mmsearch.grpc.proto.preprocess.v1.PreprocessServiceGrpc;
import dev.mmsearch.grpc.proto.preprocess.v1.PreprocessTextRequest;
import dev.mmsearch.inference.ModelRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad input and unreachable nodes fail with the right codes; Predict runs the graph on well-formed
 * tensors and refuses malformed ones; health checking and reflection answer.
 */
class InferenceServerErrorsTest {

    private static final String MODEL = "all-MiniLM-L6-v2";

    private static ModelRegistry registry;
    private static InferenceServer server;
    private static RemoteEncoderProvider remote;
    private static ManagedChannel channel;
    private static InferenceServiceGrpc.InferenceServiceBlockingStub stub;

    @BeforeAll
    static void start() {
        registry = GrpcTestSupport.newRegistry();
        server = new InferenceServer(registry);
        int port = server.start(InferenceServerOptions.loopback());
        remote = RemoteEncoderProvider.connect(List.of(GrpcTestSupport.loopback(port)));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        stub = InferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        remote.close();
        server.close();
        registry.close();
    }

    @Test
    void unknownModelIsModelNotFoundNamingTheKnownOnes() {
        assertThatThrownBy(() -> remote.textEncoder("no-such-model"))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND);
                    assertThat(e.getMessage()).contains("no-such-model").contains("bge-small-en-v1.5");
                });
        assertThatThrownBy(() -> stub.encodeText(EncodeTextRequest.newBuilder().setModel("no-such-model")
                .addTexts("x").setSide(TextSide.TEXT_SIDE_QUERY).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void noReachableNodeIsNotReadyNamingTheAddresses() throws Exception {
        String dead = GrpcTestSupport.loopback(GrpcTestSupport.closedPort());
        try (RemoteEncoderProvider nowhere = new RemoteEncoderProvider(
                RemoteEncoderOptions.of(List.of(dead)).withDeadline(Duration.ofSeconds(2)))) {
            assertThatThrownBy(() -> nowhere.textEncoder(MODEL))
                    .isInstanceOfSatisfying(MmsearchException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY);
                        assertThat(e.code().httpStatus()).isEqualTo(503);
                        assertThat(e.getMessage()).contains(dead).contains("no inference node reachable");
                    });
            assertThatThrownBy(nowhere::modelIds).isInstanceOfSatisfying(MmsearchException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY));
        }
    }

    @Test
    void everyEncodeCallCarriesTheConfiguredDeadline() {
        String address = GrpcTestSupport.loopback(server.port());
        try (RemoteEncoderProvider hasty = new RemoteEncoderProvider(
                RemoteEncoderOptions.of(List.of(address)).withDeadline(Duration.ofNanos(1)))) {
            TextEncoder encoder = hasty.textEncoder(MODEL); // model loading uses the separate admin deadline
            assertThatThrownBy(() -> encoder.encodeQueries(GrpcTestSupport.TEXTS))
                    .isInstanceOfSatisfying(MmsearchException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY);
                        assertThat(e.getMessage()).contains("within the deadline").contains(address);
                    });
        }
    }

    @Test
    void encoderOfAStoppedNodeFailsNotReady() {
        ModelRegistry own = GrpcTestSupport.newRegistry();
        InferenceServer node = new InferenceServer(own);
        int port = node.start(InferenceServerOptions.loopback());
        try (RemoteEncoderProvider provider = RemoteEncoderProvider.connect(List.of(GrpcTestSupport.loopback(port)))) {
            TextEncoder encoder = provider.textEncoder("all-MiniLM-L6-v2-q");
            assertThat(encoder.encodeQuery("works while the node is up")).hasSize(384);
            node.close();
            assertThat(node.isRunning()).isFalse();
            assertThatThrownBy(() -> encoder.encodeQuery("node is gone"))
                    .isInstanceOfSatisfying(MmsearchException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY));
        } finally {
            node.close();
            own.close();
        }
    }

    @Test
    void predictRunsTheGraphOnPreprocessedTensorsAndMatchesTheEncoder() {
        String text = "Predict is the generic tensor path";
        PreprocessResponse tensors = PreprocessServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .preprocessText(PreprocessTextRequest.newBuilder().setModel(MODEL).addTexts(text)
                        .setSide(TextSide.TEXT_SIDE_QUERY).build());
        int length = tensors.getLengths(0);
        assertThat(tensors.getTensorsMap().get("input_ids").getShapeList()).containsExactly(1L, (long) length);
        assertThat(Tensors.longs(tensors.getTensorsMap().get("input_ids"))[0]).isEqualTo(101L); // [CLS]

        PredictResponse response = stub.predict(PredictRequest.newBuilder().setModel(MODEL)
                .putAllInputs(tensors.getTensorsMap()).addOutputNames("last_hidden_state").build());
        Tensor hidden = response.getOutputsMap().get("last_hidden_state");
        assertThat(hidden.getDtype()).isEqualTo(DataType.DATA_TYPE_FLOAT32);
        assertThat(hidden.getShapeList()).containsExactly(1L, (long) length, 384L);

        // Mean pooling + L2 normalisation by hand must give the encoder's vector.
        float[] values = Tensors.floats(hidden);
        float[] pooled = new float[384];
        for (int t = 0; t < length; t++) {
            for (int d = 0; d < 384; d++) {
                pooled[d] += values[t * 384 + d] / length;
            }
        }
        float[] expected = registry.textEncoder(MODEL).encodeQuery(text);
        assertThat(GrpcTestSupport.cosine(pooled, expected)).isGreaterThan(0.99999);
    }

    @Test
    void predictRefusesWrongDtypeShapeSizeAndNames() {
        Tensor ids = Tensors.int64(new long[] {101, 2054, 102}, 1, 3);
        Tensor mask = Tensors.int64(new long[] {1, 1, 1}, 1, 3);
        Tensor types = Tensors.int64(new long[] {0, 0, 0}, 1, 3);
        PredictRequest good = PredictRequest.newBuilder().setModel(MODEL).putInputs("input_ids", ids)
                .putInputs("attention_mask", mask).putInputs("token_type_ids", types).build();
        assertThat(stub.predict(good).getOutputsMap()).containsKey("last_hidden_state");

        Tensor floatIds = Tensors.float32(new float[] {101, 2054, 102}, 1, 3);
        assertInvalid(good.toBuilder().putInputs("input_ids", floatIds).build(), "dtype");
        assertInvalid(good.toBuilder().putInputs("input_ids", Tensors.int64(new long[] {101, 2054, 102}, 3)).build(),
                "shape");
        assertInvalid(good.toBuilder().putInputs("input_ids", ids.toBuilder()
                .setData(ByteString.copyFrom(new byte[5])).build()).build(), "bytes");
        assertInvalid(good.toBuilder().putInputs("pixel_values", floatIds).build(), "pixel_values");
        assertInvalid(good.toBuilder().removeInputs("attention_mask").build(), "attention_mask");
        assertInvalid(good.toBuilder().addOutputNames("no_such_output").build(), "no_such_output");
        assertInvalid(good.toBuilder().putInputs("input_ids", ids.toBuilder().setDtype(DataType.DATA_TYPE_UNSPECIFIED)
                .build()).build(), "dtype");
        assertThatThrownBy(() -> stub.predict(good.toBuilder().setModel("no-such-model").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void encodeRequestsWithoutSideOrModelAndImagesForTextModelsAreRefused() {
        assertThatThrownBy(() -> stub.encodeText(EncodeTextRequest.newBuilder().setModel(MODEL).addTexts("x").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        assertThatThrownBy(() -> stub.encodeText(EncodeTextRequest.newBuilder().addTexts("x")
                .setSide(TextSide.TEXT_SIDE_QUERY).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        assertThatThrownBy(() -> stub.encodeImage(EncodeImageRequest.newBuilder().setModel(MODEL)
                .addImages(ByteString.copyFrom(new byte[] {1, 2, 3})).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> PreprocessServiceGrpc.newBlockingStub(channel).preprocessImage(
                PreprocessImageRequest.newBuilder().setModel(MODEL).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> remote.imageEncoder(MODEL)).isInstanceOfSatisfying(MmsearchException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND);
            assertThat(e.getMessage()).contains("no image encoder");
        });
        assertThatThrownBy(() -> remote.textEncoder(MODEL).encodeQueries(java.util.Arrays.asList("a", null)))
                .isInstanceOfSatisfying(MmsearchException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT));
    }

    @Test
    void badOptionsAreInvalidArgument() {
        assertThatThrownBy(() -> RemoteEncoderOptions.of(List.of("localhost")))
                .isInstanceOfSatisfying(MmsearchException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThatThrownBy(() -> RemoteEncoderOptions.of(List.of()))
                .isInstanceOfSatisfying(MmsearchException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThatThrownBy(() -> InferenceServerOptions.loopback().withBatching(0, Duration.ZERO))
                .isInstanceOfSatisfying(MmsearchException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThatThrownBy(() -> server.start(InferenceServerOptions.loopback()))
                .isInstanceOfSatisfying(MmsearchException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }

    @Test
    void healthIsServingAndReflectionListsTheServices() throws Exception {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(health.check(HealthCheckRequest.newBuilder().setService(InferenceServiceGrpc.SERVICE_NAME).build())
                .getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThatThrownBy(() -> health.check(HealthCheckRequest.newBuilder().setService("no.such.Service").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));

        CompletableFuture<List<String>> services = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse value) {
                        List<String> names = new ArrayList<>();
                        for (ServiceResponse s : value.getListServicesResponse().getServiceList()) {
                            names.add(s.getName());
                        }
                        services.complete(names);
                    }

                    @Override
                    public void onError(Throwable t) {
                        services.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        assertThat(services.get(10, TimeUnit.SECONDS)).contains("mmsearch.inference.v1.InferenceService",
                "mmsearch.preprocess.v1.PreprocessService", "grpc.health.v1.Health");
        requests.onCompleted();
    }

    private static void assertInvalid(PredictRequest request, String mentioned) {
        assertThatThrownBy(() -> stub.predict(request)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains(mentioned);
        });
    }
}
