package dev.mmsearch.server.cli;

import java.util.Map;
import java.util.function.Predicate;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Which service settings the user typed on the command line, for {@code SearchService.start}: a typed flag wins over
 * everything, a flag's default loses to the environment ({@code SERVER_PORT}, {@code MMSEARCH_THREADS}, ...), system
 * properties and {@code application.properties}, as in any Spring Boot application. The data directory always counts
 * as given: the command has already used it.
 */
final class GivenOptions {
    /** Spring property -> the flag that sets it. */
    static final Map<String, String> FLAGS = Map.ofEntries(
            Map.entry("server.port", "--port"),
            Map.entry("mmsearch.threads", "--threads"),
            Map.entry("mmsearch.batch-size", "--batch-size"),
            Map.entry("mmsearch.image-roots", "--image-root"),
            Map.entry("mmsearch.inference.nodes", "--inference"),
            Map.entry("mmsearch.opensearch.hosts", "--opensearch"),
            Map.entry("mmsearch.device", "--device"),
            Map.entry("mmsearch.experiments.file", "--experiments"),
            Map.entry("mmsearch.zookeeper.connect", "--zookeeper"),
            Map.entry("mmsearch.zookeeper.path", "--zk-path"));

    private GivenOptions() {
    }

    /** Whether the property was set by a flag the user typed in the command {@code spec} parsed. */
    static Predicate<String> of(CommandSpec spec) {
        var parsed = spec.commandLine().getParseResult();
        return property -> property.equals("mmsearch.data-dir")
                || (FLAGS.containsKey(property) && parsed.hasMatchedOption(FLAGS.get(property)));
    }
}
