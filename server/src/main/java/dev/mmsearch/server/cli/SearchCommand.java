package dev.mmsearch.server.cli;

import dev.mmsearch.core.Hit;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.Filter;
import dev.mmsearch.retrieval.SearchQuery;
import dev.mmsearch.retrieval.SearchResult;
import dev.mmsearch.server.Engine;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mmsearch search}: one query from the command line, without starting the service. */
@Command(name = "search", mixinStandardHelpOptions = true, description = "Search a collection.")
public class SearchCommand implements Callable<Integer> {
    @Mixin
    DataDirOption common;

    @Option(names = {"-c", "--collection"}, required = true, description = "Collection to search.")
    String collection;

    @Option(names = "--retriever", description = "Force the recall arm of this name (dense, bm25, hybrid in the built-in config).")
    String retriever;

    @Option(names = "--user", description = "User id for experiment bucketing.")
    String userId;

    @Option(names = "--force-arm", paramLabel = "LAYER=ARM", description = "Pin an experiment arm (repeatable).")
    java.util.Map<String, String> forcedArms = new java.util.LinkedHashMap<>();

    @Option(names = "--filter", paramLabel = "JSON", description = "Filter, e.g. '{\"term\": {\"topic\": \"bio\"}}'.")
    String filter;

    @Mixin
    ExperimentOptions experimentOptions;

    @Option(names = {"-k", "--top-k"}, defaultValue = "10", description = "Hits to show (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--offset", defaultValue = "0", description = "Hits to skip.")
    int offset;

    @Option(names = "--json", description = "Print the response as JSON.")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "QUERY", description = "Query text (several words are joined).")
    String[] query;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Filter parsed = filter == null ? null : Filter.parse(Json.MAPPER.readTree(filter));
        SearchQuery request = new SearchQuery(collection, String.join(" ", query), topK, offset, parsed, userId, false,
                forcedArms, null, null, null, retriever);
        try (Engine engine = new Engine(common.dataDirectory(), common.engineOptions(), experimentOptions.settings())) {
            SearchResult response = engine.search(request);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.MAPPER.writeValueAsString(response));
            } else {
                for (Hit hit : response.hits()) {
                    Object title = hit.fields().getOrDefault("title", "");
                    Object text = hit.fields().getOrDefault("text", "");
                    out.printf("%3d. %.4f  %s  %s%n", hit.rank(), hit.score(), hit.id(), Formats.snippet(title, 80));
                    out.printf("      %s%n", Formats.snippet(text, 110));
                }
                out.printf("%d hits from %s (model %s, arms %s, config %s) in %.1f ms%n", response.hits().size(), collection,
                        response.model(), response.arms(), response.configVersion(), response.timingsMs().get("total"));
            }
            out.flush();
        }
        return 0;
    }
}
