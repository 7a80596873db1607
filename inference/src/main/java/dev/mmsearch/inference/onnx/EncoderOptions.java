package dev.mmsearch.inference.onnx;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;

/**
 * How an {@link OnnxTextEncoder} runs: threads inside one ONNX Runtime call and the largest batch
 * sent to the model at once (longer input lists are split).
 *
 * @param intraOpThreads threads ONNX Runtime uses inside one call
 * @param maxBatchSize   most texts per ONNX Runtime call; larger requests are split
 * @param allowSpinning  let ONNX Runtime's idle worker threads busy-wait for the next call (lower latency
 *                       under steady load, but burns CPU that the rest of the server could use)
 * @param device         {@code cpu} (default), or {@code cuda} / {@code cuda:N} for ONNX Runtime's CUDA execution
 *                       provider on GPU N (needs a build with the {@code onnxruntime_gpu} artifact: {@code -Pgpu})
 */
public record EncoderOptions(int intraOpThreads, int maxBatchSize, boolean allowSpinning, String device) {

    public static final int DEFAULT_MAX_BATCH_SIZE = 32;

    public EncoderOptions {
        if (intraOpThreads < 1) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT,
                    "intra-op threads must be at least 1, got " + intraOpThreads);
        }
        if (maxBatchSize < 1) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT,
                    "max batch size must be at least 1, got " + maxBatchSize);
        }
        device = device == null || device.isBlank() ? "cpu" : device.strip().toLowerCase(java.util.Locale.ROOT);
        if (!device.matches("cpu|cuda(:[0-9]{1,2})?")) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "device must be cpu, cuda or cuda:N, got '"
                    + device + "'");
        }
    }

    public EncoderOptions(int intraOpThreads, int maxBatchSize, boolean allowSpinning) {
        this(intraOpThreads, maxBatchSize, allowSpinning, "cpu");
    }

    public EncoderOptions(int intraOpThreads, int maxBatchSize) {
        this(intraOpThreads, maxBatchSize, false);
    }

    /** The CUDA device number, or -1 for the CPU. */
    public int cudaDevice() {
        if (device.equals("cpu")) {
            return -1;
        }
        return device.equals("cuda") ? 0 : Integer.parseInt(device.substring(5));
    }

    public EncoderOptions withDevice(String newDevice) {
        return new EncoderOptions(intraOpThreads, maxBatchSize, allowSpinning, newDevice);
    }

    /**
     * Session options every encoder session uses (text, CLIP towers): these intra-op threads, one inter-op thread,
     * sequential execution, all graph optimisations, errors-only logging, spinning as configured, and the execution
     * provider of {@link #device()}. The caller closes them.
     *
     * @throws ai.onnxruntime.OrtException when ONNX Runtime refuses a setting
     */
    public ai.onnxruntime.OrtSession.SessionOptions newSessionOptions() throws ai.onnxruntime.OrtException {
        ai.onnxruntime.OrtSession.SessionOptions sessionOptions = new ai.onnxruntime.OrtSession.SessionOptions();
        try {
            sessionOptions.setIntraOpNumThreads(intraOpThreads);
            applyExecutionProvider(sessionOptions);
            sessionOptions.setInterOpNumThreads(1);
            sessionOptions.setExecutionMode(ai.onnxruntime.OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            sessionOptions.setOptimizationLevel(ai.onnxruntime.OrtSession.SessionOptions.OptLevel.ALL_OPT);
            sessionOptions.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            sessionOptions.addConfigEntry("session.intra_op.allow_spinning", allowSpinning ? "1" : "0");
            return sessionOptions;
        } catch (ai.onnxruntime.OrtException | RuntimeException e) {
            sessionOptions.close();
            throw e;
        }
    }

    /**
     * Adds the execution provider {@link #device()} names to ONNX Runtime session options (nothing for the CPU).
     *
     * @throws MmsearchException NOT_READY when CUDA is asked for but this build's ONNX Runtime has no CUDA provider
     *                           (the default CPU artifact) or no usable GPU/driver is present
     */
    public void applyExecutionProvider(ai.onnxruntime.OrtSession.SessionOptions sessionOptions) {
        int gpu = cudaDevice();
        if (gpu < 0) {
            return;
        }
        try {
            sessionOptions.addCUDA(gpu);
        } catch (ai.onnxruntime.OrtException | RuntimeException | UnsatisfiedLinkError e) {
            throw new MmsearchException(ErrorCode.NOT_READY, "cannot use " + device + ": " + e.getMessage()
                    + ". The default build ships the CPU ONNX Runtime; build with `./mvnw -Pgpu package` (artifact"
                    + " com.microsoft.onnxruntime:onnxruntime_gpu) on a machine with an NVIDIA driver, CUDA 12 and"
                    + " cuDNN 9, or run with --device cpu", e);
        }
    }

    /** All available processors, batches of {@value #DEFAULT_MAX_BATCH_SIZE}, no spinning. */
    public static EncoderOptions defaults() {
        return new EncoderOptions(Runtime.getRuntime().availableProcessors(), DEFAULT_MAX_BATCH_SIZE, false);
    }

    public EncoderOptions withIntraOpThreads(int threads) {
        return new EncoderOptions(threads, maxBatchSize, allowSpinning, device);
    }

    public EncoderOptions withMaxBatchSize(int batchSize) {
        return new EncoderOptions(intraOpThreads, batchSize, allowSpinning, device);
    }
}
