package dev.mmsearch.grpc;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.grpc.proto.inference.v1.PredictRequest;
import dev.mmsearch.grpc.proto.inference.v1.PredictResponse;
import dev.mmsearch.grpc.proto.inference.v1.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ONNX Runtime sessions for the generic {@code Predict} path, one per model, opened on the first
 * Predict for that model. They are separate from the encoders' sessions because the inference
 * module keeps its sessions private; the extra memory is only spent when Predict is used.
 */
final class PredictSessions implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PredictSessions.class);

    private final OrtEnvironment environment = OrtEnvironment.getEnvironment();
    private final int intraOpThreads;
    private final Map<String, OrtSession> sessions = new ConcurrentHashMap<>();
    private volatile boolean closed;

    PredictSessions(int intraOpThreads) {
        this.intraOpThreads = intraOpThreads;
    }

    /** Runs {@code request} on the ONNX file {@code modelFile} of model {@code modelId}. */
    PredictResponse predict(String modelId, Path modelFile, PredictRequest request) {
        OrtSession session = session(modelId, modelFile);
        Map<String, NodeInfo> graphInputs;
        try {
            graphInputs = session.getInputInfo();
        } catch (OrtException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "ONNX Runtime cannot describe the inputs of model '"
                    + modelId + "': " + e.getMessage(), e);
        }
        Set<String> missing = new LinkedHashSet<>(graphInputs.keySet());
        missing.removeAll(request.getInputsMap().keySet());
        if (!missing.isEmpty()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "Predict for model '" + modelId + "' lacks inputs "
                    + missing + "; the graph takes " + graphInputs.keySet());
        }
        Set<String> outputs = new LinkedHashSet<>(request.getOutputNamesList());
        if (outputs.isEmpty()) {
            outputs.addAll(session.getOutputNames());
        } else if (!session.getOutputNames().containsAll(outputs)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "Predict for model '" + modelId + "' asks for outputs "
                    + outputs + "; the graph has " + session.getOutputNames());
        }
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            for (Map.Entry<String, Tensor> entry : request.getInputsMap().entrySet()) {
                NodeInfo info = graphInputs.get(entry.getKey());
                if (info == null) {
                    throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "Predict for model '" + modelId
                            + "' got input '" + entry.getKey() + "'; the graph takes " + graphInputs.keySet());
                }
                inputs.put(entry.getKey(), Tensors.toOnnx(environment, modelId, entry.getKey(), entry.getValue(), info));
            }
            PredictResponse.Builder response = PredictResponse.newBuilder();
            try (OrtSession.Result result = session.run(inputs, outputs)) {
                for (Map.Entry<String, OnnxValue> output : result) {
                    if (!(output.getValue() instanceof OnnxTensor tensor)) {
                        throw new MmsearchException(ErrorCode.INTERNAL, "output '" + output.getKey() + "' of model '"
                                + modelId + "' is not a tensor; Predict returns tensors only");
                    }
                    response.putOutputs(output.getKey(), Tensors.fromOnnx(modelId, output.getKey(), tensor));
                }
            }
            return response.build();
        } catch (OrtException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "ONNX Runtime refused Predict for model '" + modelId
                    + "': " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private OrtSession session(String modelId, Path modelFile) {
        OrtSession session = sessions.get(modelId);
        if (session != null) {
            return session;
        }
        synchronized (this) {
            if (closed) {
                throw new MmsearchException(ErrorCode.NOT_READY, "the inference server is shutting down");
            }
            session = sessions.get(modelId);
            if (session == null) {
                try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                    options.setIntraOpNumThreads(intraOpThreads);
                    options.setInterOpNumThreads(1);
                    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                    options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
                    session = environment.createSession(modelFile.toString(), options);
                } catch (OrtException e) {
                    throw new MmsearchException(ErrorCode.INTERNAL, "ONNX Runtime cannot open " + modelFile
                            + " of model '" + modelId + "' for Predict: " + e.getMessage(), e);
                }
                sessions.put(modelId, session);
                LOG.info("opened predict session model={} onnx={}", modelId, modelFile);
            }
            return session;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        List<OrtSession> open = new ArrayList<>(sessions.values());
        sessions.clear();
        for (OrtSession session : open) {
            try {
                session.close();
            } catch (OrtException e) {
                LOG.warn("closing predict session failed: {}", e.getMessage());
            }
        }
    }
}
