package dev.mmsearch.server.cli;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Hit;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.TextAnalyzer;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.PassageOptions;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.experiment.Layer;
import dev.mmsearch.core.experiment.Scene;
import dev.mmsearch.ingest.BeirDataset;
import dev.mmsearch.ingest.BeirEvaluation;
import dev.mmsearch.ingest.ConsoleIndexProgress;
import dev.mmsearch.ingest.EvalResult;
import dev.mmsearch.ingest.IndexOptions;
import dev.mmsearch.ingest.IndexProgress;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.retrieval.SearchQuery;
import dev.mmsearch.server.Engine;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mmsearch eval}: retrieval quality over a BEIR folder. The corpus is indexed into a
 * collection of the data dir named after the dataset and model, which later runs reuse.
 * Without {@code --arm} it measures plain dense or BM25 retrieval; with {@code --arm} (repeatable)
 * it runs the queries through the experiment pipelines with those arms forced, side by side.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "nDCG@10, Recall@100 and MRR@10 over a BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv).")
public class EvalCommand implements Callable<Integer> {
    /** User id for evaluation runs, so layers that are not forced still get one fixed arm. */
    static final String EVAL_USER = "mmsearch-eval";

    @Mixin
    DataDirOption common;

    @Mixin
    ExperimentOptions experimentOptions;

    @Option(names = "--beir", required = true, description = "BEIR dataset folder.")
    Path beir;

    @Option(names = "--qrels", description = "Relevance judgments (default: DIR/qrels/test.tsv).")
    Path qrels;

    @Option(names = "--model", defaultValue = ModelRegistry.DEFAULT_MODEL, description = "Model id (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--retriever", defaultValue = "dense", description = "Without --arm: force the recall arm of this name,"
            + " as the search API's \"retriever\" does: dense, bm25 or hybrid in the built-in config (default: ${DEFAULT-VALUE}).")
    String retriever;

    @Option(names = "--arm", paramLabel = "ARM|LAYER=ARM[,LAYER=ARM]",
            description = "Evaluate this experiment arm (an arm name unique in the scene, or layer=arm pairs); repeatable.")
    List<String> arms = new ArrayList<>();

    @Option(names = "--scene", description = "Experiment scene (default: the config's default scene).")
    String scene;

    @Option(names = "--analyzer", paramLabel = "NAME", defaultValue = "english",
            description = "How the corpus's text is analysed for BM25: english (default), chinese, cjk, standard, icu.")
    String analyzer;

