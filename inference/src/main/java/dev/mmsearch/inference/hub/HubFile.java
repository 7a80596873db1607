package dev.mmsearch.inference.hub;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.util.Objects;

/**
 * One file of a Hugging Face hub repository, as listed by the tree API
 * ({@code GET /api/models/{repo}/tree/{revision}?recursive=true}).
 *
 * @param path      path inside the repository, {@code /}-separated, e.g. {@code onnx/model.onnx}
 * @param size      size in bytes of the file's content (for an LFS file: of the LFS object, not the pointer)
 * @param gitOid    the entry's {@code oid}: git blob SHA-1 of the stored blob (for an LFS file that is the pointer
 *                  file's blob, so it says nothing about the content); may be null
 * @param lfsSha256 the {@code lfs.oid}: SHA-256 (hex) of the content of an LFS file; null for a plain git file
 */
public record HubFile(String path, long size, String gitOid, String lfsSha256) {

    public HubFile {
        Objects.requireNonNull(path, "path");
        if (path.isEmpty() || path.startsWith("/") || path.contains("\\")
                || java.util.Arrays.asList(path.split("/")).contains("..")) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "refusing hub file path '" + path
                    + "': not a relative path inside the repository");
        }
    }

    /** Whether the content is stored in LFS (and so has a SHA-256 to verify against). */
    public boolean isLfs() {
        return lfsSha256 != null;
    }

    /** The last path segment, e.g. {@code model.onnx}. */
    public String fileName() {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
