package dev.mmsearch.server.cli;

import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.core.Json;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mmsearch collections}: what the data directory holds. Opens no model. */
@Command(name = "collections", mixinStandardHelpOptions = true,
        description = "List collections with document counts and model stamps.")
public class CollectionsCommand implements Callable<Integer> {
    @Mixin
    DataDirOption common;

    @Option(names = "--json", description = "Print JSON instead of a table (unavailable collections go to stderr).")
    boolean json;

    @Option(names = "--verify", description = "Verify the checksum of every index file first (reads every byte of the"
            + " embedded collections); exit code 1 when a collection is damaged.")
    boolean verify;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (dev.mmsearch.core.CollectionStore store = common.openStore()) {
            if (verify && store instanceof dev.mmsearch.store.lucene.LuceneCollectionStore lucene) {
                lucene.verify();
            }
            List<CollectionInfo> collections = store.list();
            Map<String, String> unavailable = store.unavailable();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.MAPPER.writeValueAsString(collections));
                PrintWriter err = spec.commandLine().getErr();
                unavailable.forEach((name, reason) -> err.println(name + "  unavailable: " + reason));
                err.flush();
            } else if (collections.isEmpty() && unavailable.isEmpty()) {
                out.println("no collections in " + common.dataDirectory().collections()
                        + " (create one with `mmsearch index` or `mmsearch demo`)");
            } else {
                out.printf("%-24s %10s  %-22s %5s  %-8s %10s  %s%n", "NAME", "DOCS", "MODEL", "DIM", "METRIC", "SIZE", "CHECKSUM");
                for (CollectionInfo c : collections) {
                    out.printf("%-24s %10d  %-22s %5d  %-8s %10s  %s%n", c.name(), c.documentCount(), c.stamp().modelId(),
                            c.stamp().dimension(), c.stamp().metric(), Formats.bytes(c.sizeBytes()),
                            c.stamp().checksum().substring(0, Math.min(12, c.stamp().checksum().length())));
                }
                unavailable.forEach((name, reason) -> out.printf("%-24s unavailable: %s%n", name, reason));
            }
            out.flush();
            return verify && !unavailable.isEmpty() ? 1 : 0;
        }
    }
}