    @Option(names = "--passages", paramLabel = "FIELD[:WINDOW[:OVERLAP]]",
            description = "Split the corpus's FIELD (e.g. text) into passages of at most WINDOW tokens (default: what"
                    + " the model's limit leaves), OVERLAP tokens repeated (default: 10% of the window); its own"
                    + " collection, cached beside the unsplit one.")
    String passages;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Engine engine = new Engine(common.dataDirectory(), common.engineOptions(), experimentOptions.settings())) {
            IndexOptions options = IndexOptions.defaults().withBatchSize(common.batchSize);
            if (arms.isEmpty()) {
                // An unknown retriever is refused now, not after the corpus was indexed.
                engine.experiments().current().select(query("eval-check", "check", 1, Map.of(), retriever));
                EvalResult result = BeirEvaluation.run(beir, qrels, model, corpusSchema(), retriever,
                        search(engine, Map.of(), retriever),
                        engine.store(), engine.encoders(), new ConsoleIndexProgress(), engine.dataDirectory().reports(),
                        options);
                if (json) {
                    out.println(result.toJson());
                } else {
                    out.printf(Locale.ROOT, "%s %s on %s (%d queries): nDCG@10 %.4f  Recall@100 %.4f  MRR@10 %.4f  (%.1f s)%n",
                            result.retriever(), result.model(), beir.getFileName(), result.queries(), result.ndcgAt10(),
                            result.recallAt100(), result.mrrAt10(), result.seconds());
                }
            } else {
                compareArms(engine, options, out);
            }
            out.flush();
        }
        return 0;
    }

    /** The BEIR layout with the chosen analyzer and passages. */
    private CollectionSchema corpusSchema() {
        return CollectionSchema.BEIR.withAnalyzer(TextAnalyzer.parse(analyzer))
                .withPassages(passages == null ? null : PassageOptions.parse(passages));
    }

    private void compareArms(Engine engine, IndexOptions options, PrintWriter out) {
        BeirDataset dataset = BeirDataset.load(beir, qrels);
        String collection = BeirEvaluation.prepare(dataset, model, corpusSchema(), engine.store(), engine.encoders(),
                new ConsoleIndexProgress(), engine.dataDirectory().reports(), options);
        Scene sceneConfig = engine.experiments().current().config().scene(scene);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String spec : arms) {
            Map<String, String> forced = forcedArms(sceneConfig, spec);
            BeirEvaluation.Search search = search(engine, forced, null);
            BeirEvaluation.Metrics m = BeirEvaluation.evaluate(dataset, spec,
                    text -> search.search(collection, text, BeirEvaluation.DEPTH), IndexProgress.NONE);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("arm", spec);
            row.put("forcedArms", forced);
            row.put("ndcg@10", round(m.ndcgAt10()));
            row.put("recall@100", round(m.recallAt100()));
            row.put("mrr@10", round(m.mrrAt10()));
            row.put("queries", m.queries());
            rows.add(row);
        }
        if (json) {
            out.println(Json.MAPPER.writeValueAsString(Map.of("dataset", dataset.name(), "model", model,
                    "configVersion", engine.experiments().current().version(), "arms", rows)));
            return;
        }
        out.printf(Locale.ROOT, "%s, model %s, config %s, %d queries%n", dataset.name(), model,
                engine.experiments().current().version(), rows.isEmpty() ? 0 : rows.getFirst().get("queries"));
        out.printf(Locale.ROOT, "%-28s %8s %10s %8s%n", "ARM", "nDCG@10", "Recall@100", "MRR@10");
        for (Map<String, Object> row : rows) {
            out.printf(Locale.ROOT, "%-28s %8.4f %10.4f %8.4f%n", row.get("arm"), row.get("ndcg@10"), row.get("recall@100"), row.get("mrr@10"));
        }
    }

    /** Every evaluated query as a search request: through {@link Engine#search}, with these arms forced. */
    BeirEvaluation.Search search(Engine engine, Map<String, String> forced, String forcedRetriever) {
        return (collection, text, depth) -> engine.search(query(collection, text, depth, forced, forcedRetriever)).hits().stream()
                .map(Hit::id).toList();
    }

    private SearchQuery query(String collection, String text, int depth, Map<String, String> forced,
                              String forcedRetriever) {
        return new SearchQuery(collection, text, depth, 0, null, EVAL_USER, false, forced, scene, null, null,
                forcedRetriever);
    }

    /** {@code hybrid} (the layer holding an arm of that name) or {@code recall=hybrid,rank=rrf}. */
    static Map<String, String> forcedArms(Scene scene, String spec) {
        Map<String, String> forced = new LinkedHashMap<>();
        if (spec.contains("=")) {
            for (String pair : spec.split(",")) {
                String[] kv = pair.split("=", 2);
                if (kv.length != 2 || kv[0].isBlank() || kv[1].isBlank()) {
                    throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "--arm '" + spec + "': write LAYER=ARM[,LAYER=ARM]");
                }
                forced.put(kv[0].strip(), kv[1].strip());
            }
            return forced;
        }
        List<Layer> holders = scene.layers().stream().filter(l -> l.arm(spec) != null).toList();
        if (holders.size() != 1) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "--arm '" + spec + "' names an arm in " + holders.size()
                    + " layers of scene '" + scene.name() + "'; write LAYER=ARM (layers: "
                    + scene.layers().stream().map(l -> l.name() + " " + l.arms().stream().map(a -> a.name()).toList()).toList() + ")");
        }
        forced.put(holders.getFirst().name(), spec);
        return forced;
    }

    private static double round(double value) {
        return Math.round(value * 1e4) / 1e4;
    }
}
