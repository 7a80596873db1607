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
@Command(name = "models", mixinStandardHelpOptions = true, description = "Built-in models.",
        subcommands = {ModelsCommand.ListModels.class, ModelsCommand.AddModel.class})
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

    /** {@code mmsearch models list}: id, dimension, pooling and size of each built-in model. Loads none. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List built-in models with dimension, pooling and size.")
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

        @Override
        public Integer call() {
            List<BuiltinModel> models = BuiltinModels.all();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                List<Map<String, Object>> rows = models.stream().map(m -> {
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
                out.println(Json.MAPPER.writeValueAsString(rows));
            } else {
                out.printf("%-22s %5s  %-7s %-9s %7s %10s  %-6s %s%n", "ID", "DIM", "POOLING", "WEIGHTS", "MAX_LEN", "SIZE", "CACHED", "");
                for (BuiltinModel m : models) {
                    out.printf("%-22s %5d  %-7s %-9s %7d %10s  %-6s %s%n", m.id(), m.dimension(),
                            m.pooling().name().toLowerCase(java.util.Locale.ROOT), m.quantized() ? "int8" : "fp32",
                            m.manifest().maxSequenceLength(), m.sizeBytes() < 0 ? "?" : Formats.bytes(m.sizeBytes()),
                            cached(m) ? "yes" : "no", m.available() ? "" : "(artifact not on the classpath)");
                }
            }
            out.flush();
            return 0;
        }
    }
}
