package dev.mmsearch.retrieval;

/**
 * One step of the online pipeline. Implementations are immutable and thread-safe: they are built
 * once per configuration snapshot from their typed parameters and shared by every request;
 * everything a request owns lives in its {@link RequestContext}.
 */
public interface Stage {
}
