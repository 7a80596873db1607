package dev.mmsearch.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.ModelRegistry;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Remote encoding over real gRPC on loopback gives the same fp32 vectors, bit for bit, as an
 * in-process encoder of the same model (a separate registry, so a separate ONNX Runtime session).
 */
class RemoteEncoderParityTest {

    private static final String MODEL = "bge-small-en-v1.5";

    private static ModelRegistry nodeRegistry;
    private static ModelRegistry localRegistry;
    private static InferenceServer server;
    private static RemoteEncoderProvider remote;

    @BeforeAll
    static void start() {
        nodeRegistry = GrpcTestSupport.newRegistry();
        localRegistry = GrpcTestSupport.newRegistry();
        server = new InferenceServer(nodeRegistry);
        int port = server.start(InferenceServerOptions.loopback());
        remote = RemoteEncoderProvider.connect(List.of(GrpcTestSupport.loopback(port)));
    }

    @AfterAll
    static void stop() {
        remote.close();
        server.close();
        nodeRegistry.close();
        localRegistry.close();
    }

    @Test
    void remoteQueryAndDocumentVectorsAreBitwiseEqualToInProcessOnes() {
        TextEncoder local = localRegistry.textEncoder(MODEL);
        TextEncoder encoder = remote.textEncoder(MODEL);

        float[][] remoteQueries = encoder.encodeQueries(GrpcTestSupport.TEXTS);
        float[][] localQueries = local.encodeQueries(GrpcTestSupport.TEXTS);
        float[][] remoteDocuments = encoder.encodeDocuments(GrpcTestSupport.TEXTS);
        float[][] localDocuments = local.encodeDocuments(GrpcTestSupport.TEXTS);

        assertThat(remoteQueries).hasNumberOfRows(GrpcTestSupport.TEXTS.size());
        for (int i = 0; i < GrpcTestSupport.TEXTS.size(); i++) {
            assertThat(remoteQueries[i]).as("query #%d", i).hasSize(384).containsExactly(localQueries[i]);
            assertThat(remoteDocuments[i]).as("document #%d", i).containsExactly(localDocuments[i]);
        }
        // bge puts a prefix on queries only: the two sides must differ, or the side was lost on the wire.
        assertThat(remoteQueries[0]).isNotEqualTo(remoteDocuments[0]);
        assertThat(encoder.encodeQuery(GrpcTestSupport.TEXTS.get(2))).containsExactly(local.encodeQuery(GrpcTestSupport.TEXTS.get(2)));
    }

    @Test
    void remoteEncoderReportsTheInProcessStampAndTokenCounts() {
        TextEncoder local = localRegistry.textEncoder(MODEL);
        TextEncoder encoder = remote.textEncoder(MODEL);

        assertThat(encoder.stamp()).isEqualTo(local.stamp());
        assertThat(encoder.stamp().checksum()).hasSize(64);
        assertThat(encoder.maxSequenceLength()).isEqualTo(local.maxSequenceLength()).isEqualTo(512);
        assertThat(remote.textEncoder(MODEL)).isSameAs(encoder);
        for (String text : GrpcTestSupport.TEXTS) {
            assertThat(encoder.countTokens(text)).as(text).isEqualTo(local.countTokens(text));
        }
        List<String> texts = List.copyOf(GrpcTestSupport.TEXTS);
        assertThat(encoder.countTokens(texts)).as("one call for all texts").isEqualTo(local.countTokens(texts))
                .hasSize(texts.size());
        assertThat(encoder.countTokens(List.of())).isEmpty();
        assertThat(encoder.encodeQueries(List.of())).isEmpty();
        assertThat(remote.modelIds()).containsAll(localRegistry.modelIds());
    }
}
