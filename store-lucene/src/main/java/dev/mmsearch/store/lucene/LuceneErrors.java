package dev.mmsearch.store.lucene;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.IndexFormatTooNewException;
import org.apache.lucene.index.IndexFormatTooOldException;
import org.apache.lucene.index.IndexNotFoundException;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.LockObtainFailedException;

/** What Lucene throws while opening a collection, turned into errors that name the collection, its path and the fix. */
final class LuceneErrors {
    private static final Pattern DAMAGED_FILE = Pattern.compile("path=\"([^\"]+)\"");

    private LuceneErrors() {
    }

    static MmsearchException openFailure(String name, Path path, String action, Exception e) {
        if (e instanceof MmsearchException mmsearch) {
            return mmsearch;
        }
        if (e instanceof LockObtainFailedException) {
            return new MmsearchException(ErrorCode.NOT_READY, "collection '" + name
                    + "' is locked by another mmsearch process (" + path.resolve(IndexWriter.WRITE_LOCK_NAME)
                    + "); stop it or use another --data-dir", e);
        }
        String cause = e.getClass().getSimpleName() + ": " + e.getMessage();
        if (e instanceof IndexFormatTooNewException) {
            return unavailable(name, path, "it was written by a newer Lucene, or it is damaged (" + cause
                    + "); upgrade mmsearch or restore the collection from a backup", e);
        }
        if (e instanceof IndexFormatTooOldException) {
            return unavailable(name, path, "it was written by an unsupported older Lucene, or it is damaged ("
                    + cause + "); delete the collection (`mmsearch delete " + name + "`) and index it again", e);
        }
        if (e instanceof CorruptIndexException || e instanceof NoSuchFileException || e instanceof java.io.EOFException
                || e instanceof IndexNotFoundException) {
            String file = damagedFile(e);
            return unavailable(name, path, "its index is damaged" + (file == null ? "" : " in file " + file) + " ("
                    + cause + "); restore the collection directory from a backup (or import an earlier `mmsearch"
                    + " export`), or delete it (`mmsearch delete " + name + "`) and index its source data again", e);
        }
        return new MmsearchException(ErrorCode.INTERNAL, "cannot " + action + " collection '" + name + "' at "
                + path + ": " + cause + "; check that the directory is readable and writable and that the disk is"
                + " not full", e);
    }

    private static MmsearchException unavailable(String name, Path path, String reason, Exception cause) {
        return new MmsearchException(ErrorCode.COLLECTION_UNAVAILABLE, "collection '" + name + "' at " + path
                + " is unavailable: " + reason, cause);
    }

    /** Lucene names the file in its messages ({@code path="..."} or the path itself); null when it does not. */
    private static String damagedFile(Exception e) {
        if (e instanceof NoSuchFileException missing && missing.getFile() != null) {
            return Path.of(missing.getFile()).getFileName().toString();
        }
        Matcher m = DAMAGED_FILE.matcher(String.valueOf(e.getMessage()));
        return m.find() ? Path.of(m.group(1)).getFileName().toString() : null;
    }

    /** Bytes of {@code files}; a file a newer commit replaced meanwhile no longer counts. */
    static long sizeOf(Directory directory, Collection<String> files) throws IOException {
        long size = 0;
        for (String file : files) {
            try {
                size += directory.fileLength(file);
            } catch (NoSuchFileException e) {
                // A newer commit replaced this file between listing and measuring.
            }
        }
        return size;
    }
}
