package dev.mmsearch.server.cli;

import dev.mmsearch.ingest.CollectionImport;
import dev.mmsearch.server.remote.RemoteImport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mmsearch import}: loads a directory written by {@code mmsearch export} into a collection with the
 * exported vectors (see {@link CollectionImport}). Runs no model.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Load an export directory (manifest.json + part-*.jsonl.gz) into a collection with its vectors,"
                + " without running a model; checksums are verified first. With --server the documents and their"
                + " vectors go through that server's bulk API, and the server runs no model either.")
public class ImportCommand implements Callable<Integer> {
    @Mixin
    DataDirOption common;

    @Mixin
    ServerOptions remote;

    @Option(names = {"-c", "--collection"}, required = true,
            description = "Collection to write (created with the export's schema and model if missing).")
    String collection;

    @Option(names = {"-i", "--in"}, required = true, description = "Export directory to read.")
    Path in;

    @Mixin
    VectorIndexOptions vectorIndex = new VectorIndexOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (remote.remote() && vectorIndex.given()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--vector-encoding, --hnsw-m and"
                    + " --hnsw-beam-width apply to a local import; with --server create the collection first"
                    + " (PUT /api/v1/collections/NAME with vectorEncoding and hnsw)");
        }
        if (remote.remote()) {
            // Each document is sent with its vector ("_vector"): the server stores it and runs no model.
            CollectionImport.Result result = RemoteImport.importInto(in, remote.connect(), collection);
            spec.commandLine().getOut().println(result.toLine());
            spec.commandLine().getOut().flush();
            return 0;
        }
        try (dev.mmsearch.core.CollectionStore store = common.openStore()) {
            CollectionImport.Result result = CollectionImport.importInto(in, store, collection,
                    manifest -> new CollectionImport.Target(manifest.schema().withHnsw(
                            vectorIndex.hnsw(manifest.schema().hnsw())), vectorIndex.encoding(manifest.vectorEncoding())));
            spec.commandLine().getOut().println(result.toLine());
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
