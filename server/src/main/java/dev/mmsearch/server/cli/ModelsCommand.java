package dev.mmsearch.server.cli;

import dev.mmsearch.core.Json;
import dev.mmsearch.inference.BuiltinModel;
import dev.mmsearch.inference.BuiltinModels;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mmsearch models}: the models mmsearch can use. */
@Command(name = "models", mixinStandardHelpOptions = true, description = "Built-in and installed models.",
        subcommands = {ModelsCommand.ListModels.class, ModelsCommand.AddModel.class, ModelsCommand.PullModel.class})
public class ModelsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * {@code mmsearch models add DIR}: copies a model directory (a Hugging Face / Optimum / Xenova ONNX export, e.g. a
     * CLIP model with text_model.onnx + vision_model.onnx, or a directory with an mmsearch-model.json) into the data
     * dir's model folder, after checking that it loads; every command and the server then find it by its id.
     */
    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Install a model directory (ONNX export) into the data dir so it can be used by its id.")
    static class AddModel implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        DataDirOption common;

        @picocli.CommandLine.Parameters(paramLabel = "DIR", description = "The model directory.")
        java.nio.file.Path source;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws java.io.IOException {
            java.nio.file.Path models = common.dataDirectory().models();
            String id;
            try (dev.mmsearch.inference.ModelRegistry probe = new dev.mmsearch.inference.ModelRegistry(models)) {
                id = probe.register(source); // validates the layout and reads the id
            }
            java.nio.file.Path target = models.resolve(id);
            if (java.nio.file.Files.exists(target)) {
                throw new dev.mmsearch.core.MmsearchException(dev.mmsearch.core.ErrorCode.COLLECTION_EXISTS,
                        "model '" + id + "' is already installed in " + target + "; remove that folder to replace it");
            }
            java.nio.file.Path staging = java.nio.file.Files.createTempDirectory(
                    java.nio.file.Files.createDirectories(models), ".add-" + id);
            try (var files = java.nio.file.Files.walk(source)) {
                for (java.nio.file.Path file : files.toList()) {
                    java.nio.file.Path to = staging.resolve(source.relativize(file).toString());
                    if (java.nio.file.Files.isDirectory(file)) {
                        java.nio.file.Files.createDirectories(to);
                    } else {
                        java.nio.file.Files.copy(file, to);
                    }
                }
            }
            java.nio.file.Files.move(staging, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            spec.commandLine().getOut().println("installed model " + id + " in " + target);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /**
     * {@code mmsearch models pull REPO}: downloads an ONNX export (CLIP, or a sentence encoder) from the Hugging Face
     * hub into the data dir's model folder: resumable (run it again after an interruption), checksum-verified, checked
     * to load before it is installed under its id.
     */
    @Command(name = "pull", mixinStandardHelpOptions = true,
            description = "Download an ONNX model (CLIP or sentence encoder) from the Hugging Face hub into the data dir.")
    static class PullModel implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        DataDirOption common;

        @picocli.CommandLine.Parameters(paramLabel = "REPO",
                description = "Hub model id with an ONNX export, e.g. Xenova/clip-vit-base-patch32.")
        String repo;

        @Option(names = "--revision", paramLabel = "REV", defaultValue = "main",
                description = "Branch, tag or commit (default: ${DEFAULT-VALUE}).")
        String revision;

        @Option(names = "--quantized",
                description = "Fetch the int8 *_quantized.onnx files (about 4x smaller and faster, vectors slightly off).")
        boolean quantized;

        @Option(names = "--id", paramLabel = "ID",
                description = "Install under this id (default: the repository name, plus -q with --quantized).")
        String id;

        @Option(names = "--endpoint", paramLabel = "URL",
                description = "Hub URL or mirror (default: $HF_ENDPOINT, else https://huggingface.co). "
                        + "Private or gated repositories need $HF_TOKEN.")
        java.net.URI endpoint;

        @Option(names = "--no-progress", description = "Do not draw a progress bar.")
        boolean noProgress;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            dev.mmsearch.inference.hub.HubClient hub = dev.mmsearch.inference.hub.HubClient.fromEnvironment();
            if (endpoint != null) {
                hub = hub.withEndpoint(endpoint);
            }
            dev.mmsearch.inference.bundle.ModelBundle.Variant variant = quantized
                    ? dev.mmsearch.inference.bundle.ModelBundle.Variant.QUANTIZED
                    : dev.mmsearch.inference.bundle.ModelBundle.Variant.FP32;
            dev.mmsearch.inference.hub.DownloadProgress progress = noProgress
                    ? dev.mmsearch.inference.hub.DownloadProgress.NONE : new ConsoleDownloadProgress();
            dev.mmsearch.inference.hub.ModelPull.Result result = dev.mmsearch.inference.hub.ModelPull.pull(
                    hub, repo, revision, common.dataDirectory().models(), variant, id, progress);
            PrintWriter out = spec.commandLine().getOut();
            out.println("installed model " + result.id() + " ("
                    + (result.clip() ? "CLIP: text and image encoder" : "text encoder") + ") in " + result.directory());
            out.flush();
            return 0;
        }
    }

    /** {@code mmsearch models list}: each built-in model (id, dimension, pooling, size) and each added one. Loads none. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List built-in models with dimension, pooling"
            + " and size, and the models added to the data dir (models add / pull).")
    static class ListModels implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        DataDirOption common;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        /** Whether the model's files are already extracted into the data dir's model cache (complete copies only). */
        private boolean cached(BuiltinModel m) {
            return BuiltinModels.isCached(m, common.dataDirectory().models());
        }

        @Spec
        CommandSpec spec;

        /** Models added to the data dir with {@code models add} or {@code pull} (registered as the server does). */
        private List<dev.mmsearch.inference.ModelRegistry.ModelInfo> added() {
            try (dev.mmsearch.inference.ModelRegistry registry = new dev.mmsearch.inference.ModelRegistry(
                    common.dataDirectory().models())) {
                dev.mmsearch.server.Engine.registerInstalledModels(registry, common.dataDirectory().models());
                return registry.describe().stream().filter(m -> !m.builtin()).toList();
            }
        }

        @Override
        public Integer call() {
            List<BuiltinModel> models = BuiltinModels.all();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                List<Map<String, Object>> built = models.stream().map(m -> {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("id", m.id());
                    row.put("dimension", m.dimension());
                    row.put("pooling", m.pooling().name().toLowerCase(java.util.Locale.ROOT));
                    row.put("quantized", m.quantized());
                    row.put("maxSequenceLength", m.manifest().maxSequenceLength());
                    row.put("sizeBytes", m.sizeBytes());
                    row.put("available", m.available());
                    row.put("cached", cached(m));
                    return row;
                }).toList();
                List<Map<String, Object>> rows = new java.util.ArrayList<>(built);
                for (var m : added()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("id", m.id());
                    row.put("kind", m.kind());
                    row.put("dimension", m.dimension());
                    row.put("maxSequenceLength", m.maxSequenceLength());
                    row.put("added", true);
                    rows.add(row);
                }
                out.println(Json.MAPPER.writeValueAsString(rows));
            } else {
                out.printf("%-22s %5s  %-7s %-9s %7s %10s  %-6s %s%n", "ID", "DIM", "POOLING", "WEIGHTS", "MAX_LEN", "SIZE", "CACHED", "");
                for (BuiltinModel m : models) {
                    out.printf("%-22s %5d  %-7s %-9s %7d %10s  %-6s %s%n", m.id(), m.dimension(),
                            m.pooling().name().toLowerCase(java.util.Locale.ROOT), m.quantized() ? "int8" : "fp32",
                            m.manifest().maxSequenceLength(), m.sizeBytes() < 0 ? "?" : Formats.bytes(m.sizeBytes()),
                            cached(m) ? "yes" : "no", m.available() ? "" : "(artifact not on the classpath)");
                }
                for (var m : added()) {
                    out.printf("%-22s %5s  %-7s %-9s %7d %10s  %-6s %s%n", m.id(), m.dimension() > 0 ? m.dimension()
                            : "?", m.kind().equals("clip") ? "clip" : "-", "-", m.maxSequenceLength(), "-", "yes",
                            "(added)");
                }
            }
            out.flush();
            return 0;
        }
    }
}
