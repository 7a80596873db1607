package dev.mmsearch.server.cli;

import dev.mmsearch.core.Retriever;
import dev.mmsearch.ingest.BeirEvaluation;
import dev.mmsearch.ingest.ConsoleIndexProgress;
import dev.mmsearch.ingest.EvalResult;
import dev.mmsearch.ingest.IndexOptions;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.server.Engine;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mmsearch eval}: retrieval quality over a BEIR folder. The corpus is indexed into a
 * collection of the data dir named after the dataset and model, which later runs reuse.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "nDCG@10, Recall@100 and MRR@10 over a BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv).")
public class EvalCommand implements Callable<Integer> {
    @Mixin
    DataDirOption common;

    @Option(names = "--beir", required = true, description = "BEIR dataset folder.")
    Path beir;

    @Option(names = "--qrels", description = "Relevance judgments (default: DIR/qrels/test.tsv).")
    Path qrels;

    @Option(names = "--model", defaultValue = ModelRegistry.DEFAULT_MODEL, description = "Model id (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--retriever", defaultValue = "dense", description = "dense or bm25 (default: ${DEFAULT-VALUE}).")
    String retriever;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (Engine engine = new Engine(common.dataDirectory(), common.engineOptions())) {
            EvalResult result = BeirEvaluation.run(beir, qrels, model, Retriever.parse(retriever), engine.store(),
                    engine.encoders(), new ConsoleIndexProgress(), engine.dataDirectory().reports(),
                    IndexOptions.defaults().withBatchSize(common.batchSize));
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(result.toJson());
            } else {
                out.printf("%s %s on %s (%d queries): nDCG@10 %.4f  Recall@100 %.4f  MRR@10 %.4f  (%.1f s)%n",
                        result.retriever(), result.model(), beir.getFileName(), result.queries(), result.ndcgAt10(),
                        result.recallAt100(), result.mrrAt10(), result.seconds());
            }
            out.flush();
        }
        return 0;
    }
}
