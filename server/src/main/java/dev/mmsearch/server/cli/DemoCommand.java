package dev.mmsearch.server.cli;

import dev.mmsearch.ingest.ConsoleIndexProgress;
import dev.mmsearch.server.Engine;
import dev.mmsearch.server.service.SearchService;
import dev.mmsearch.server.demo.DemoData;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mmsearch demo}: index the bundled SciFact corpus and Chinese Debian FAQ once, then serve them. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Index the bundled SciFact corpus into collection 'scifact' and the Debian FAQ in Chinese into"
                + " collection '" + DemoData.ZH_COLLECTION + "' (once), then serve the API and UI.")
public class DemoCommand implements Callable<Integer> {
    @Mixin
    DataDirOption common;

    @Mixin
    ExperimentOptions experimentOptions;

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = "--index-only", description = "Prepare the demo collection and exit without serving.")
    boolean indexOnly;

    @Option(names = "--model", defaultValue = DemoData.MODEL, paramLabel = "ID",
            description = "Built-in model for the demo collection (default: ${DEFAULT-VALUE}, collection 'scifact';"
                    + " another model gets collection 'scifact-ID'). Vectors are bundled for " + DemoData.MODEL
                    + " and " + DemoData.FAST_MODEL + " (the int8 model: same hybrid quality, 2.2x the queries per"
                    + " second on 2 cores; with --threads 1 under concurrent load); other models encode the corpus"
                    + " first.")
    String model;

    @Option(names = "--chinese", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also serve the Debian FAQ in Chinese as collection '" + DemoData.ZH_COLLECTION + "' ("
                    + DemoData.ZH_MODEL + ", analyzer chinese, bundled vectors; default: on). --no-chinese skips it"
                    + " and its model.")
    boolean chinese;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Engine engine = new Engine(common.dataDirectory(), common.engineOptions())) {
            DemoData.Outcome outcome = DemoData.ensureIndexed(engine, model, new ConsoleIndexProgress());
            out.println("demo collection '" + DemoData.collectionFor(model) + "' ready ("
                    + outcome.name().toLowerCase(java.util.Locale.ROOT) + ", "
                    + engine.store().get(DemoData.collectionFor(model)).count() + " documents, model " + model + ")");
            if (chinese) {
                DemoData.Outcome zh = DemoData.ensureChineseIndexed(engine, new ConsoleIndexProgress());
                out.println("demo collection '" + DemoData.ZH_COLLECTION + "' ready ("
                        + zh.name().toLowerCase(java.util.Locale.ROOT) + ", "
                        + engine.store().get(DemoData.ZH_COLLECTION).count() + " documents, model " + DemoData.ZH_MODEL
                        + ", analyzer chinese)");
            }
            out.flush();
        }
        if (indexOnly) {
            return 0;
        }
        var context = SearchService.start(common.dataDirectory(), port, common.engineOptions(), experimentOptions.settings(),
                java.util.Map.of(), GivenOptions.of(spec));
        int actualPort = SearchService.port(context);
        out.printf("""
                mmsearch demo is serving http://localhost:%d/
                try: curl -s -XPOST localhost:%d/api/v1/collections/%s/search -H 'content-type: application/json' \\
                       -d '{"query": "Do open access articles get cited more?", "topK": 5}'
                """, actualPort, actualPort, DemoData.collectionFor(model));
        if (chinese) {
            out.printf("""
                    in Chinese: curl -s -XPOST localhost:%d/api/v1/collections/%s/search -H 'content-type: application/json' \\
                       -d '{"query": "如何报告 Debian 中的缺陷？", "topK": 5}'
                    """, actualPort, DemoData.ZH_COLLECTION);
        }
        out.flush();
        return ServeCommand.KEEP_RUNNING;
    }
}
