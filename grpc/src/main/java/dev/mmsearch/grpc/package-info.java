/**
 * Model serving and query preprocessing over gRPC (protos in {@code src/main/proto}, packages
 * {@code mmsearch.inference.v1} and {@code mmsearch.preprocess.v1}).
 *
 * <p><b>Inference node</b>: {@link dev.mmsearch.grpc.InferenceServer} serves a
 * {@link dev.mmsearch.inference.ModelRegistry}: {@code Predict} (the generic tensor path: named
 * tensors with explicit dtype/shape straight into the ONNX graph), {@code ListModels} (stamps),
 * {@code LoadModel} (a model directory, no restart), {@code EncodeText}/{@code EncodeImage} (raw
 * input to vectors with the in-process encoders, so vectors are identical), {@code PreprocessText}
 * (tokenizer tensors), plus {@code grpc.health.v1.Health} and server reflection v1. Concurrent
 * EncodeText calls for one model are coalesced (dynamic micro-batching, see
 * {@link dev.mmsearch.grpc.InferenceServerOptions}).
 *
 * <p><b>Search node</b>: {@link dev.mmsearch.grpc.RemoteEncoderProvider} implements
 * {@link dev.mmsearch.core.EncoderProvider} over one or more inference addresses with client-side
 * round robin, a deadline on every call, retries of the (idempotent) calls on UNAVAILABLE/CANCELLED,
 * and {@code NOT_READY} (HTTP 503) naming the addresses when no node answers.
 * {@link dev.mmsearch.grpc.RemoteTextEncoder#countTokens} asks the node's tokenizer (PreprocessText),
 * one round trip per call: the search node holds no model files.
 */
package dev.mmsearch.grpc;
