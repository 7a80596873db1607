package dev.mmsearch.ingest;

import dev.mmsearch.core.Document;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A folder of images as documents, walked recursively in path order: one document per file with a known image
 * extension ({@code .jpg .jpeg .png .gif .webp .bmp}), id = its path relative to the folder ('/' separators),
 * field {@code image} = the same relative path (resolved later against the image roots, where the folder is one).
 *
 * <p>An optional metadata JSONL adds fields per image: one object a line with {@code "path"} (or {@code "file"};
 * relative to the folder)
 * and any other fields, e.g. the COCO layout {@code {"path": "train2017/x.jpg", "captions": [...], "license_id": 4}}.
 * An {@code "id"} there replaces the path as the document id. A metadata line that is not valid JSON, has no path, or
 * names a file that is not in the folder is reported as a bad record of the metadata file (with its line); the images
 * themselves are checked when they are embedded (corrupt, truncated, too large) and reported with their path.
 * Symbolic links are not followed while walking (no linked folders); linked files are listed, and the image roots
 * refuse (and report) any link whose target lies outside the folder.
 *
 * <p>The metadata file is read whole (it is small next to the images: a few hundred bytes per image); the image list
 * holds paths only.
 */
public final class ImageFolderSource implements DocumentSource {
    /** The field that holds the image path. */
    public static final String IMAGE_FIELD = "image";
    private static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "gif", "webp", "bmp");
    private static final TypeReference<LinkedHashMap<String, Object>> OBJECT = new TypeReference<>() {
    };

    private final Path root;
    private final Path metadataFile;
    private final List<String> images;
    private final Iterator<SourceRecord> records;

    private ImageFolderSource(Path root, Path metadataFile, List<String> images, List<SourceRecord> all) {
        this.root = root;
        this.metadataFile = metadataFile;
        this.images = images;
        this.records = all.iterator();
    }

    /**
     * @param folder   the image folder
     * @param metadata optional metadata JSONL (null for none)
     * @throws MmsearchException NOT_FOUND when the folder or the metadata file does not exist
     */
    public static ImageFolderSource open(Path folder, Path metadata) {
        Objects.requireNonNull(folder, "folder");
        if (!Files.isDirectory(folder)) {
            throw new MmsearchException(ErrorCode.NOT_FOUND, "image folder " + folder + " does not exist");
        }
        if (metadata != null && !Files.isRegularFile(metadata)) {
            throw new MmsearchException(ErrorCode.NOT_FOUND, "metadata file " + metadata + " does not exist");
        }
        Path root = folder.toAbsolutePath().normalize();
        List<String> images = listImages(root);
        List<SourceRecord> records = new ArrayList<>();
        Map<String, Map<String, Object>> byPath = new HashMap<>();
        if (metadata != null) {
            readMetadata(metadata, new java.util.HashSet<>(images), byPath, records);
        }
        long ordinal = 0;
        for (String image : images) {
            ordinal++;
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put(IMAGE_FIELD, image);
            Map<String, Object> extra = byPath.get(image);
            String id = image;
            if (extra != null) {
                extra.forEach((k, v) -> {
                    if (!k.equals("path") && !k.equals("file") && !k.equals("id") && !k.equals(IMAGE_FIELD)) {
                        fields.put(k, v);
                    }
                });
                if (extra.get("id") != null) {
                    id = String.valueOf(extra.get("id"));
                }
            }
            records.add(new SourceDocument(new Document(id, fields), ordinal));
        }
        return new ImageFolderSource(root, metadata, images, records);
    }

    private static List<String> listImages(Path root) {
        try (Stream<Path> files = Files.walk(root, new FileVisitOption[0])) {
            // Links are listed too (not followed): the image roots then refuse any whose target lies outside.
            return files.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                            || Files.isSymbolicLink(p))
                    .filter(ImageFolderSource::isImageName)
                    .map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .sorted()
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "cannot list image folder " + root + ": "
                    + e.getMessage(), e);
        }
    }

    static boolean isImageName(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1));
    }

    private static void readMetadata(Path file, Set<String> images, Map<String, Map<String, Object>> byPath,
                                     List<SourceRecord> errors) {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                Map<String, Object> object;
                try {
                    object = Json.MAPPER.readValue(line, OBJECT);
                } catch (JacksonException e) {
                    errors.add(new SourceError(file, number, "malformed JSON: " + e.getOriginalMessage(), line));
                    continue;
                }
                Object path = object.containsKey("path") ? object.get("path") : object.get("file");
                if (!(path instanceof String p) || p.isBlank()) {
                    errors.add(new SourceError(file, number, "metadata line has no \"path\" (or \"file\") of an image", line));
                } else if (!images.contains(p)) {
                    errors.add(new SourceError(file, number, "image '" + p + "' is not in the folder", line));
                } else {
                    byPath.put(p, object);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "cannot read metadata file " + file + ": "
                    + e.getMessage() + " (it must be UTF-8 JSON lines)", e);
        }
    }

    /** The folder, as resolved. */
    public Path root() {
        return root;
    }

    @Override
    public Path file() {
        return metadataFile != null ? metadataFile : root;
    }

    @Override
    public long estimatedRecords() {
        return images.size();
    }

    @Override
    public boolean hasNext() {
        return records.hasNext();
    }

    @Override
    public SourceRecord next() {
        if (!records.hasNext()) {
            throw new NoSuchElementException();
        }
        return records.next();
    }

    @Override
    public void close() {
    }
}
