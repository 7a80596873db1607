package dev.mmsearch.server.cli;

import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.ingest.CollectionExport;
import dev.mmsearch.ingest.ExportManifest;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mmsearch export}: writes a collection as sharded JSONL with its vectors and a manifest
 * (see {@link CollectionExport}), for {@code mmsearch import} elsewhere. Loads no model.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a collection (documents, vectors, schema, model stamp) as sharded .jsonl.gz files with a"
                + " manifest, to be loaded with 'mmsearch import' without re-encoding.")
public class ExportCommand implements Callable<Integer> {
    @Mixin
    DataDirOption common;

    @Option(names = {"-c", "--collection"}, required = true, description = "Collection to export.")
    String collection;

    @Option(names = {"-o", "--out"}, required = true, description = "Directory to write (new or empty).")
    Path out;

    @Option(names = "--shard-size", paramLabel = "N", defaultValue = "10000",
            description = "Documents per shard file (default: ${DEFAULT-VALUE}).")
    int shardSize;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (dev.mmsearch.core.CollectionStore store = common.openStore()) {
            SearchCollection source = store.get(collection);
            ExportManifest manifest = CollectionExport.export(source, out, shardSize);
            spec.commandLine().getOut().printf("exported %d documents of %s (%s) in %d shards to %s%n", manifest.count(),
                    collection, manifest.stamp().describe(), manifest.shards().size(), out);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
