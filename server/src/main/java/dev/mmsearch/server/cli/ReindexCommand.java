package dev.mmsearch.server.cli;

import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.ingest.ConsoleIndexProgress;
import dev.mmsearch.ingest.IndexOptions;
import dev.mmsearch.ingest.IndexProgress;
import dev.mmsearch.ingest.Reindexer;
import dev.mmsearch.server.Engine;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mmsearch reindex}: re-embeds a collection's stored documents with another model (or vector encoding)
 * into a new version and switches the collection over atomically. The running server does the same through
 * {@code POST /api/v1/collections/{name}/reindex} while it keeps serving searches.
 */
@Command(name = "reindex", mixinStandardHelpOptions = true,
        description = "Re-embed a collection's stored documents with another model and switch over atomically;"
                + " the old version serves until the new one is complete.")
public class ReindexCommand implements Callable<Integer> {
    @Mixin
    DataDirOption common;

    @Option(names = {"-c", "--collection"}, required = true, description = "Collection to re-index.")
    String collection;

    @Option(names = "--model", required = true, description = "Model id to embed with (see `mmsearch models list`).")
    String model;

    @Option(names = "--vector-encoding", description = "float32, int8, int4 or int1; default: keep the collection's.")
    String vectorEncoding;

    @Option(names = "--field", paramLabel = "NAME", description = "Re-embed only this named vector field (e.g."
            + " title_emb) with --model; the main vector and the other fields are kept bit for bit.")
    String field;

    @Option(names = "--no-progress", description = "Do not draw a progress bar.")
    boolean noProgress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        VectorEncoding encoding = vectorEncoding == null ? null : VectorEncoding.parse(vectorEncoding);
        try (Engine engine = new Engine(common.dataDirectory(), common.engineOptions())) {
            TextEncoder encoder = engine.encoders().textEncoder(model);
            IndexProgress progress = noProgress ? IndexProgress.NONE : new ConsoleIndexProgress();
            if (field != null && encoding != null) {
                throw new dev.mmsearch.core.MmsearchException(dev.mmsearch.core.ErrorCode.INVALID_ARGUMENT,
                        "--vector-encoding applies to the whole collection; re-index a --field without it");
            }
            Reindexer.ReindexSummary summary = field != null
                    ? Reindexer.reindexField(engine.store(), collection, field, encoder, common.batchSize, progress)
                    : Reindexer.reindex(engine.store(), collection, encoder, encoding,
                    IndexOptions.defaults().withBatchSize(common.batchSize), progress, engine.dataDirectory().reports());
            spec.commandLine().getOut().println(summary.toLine());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
