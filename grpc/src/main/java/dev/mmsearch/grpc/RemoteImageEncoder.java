package dev.mmsearch.grpc;

import com.google.protobuf.ByteString;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.ImageEncoder;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.grpc.proto.inference.v1.EncodeImageRequest;
import dev.mmsearch.grpc.proto.inference.v1.EncodeResponse;
import java.util.List;

/**
 * An {@link ImageEncoder} whose vision tower runs on inference nodes (EncodeImage). Images travel as
 * the encoded files; decoding and preprocessing happen on the node, exactly as in-process.
 * Thread-safe; closing it is a no-op (the provider owns the connection).
 */
public final class RemoteImageEncoder implements ImageEncoder {

    private final RemoteEncoderProvider provider;
    private final ModelStamp stamp;

    RemoteImageEncoder(RemoteEncoderProvider provider, ModelStamp stamp) {
        this.provider = provider;
        this.stamp = stamp;
    }

    @Override
    public ModelStamp stamp() {
        return stamp;
    }

    @Override
    public float[][] encodeImages(List<byte[]> encodedImages) {
        if (encodedImages == null) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "the list of images to encode must not be null");
        }
        if (encodedImages.isEmpty()) {
            return new float[0][];
        }
        EncodeImageRequest.Builder request = EncodeImageRequest.newBuilder().setModel(stamp.modelId());
        for (int i = 0; i < encodedImages.size(); i++) {
            byte[] image = encodedImages.get(i);
            if (image == null) {
                throw new MmsearchException(ErrorCode.INVALID_INPUT, "image #" + i + " to encode is null");
            }
            request.addImages(ByteString.copyFrom(image));
        }
        EncodeResponse response = provider.call("EncodeImage model=" + stamp.modelId(), provider.options().deadline(),
                s -> s.encodeImage(request.build()));
        return RemoteTextEncoder.rows(response, encodedImages.size(), stamp);
    }

    @Override
    public void close() {
        // The provider owns the channel.
    }

    @Override
    public String toString() {
        return "RemoteImageEncoder[" + stamp.describe() + "]";
    }
}
