package dev.mmsearch.server.cli;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.grpc.InferenceServer;
import dev.mmsearch.grpc.InferenceServerOptions;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.server.Engine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.mmsearch.server.service.SearchService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import java.util.concurrent.Callable;

/**
 * {@code mmsearch serve}: one binary, three roles. {@code all} (default): the search service with models in this
 * process, plus the gRPC inference service when {@code --grpc-port} is given. {@code search}: the search service
 * with models on the inference nodes given by {@code --inference} (stateless search node). {@code inference}: only
 * the gRPC inference and preprocessing services (standard gRPC health checking; no HTTP).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the search API, /actuator/health, /actuator/prometheus and the web UI (role all or search),"
                + " and/or the gRPC inference service (role inference, or all with --grpc-port).")
public class ServeCommand implements Callable<Integer> {
    /** Returned when the command keeps running in the service's threads. */
    static final int KEEP_RUNNING = -1;
    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    @Mixin
    DataDirOption common;

    @Mixin
    ExperimentOptions experimentOptions;

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = "--role", defaultValue = "all", description = "all, search or inference (default: ${DEFAULT-VALUE}).")
    String role;

    @Option(names = "--grpc-port", paramLabel = "PORT",
            description = "gRPC port of the inference service (role inference: default 9090; role all: off unless given).")
    Integer grpcPort;

    @Option(names = "--no-batching", description = "Inference role: do not coalesce concurrent requests into batches.")
    boolean noBatching;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        switch (role) {
            case "inference" -> {
                if (!common.engineOptions().inferenceNodes().isEmpty()) {
                    throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "an inference node runs the models itself;"
                            + " leave out --inference");
                }
                int bound = startInference(grpcPort == null ? InferenceServerOptions.DEFAULT_PORT : grpcPort);
                spec.commandLine().getOut().println("mmsearch inference node is serving gRPC on port " + bound
                        + " (data dir " + common.dataDirectory().root() + ")");
            }
            case "search", "all" -> {
                if (role.equals("search") && common.engineOptions().inferenceNodes().isEmpty()) {
                    throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "role search runs no models: give the"
                            + " inference nodes with --inference HOST:PORT (repeatable)");
                }
                if (role.equals("all") && grpcPort != null) {
                    int bound = startInference(grpcPort);
                    spec.commandLine().getOut().println("mmsearch inference service on gRPC port " + bound);
                }
                var context = SearchService.start(common.dataDirectory(), port, common.engineOptions(),
                        experimentOptions.settings(), java.util.Map.of(), GivenOptions.of(spec));
                spec.commandLine().getOut().println("mmsearch is serving http://localhost:" + SearchService.port(context)
                        + "/ (role " + role + ", data dir " + common.dataDirectory().root() + ")");
            }
            default -> throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "unknown role '" + role
                    + "'; use all, search or inference");
        }
        spec.commandLine().getOut().flush();
        return KEEP_RUNNING;
    }

    /** Starts the gRPC inference service over this data dir's models; it runs until the JVM exits. */
    private int startInference(int grpcPortToUse) {
        ModelRegistry registry = new ModelRegistry(common.dataDirectory().models(), common.engineOptions().modelOptions());
        Engine.registerInstalledModels(registry, common.dataDirectory().models());
        InferenceServer server = new InferenceServer(registry);
        InferenceServerOptions options = InferenceServerOptions.defaults().withPort(grpcPortToUse)
                .withBatching(!noBatching);
        int bound = server.start(options);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            registry.close();
        }, "mmsearch-inference-shutdown"));
        // gRPC's transport threads are daemons: keep the JVM alive until it is stopped.
        Thread keeper = new Thread(() -> {
            try {
                new java.util.concurrent.CountDownLatch(1).await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "mmsearch-inference-keepalive");
        keeper.setDaemon(false);
        keeper.start();
        log.info("inference role started port={} batching={} models={}", bound, !noBatching, registry.modelIds());
        return bound;
    }
}
