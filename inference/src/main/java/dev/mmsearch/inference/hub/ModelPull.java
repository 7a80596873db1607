package dev.mmsearch.inference.hub;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.inference.BuiltinModels;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.inference.bundle.ModelBundle;
import dev.mmsearch.inference.bundle.ModelManifest;
import dev.mmsearch.inference.onnx.EncoderOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Installs a model from the Hugging Face hub into the model folder of a data directory ({@code DATA_DIR/models}), so
 * {@link ModelRegistry#register(Path)} (and every command and server that scans that folder) finds it by id.
 *
 * <p>Steps: list the repository's files; pick the ONNX file(s) a model needs (a CLIP export's
 * {@code text_model.onnx} + {@code vision_model.onnx}, else {@code model.onnx}; at the repository root or under
 * {@code onnx/}; the {@code *_quantized.onnx} files with {@link ModelBundle.Variant#QUANTIZED}) plus the tokenizer and
 * configuration files; download them into a staging folder {@code DATA_DIR/models/.pull-<repo>-<revision>-<variant>}
 * (the same name on every run, so an interrupted pull resumes where it stopped); write an
 * {@value ModelManifest#FILE_NAME} with the id and the source; load the model and encode a probe text; then move the
 * folder to {@code DATA_DIR/models/<id>} in one rename. Quantized files are stored under the full-precision names
 * ({@code model.onnx}, as the built-in quantized models are), so the installed folder loads with the default variant.
 */
public final class ModelPull {

    private static final Logger LOG = LoggerFactory.getLogger(ModelPull.class);

    /** Name of the provenance file written into an installed folder: repository, revision, files and checksums. */
    public static final String SOURCE_FILE = "mmsearch-pull.json";
    /** Prefix of staging folders inside the models folder (ignored by the folder scan: it starts with a dot). */
    public static final String STAGING_PREFIX = ".pull-";

    /** Configuration and tokenizer files copied when the repository has them (paths relative to its root). */
    static final List<String> SIDE_FILES = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "config.json", "preprocessor_config.json", "sentence_bert_config.json", "modules.json",
            "config_sentence_transformers.json", ModelManifest.FILE_NAME);
    private static final Pattern POOLING_CONFIG = Pattern.compile("\\d+_Pooling/config\\.json");
    private static final Pattern DENSE_LAYER = Pattern.compile("\\d+_Dense/.*");
    private static final List<String> ONNX_DIRS = List.of("", "onnx/");

    private ModelPull() {
    }

    /**
     * What was installed.
     *
     * @param id              the model id, as {@link ModelRegistry#register(Path)} reports it
     * @param directory       the installed folder, {@code <modelsDir>/<id>}
     * @param clip            whether it is a CLIP model (text and image encoders) rather than a sentence encoder
     * @param files           the repository files that were fetched, in download order
     * @param bytesDownloaded bytes transferred in this call (0 when everything was already staged)
     */
    public record Result(String id, Path directory, boolean clip, List<String> files, long bytesDownloaded) {
    }

    /** One repository file to fetch and where it goes inside the model folder. */
    record Planned(HubFile remote, String localPath) {
    }

    /**
     * Pulls {@code repo} at {@code revision} with the id derived from the repository name (plus {@code -q} for the
     * quantized variant); see {@link #pull(HubClient, String, String, Path, ModelBundle.Variant, String, DownloadProgress)}.
     */
    public static Result pull(HubClient hub, String repo, String revision, Path modelsDir, ModelBundle.Variant variant,
                              DownloadProgress progress) {
        return pull(hub, repo, revision, modelsDir, variant, null, progress);
    }

    /**
     * Downloads, verifies, validates and installs a model; see the class comment.
     *
     * @param id       the id to install under; null to derive it from the repository name
     *                 ({@code Xenova/clip-vit-base-patch32} -> {@code clip-vit-base-patch32}, {@code -q} appended for
     *                 the quantized variant)
     * @param progress receives byte counts; {@link DownloadProgress#NONE} for none
     * @throws MmsearchException MODEL_NOT_FOUND when the repository is missing, has no ONNX export of the requested
     *                           variant or no {@code tokenizer.json}; INVALID_ARGUMENT for a bad id or a model that
     *                           mmsearch cannot run (a Dense projection after pooling); COLLECTION_EXISTS when the id
     *                           is installed already; NOT_READY when the hub cannot be reached or a transfer breaks off
     *                           (run again to resume); INTERNAL on a checksum mismatch
     */
    public static Result pull(HubClient hub, String repo, String revision, Path modelsDir, ModelBundle.Variant variant,
                              String id, DownloadProgress progress) {
        Objects.requireNonNull(hub, "hub");
        Objects.requireNonNull(modelsDir, "modelsDir");
        Objects.requireNonNull(variant, "variant");
        HubClient.requireRepoId(repo);
        String rev = revision == null || revision.isBlank() ? "main" : revision.strip();
        DownloadProgress shown = progress == null ? DownloadProgress.NONE : progress;
        String modelId = id == null || id.isBlank() ? defaultId(repo, variant) : id.strip();
        Path models = modelsDir.toAbsolutePath().normalize();
        Path target = models.resolve(modelId);
        checkId(modelId, target);

        List<HubFile> files = hub.listFiles(repo, rev);
        List<Planned> plan = plan(repo, rev, files, variant);
        Path staging = stagingDir(models, repo, rev, variant);

        long total = plan.stream().mapToLong(p -> Math.max(0, p.remote().size())).sum();
        long[] downloaded = {0};
        long started = System.nanoTime();
        shown.start("pull " + repo, total);
        try {
            Files.createDirectories(staging);
            for (Planned planned : plan) {
                Path local = staging.resolve(planned.localPath());
                if (HubClient.matches(local, planned.remote())) {
                    shown.advance(Math.max(0, planned.remote().size()));
                    LOG.debug("already staged file={}", planned.localPath());
                    continue;
                }
                Files.deleteIfExists(local);
                long partBefore = partSize(local);
                hub.download(repo, rev, planned.remote(), local, shown);
                downloaded[0] += Files.size(local) - partBefore;
            }
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot write the model files to " + staging + ": " + e, e);
        } finally {
            shown.finish();
        }
        double seconds = Math.max(1e-9, (System.nanoTime() - started) / 1e9);
        LOG.info("downloaded repo={} revision={} files={} bytes={} seconds={} MBps={}", repo, rev, plan.size(),
                downloaded[0], String.format("%.1f", seconds), String.format("%.1f", downloaded[0] / 1e6 / seconds));

        writeManifest(staging, modelId, repo, rev, variant, hub, plan);
        boolean clip = validate(staging, modelId, models);
        try {
            Files.createDirectories(models);
            if (Files.exists(target)) {
                throw new MmsearchException(ErrorCode.COLLECTION_EXISTS, "model '" + modelId + "' was installed in "
                        + target + " while this pull ran; the download stays in " + staging);
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot move " + staging + " to " + target + ": " + e, e);
        }
        LOG.info("installed model={} repo={} revision={} clip={} dir={}", modelId, repo, rev, clip, target);
        return new Result(modelId, target, clip, plan.stream().map(p -> p.remote().path()).toList(), downloaded[0]);
    }

    /** The id a repository installs under by default: its name, sanitised, plus {@code -q} when quantized. */
    public static String defaultId(String repo, ModelBundle.Variant variant) {
        HubClient.requireRepoId(repo);
        String name = repo.substring(repo.indexOf('/') + 1);
        return sanitize(name) + (variant == ModelBundle.Variant.QUANTIZED ? "-q" : "");
    }

    /**
     * Chooses the files to fetch and their local names.
     *
     * @throws MmsearchException MODEL_NOT_FOUND without a usable ONNX export or tokenizer; INVALID_ARGUMENT for a
     *                           sentence-transformers model with a Dense layer
     */
    static List<Planned> plan(String repo, String revision, List<HubFile> files, ModelBundle.Variant variant) {
        Map<String, HubFile> byPath = new LinkedHashMap<>();
        files.forEach(f -> byPath.put(f.path(), f));
        List<String> onnxFiles = files.stream().map(HubFile::path).filter(p -> p.endsWith(".onnx")).toList();
        String name = repo.substring(repo.indexOf('/') + 1);
        if (onnxFiles.isEmpty()) {
            String weights = files.stream().map(HubFile::path)
                    .filter(p -> p.matches("(?i).*\\.(bin|safetensors|pt|pth|h5|msgpack|ckpt)$"))
                    .limit(5).collect(Collectors.joining(", "));
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "repo " + repo + "@" + revision + " has no ONNX "
                    + "export" + (weights.isEmpty() ? "" : " (it holds " + weights + ")") + "; look for an ONNX export "
                    + "of it, e.g. Xenova/" + name + " or onnx-community/" + name + ", or export it yourself "
                    + "(optimum-cli export onnx --model " + repo + " DIR) and install that with `mmsearch models add DIR`");
        }
        String suffix = variant == ModelBundle.Variant.QUANTIZED ? "_quantized.onnx" : ".onnx";
        List<Planned> plan = new ArrayList<>();
        Optional<String> text = findOnnx(byPath, "text_model" + suffix);
        Optional<String> vision = findOnnx(byPath, "vision_model" + suffix);
        Optional<String> combined = findOnnx(byPath, "model" + suffix);
        if (text.isPresent() && vision.isPresent()) {
            addOnnx(plan, byPath, text.get());
            addOnnx(plan, byPath, vision.get());
        } else if (combined.isPresent()) {
            addOnnx(plan, byPath, combined.get());
        } else {
            String other = variant == ModelBundle.Variant.QUANTIZED
                    ? "; without --quantized the full-precision files are used"
                    : onnxFiles.stream().anyMatch(p -> p.endsWith("_quantized.onnx"))
                    ? "; it has quantized files: pull with --quantized" : "";
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "repo " + repo + "@" + revision + " has no "
                    + (variant == ModelBundle.Variant.QUANTIZED ? "quantized " : "full-precision ")
                    + "ONNX model mmsearch can load: expected text_model" + suffix + " + vision_model" + suffix
                    + " (CLIP) or model" + suffix + ", at the root or under onnx/; it has "
                    + onnxFiles.stream().limit(8).collect(Collectors.joining(", ")) + other);
        }
        if (!byPath.containsKey("tokenizer.json")) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "repo " + repo + "@" + revision + " has no "
                    + "tokenizer.json (the fast tokenizer file mmsearch reads); look for an export that includes it, "
                    + "e.g. Xenova/" + name);
        }
        boolean hasManifest = byPath.containsKey(ModelManifest.FILE_NAME);
        Optional<String> dense = files.stream().map(HubFile::path).filter(p -> DENSE_LAYER.matcher(p).matches()).findFirst();
        if (dense.isPresent() && !hasManifest) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "repo " + repo + "@" + revision + " is a "
                    + "sentence-transformers model with a Dense projection after pooling (" + dense.get() + "); its ONNX "
                    + "file holds only the transformer, so mmsearch would produce vectors of the wrong size and space. "
                    + "Export the whole pipeline (transformer + pooling + dense) to one ONNX file with a "
                    + ModelManifest.FILE_NAME + " (\"pooling\": \"none\", \"outputName\": \"sentence_embedding\"; for a "
                    + "text tower trained into a CLIP model's space also \"kind\": \"aligned_text_encoder\" and "
                    + "\"alignedTo\") and install it with `mmsearch models add DIR`");
        }
        for (String side : SIDE_FILES) {
            if (byPath.containsKey(side)) {
                plan.add(new Planned(byPath.get(side), side));
            }
        }
        files.stream().filter(f -> POOLING_CONFIG.matcher(f.path()).matches())
                .forEach(f -> plan.add(new Planned(f, f.path())));
        return List.copyOf(plan);
    }

    private static Optional<String> findOnnx(Map<String, HubFile> byPath, String fileName) {
        return ONNX_DIRS.stream().map(dir -> dir + fileName).filter(byPath::containsKey).findFirst();
    }

    /** Adds an ONNX file (stored under its full-precision name) and its external-data file when there is one. */
    private static void addOnnx(List<Planned> plan, Map<String, HubFile> byPath, String path) {
        String local = path.replace("_quantized.onnx", ".onnx");
        plan.add(new Planned(byPath.get(path), local));
        for (String data : List.of(path + "_data", path + ".data")) {
            if (byPath.containsKey(data)) {
                // the ONNX file names its external data file, so that one keeps its name
                plan.add(new Planned(byPath.get(data), data));
            }
        }
    }

    private static void checkId(String id, Path target) {
        try {
            new ModelManifest(id, ModelManifest.Kind.TEXT_ENCODER, ModelManifest.Pooling.MEAN, true, 2, "", "", 0,
                    ModelManifest.TOKEN_OUTPUT, false, "");
        } catch (MmsearchException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, e.getMessage() + "; choose another id with --id");
        }
        if (BuiltinModels.find(id).isPresent()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "'" + id + "' is a built-in model's id; choose "
                    + "another id with --id");
        }
        if (Files.exists(target)) {
            throw new MmsearchException(ErrorCode.COLLECTION_EXISTS, "model '" + id + "' is already installed in "
                    + target + "; remove that folder to replace it, or choose another id with --id");
        }
    }

    private static void writeManifest(Path staging, String id, String repo, String revision, ModelBundle.Variant variant,
                                      HubClient hub, List<Planned> plan) {
        Path manifestFile = staging.resolve(ModelManifest.FILE_NAME);
        try {
            ObjectNode manifest = Files.isRegularFile(manifestFile) && isFromRepo(plan)
                    ? (ObjectNode) Json.MAPPER.readTree(manifestFile.toFile()) : Json.MAPPER.createObjectNode();
            manifest.put("id", id);
            if (!manifest.has("description")) {
                manifest.put("description", repo + "@" + revision + " from " + hub.endpoint()
                        + (variant == ModelBundle.Variant.QUANTIZED ? " (int8 quantized)" : ""));
            }
            Files.writeString(manifestFile, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(manifest)
                    + "\n", StandardCharsets.UTF_8);

            ObjectNode source = Json.MAPPER.createObjectNode();
            source.put("repo", repo);
            source.put("revision", revision);
            source.put("endpoint", hub.endpoint().toString());
            source.put("variant", variant.name().toLowerCase(java.util.Locale.ROOT));
            ArrayNode list = source.putArray("files");
            for (Planned planned : plan) {
                ObjectNode file = list.addObject();
                file.put("path", planned.remote().path());
                file.put("local", planned.localPath());
                file.put("size", planned.remote().size());
                if (planned.remote().isLfs()) {
                    file.put("sha256", planned.remote().lfsSha256());
                } else if (planned.remote().gitOid() != null) {
                    file.put("gitOid", planned.remote().gitOid());
                }
            }
            Files.writeString(staging.resolve(SOURCE_FILE), Json.MAPPER.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(source) + "\n", StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            if (e instanceof MmsearchException m) {
                throw m;
            }
            throw new MmsearchException(ErrorCode.INTERNAL, "cannot write " + manifestFile + ": " + e, e);
        }
    }

    private static boolean isFromRepo(List<Planned> plan) {
        return plan.stream().anyMatch(p -> p.localPath().equals(ModelManifest.FILE_NAME));
    }

    /** Registers and loads the staged model and encodes a probe text; returns whether it is a CLIP model. */
    private static boolean validate(Path staging, String id, Path models) {
        try (ModelRegistry probe = new ModelRegistry(models, new EncoderOptions(1, 1))) {
            registerInstalled(probe, models);
            String registered = probe.register(staging);
            if (!registered.equals(id)) {
                throw new MmsearchException(ErrorCode.INTERNAL, "the staged model in " + staging + " registers as '"
                        + registered + "', expected '" + id + "'");
            }
            float[] vector = probe.textEncoder(id).encodeQuery("a photo of a cat");
            if (vector.length == 0 || !Float.isFinite(vector[0])) {
                throw new MmsearchException(ErrorCode.INVALID_INPUT, "the model in " + staging + " produced an empty "
                        + "or non-finite vector for a probe text");
            }
            boolean clip = probe.isClip(id);
            if (clip) {
                probe.clipModel(id); // loads the vision tower too
            }
            LOG.debug("validated staged model={} dimension={} clip={}", id, vector.length, clip);
            return clip;
        } catch (RuntimeException e) {
            ErrorCode code = e instanceof MmsearchException m ? m.code() : ErrorCode.INVALID_INPUT;
            throw new MmsearchException(code, "the downloaded model does not load: " + e.getMessage()
                    + " (files kept in " + staging + "; delete that folder to start over)", e);
        }
    }

    /**
     * Registers the models already installed next to the new one (best effort, as the server does at start), so a
     * model whose manifest refers to another one (a text tower aligned to an installed CLIP model) can load.
     */
    private static void registerInstalled(ModelRegistry probe, Path models) {
        if (!Files.isDirectory(models)) {
            return;
        }
        try (var dirs = Files.list(models)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                String name = dir.getFileName().toString();
                if (name.startsWith(".") || probe.builtin(name).isPresent()) {
                    continue;
                }
                try {
                    probe.register(dir);
                } catch (MmsearchException e) {
                    LOG.debug("not registering installed model dir={}: {}", dir, e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot list installed models in dir={}: {}", models, e.toString());
        }
    }

    private static long partSize(Path local) throws IOException {
        Path part = local.resolveSibling(local.getFileName() + ".part");
        return Files.isRegularFile(part) ? Files.size(part) : 0;
    }

    private static String sanitize(String name) {
        String id = name.replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("^[^A-Za-z0-9]+", "");
        return id.isEmpty() ? "model" : id;
    }

    /** The staging folder of a pull: the same for every run of the same repository, revision and variant. */
    static Path stagingDir(Path modelsDir, String repo, String revision, ModelBundle.Variant variant) {
        return modelsDir.toAbsolutePath().normalize().resolve(STAGING_PREFIX + sanitize(repo.replace('/', '-')) + "-"
                + sanitize(revision) + "-" + (variant == ModelBundle.Variant.QUANTIZED ? "q" : "fp32"));
    }
}
