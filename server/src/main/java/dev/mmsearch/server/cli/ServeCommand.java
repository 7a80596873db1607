package dev.mmsearch.server.cli;

import dev.mmsearch.server.SearchService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import java.util.concurrent.Callable;

/** {@code mmsearch serve}: the search service (REST API, health, metrics, web UI). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the search API, /actuator/health, /actuator/prometheus and the web UI.")
public class ServeCommand implements Callable<Integer> {
    /** Returned when the command keeps running in the service's threads. */
    static final int KEEP_RUNNING = -1;

    @Mixin
    DataDirOption common;

    @Mixin
    ExperimentOptions experimentOptions;

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var context = SearchService.start(common.dataDirectory(), port, common.engineOptions(), experimentOptions.settings());
        spec.commandLine().getOut().println("mmsearch is serving http://localhost:" + SearchService.port(context)
                + "/ (data dir " + common.dataDirectory().root() + ")");
        spec.commandLine().getOut().flush();
        return KEEP_RUNNING;
    }
}
