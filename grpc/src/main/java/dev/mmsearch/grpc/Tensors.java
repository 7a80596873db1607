package dev.mmsearch.grpc;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import com.google.protobuf.ByteString;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.grpc.proto.inference.v1.DataType;
import dev.mmsearch.grpc.proto.inference.v1.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Converts between the wire {@link Tensor} (little-endian bytes) and ONNX Runtime tensors, checking what it reads. */
final class Tensors {

    private Tensors() {
    }

    /** A wire tensor of int64 values. */
    static Tensor int64(long[] values, long... shape) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asLongBuffer().put(values);
        return Tensor.newBuilder().setDtype(DataType.DATA_TYPE_INT64).addAllShape(Arrays.stream(shape).boxed().toList())
                .setData(ByteString.copyFrom(buffer.array())).build();
    }

    /** A wire tensor of float32 values. */
    static Tensor float32(float[] values, long... shape) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return Tensor.newBuilder().setDtype(DataType.DATA_TYPE_FLOAT32).addAllShape(Arrays.stream(shape).boxed().toList())
                .setData(ByteString.copyFrom(buffer.array())).build();
    }

    /**
     * Checks {@code tensor} against the graph input {@code expected} and creates the ONNX Runtime tensor.
     *
     * @throws MmsearchException INVALID_ARGUMENT naming the input when dtype, rank, a fixed dimension or
     *                           the byte count does not fit
     */
    static OnnxTensor toOnnx(OrtEnvironment environment, String model, String name, Tensor tensor, NodeInfo expected)
            throws OrtException {
        if (!(expected.getInfo() instanceof TensorInfo info)) {
            throw invalid(model, name, "is not a tensor input of the graph");
        }
        OnnxJavaType wanted = info.type;
        OnnxJavaType given = switch (tensor.getDtype()) {
            case DATA_TYPE_FLOAT32 -> OnnxJavaType.FLOAT;
            case DATA_TYPE_INT64 -> OnnxJavaType.INT64;
            case DATA_TYPE_INT32 -> OnnxJavaType.INT32;
            default -> throw invalid(model, name, "has dtype " + tensor.getDtype() + "; use FLOAT32, INT64 or INT32");
        };
        if (given != wanted) {
            throw invalid(model, name, "has dtype " + tensor.getDtype() + " but the graph takes " + wanted);
        }
        long[] shape = tensor.getShapeList().stream().mapToLong(Long::longValue).toArray();
        long[] graphShape = info.getShape();
        if (shape.length != graphShape.length) {
            throw invalid(model, name, "has shape " + Arrays.toString(shape) + " but the graph takes rank "
                    + graphShape.length + " " + Arrays.toString(graphShape) + " (-1 = any)");
        }
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 || (graphShape[i] >= 0 && graphShape[i] != shape[i])) {
                throw invalid(model, name, "has shape " + Arrays.toString(shape) + " but the graph takes "
                        + Arrays.toString(graphShape) + " (-1 = any)");
            }
            elements = Math.multiplyExact(elements, shape[i]);
        }
        int width = given == OnnxJavaType.INT64 ? Long.BYTES : Integer.BYTES;
        if (tensor.getData().size() != elements * width) {
            throw invalid(model, name, "has " + tensor.getData().size() + " bytes of data but shape "
                    + Arrays.toString(shape) + " of " + tensor.getDtype() + " needs " + elements * width);
        }
        ByteBuffer data = tensor.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        return switch (given) {
            case FLOAT -> OnnxTensor.createTensor(environment, data.asFloatBuffer(), shape);
            case INT64 -> OnnxTensor.createTensor(environment, data.asLongBuffer(), shape);
            default -> OnnxTensor.createTensor(environment, data.asIntBuffer(), shape);
        };
    }

    /** The wire form of an output tensor. */
    static Tensor fromOnnx(String model, String name, OnnxTensor tensor) {
        TensorInfo info = tensor.getInfo();
        long[] shape = info.getShape();
        ByteBuffer out;
        DataType dtype;
        switch (info.type) {
            case FLOAT -> {
                var values = tensor.getFloatBuffer();
                out = ByteBuffer.allocate(values.remaining() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                out.asFloatBuffer().put(values);
                dtype = DataType.DATA_TYPE_FLOAT32;
            }
            case INT64 -> {
                var values = tensor.getLongBuffer();
                out = ByteBuffer.allocate(values.remaining() * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                out.asLongBuffer().put(values);
                dtype = DataType.DATA_TYPE_INT64;
            }
            case INT32 -> {
                var values = tensor.getIntBuffer();
                out = ByteBuffer.allocate(values.remaining() * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                out.asIntBuffer().put(values);
                dtype = DataType.DATA_TYPE_INT32;
            }
            default -> throw new MmsearchException(ErrorCode.INTERNAL, "output '" + name + "' of model '" + model
                    + "' has element type " + info.type + ", which Predict cannot return (FLOAT32, INT64, INT32 only)");
        }
        return Tensor.newBuilder().setDtype(dtype).addAllShape(Arrays.stream(shape).boxed().toList())
                .setData(ByteString.copyFrom(out.array())).build();
    }

    /** float32 values of a wire tensor, little-endian decoded. */
    static float[] floats(Tensor tensor) {
        float[] values = new float[tensor.getData().size() / Float.BYTES];
        tensor.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    /** int64 values of a wire tensor, little-endian decoded. */
    static long[] longs(Tensor tensor) {
        long[] values = new long[tensor.getData().size() / Long.BYTES];
        tensor.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(values);
        return values;
    }

    private static MmsearchException invalid(String model, String name, String what) {
        return new MmsearchException(ErrorCode.INVALID_ARGUMENT, "input '" + name + "' of Predict for model '" + model
                + "' " + what);
    }
}
