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

/** {@code mmsearch demo}: index the bundled SciFact corpus once, then serve it. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Index the bundled SciFact corpus into collection 'scifact' (once), then serve the API and UI.")
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
            out.flush();
        }
        if (indexOnly) {
            return 0;
        }
        var context = SearchService.start(common.dataDirectory(), port, common.engineOptions(), experimentOptions.settings());
        int actualPort = SearchService.port(context);
        out.printf("""
                mmsearch demo is serving http://localhost:%d/
                try: curl -s -XPOST localhost:%d/api/v1/collections/%s/search -H 'content-type: application/json' \\
                       -d '{"query": "Do open access articles get cited more?", "topK": 5}'
                """, actualPort, actualPort, DemoData.collectionFor(model));
        out.flush();
        return ServeCommand.KEEP_RUNNING;
    }
}
