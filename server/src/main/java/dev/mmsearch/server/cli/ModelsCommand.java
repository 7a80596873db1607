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
        subcommands = ModelsCommand.ListModels.class)
public class ModelsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
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
