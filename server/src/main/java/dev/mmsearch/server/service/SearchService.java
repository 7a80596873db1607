package dev.mmsearch.server.service;

import dev.mmsearch.server.DataDirectory;
import dev.mmsearch.server.EngineOptions;
import dev.mmsearch.server.ServerFile;
import dev.mmsearch.server.experiments.ExperimentSettings;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The search service: REST API, actuator (health, Prometheus) and the web UI, over one
 * {@link dev.mmsearch.server.Engine}. Started by {@code mmsearch serve} and {@code mmsearch demo}; tests start it on
 * a random port with their own data directory.
 */
// The service lives in its own package; its components (web, security) are scanned from the server package.
@SpringBootApplication(scanBasePackages = "dev.mmsearch.server")
public class SearchService {

    /**
     * Starts the service.
     *
     * @param dataDirectory where collections and models live
     * @param port          HTTP port; 0 picks a free one
     * @param options       engine tuning
     */
    public static ConfigurableApplicationContext start(DataDirectory dataDirectory, int port, EngineOptions options) {
        return start(dataDirectory, port, options, ExperimentSettings.DEFAULTS);
    }

    /** Starts the service with experiments from {@code experiments} (file, ZooKeeper, or the default lookup). */
    public static ConfigurableApplicationContext start(DataDirectory dataDirectory, int port, EngineOptions options,
                                                       ExperimentSettings experiments) {
        return start(dataDirectory, port, options, experiments, java.util.Map.of());
    }

    /**
     * Starts the service with extra Spring properties (e.g. {@code mmsearch.security.*}), which win over
     * application.properties and the environment like the others given here.
     */
    public static ConfigurableApplicationContext start(DataDirectory dataDirectory, int port, EngineOptions options,
                                                       ExperimentSettings experiments,
                                                       java.util.Map<String, String> properties) {
        return start(dataDirectory, port, options, experiments, properties, name -> true);
    }

    /**
     * Starts the service; {@code given} says which of the settings the user gave explicitly (a command-line flag).
     * Those, and {@code properties}, are passed as command-line properties and win over everything; the others are
     * only defaults (Spring's default properties, the lowest rank), so an environment variable ({@code SERVER_PORT},
     * {@code MMSEARCH_THREADS}), a system property or {@code application.properties} set by the user wins over a flag
     * the user did not type (Spring Boot's externalized configuration order).
     *
     * @param given property name (e.g. {@code server.port}, {@code mmsearch.threads}) -> whether its value was given
     */
    public static ConfigurableApplicationContext start(DataDirectory dataDirectory, int port, EngineOptions options,
                                                       ExperimentSettings experiments,
                                                       java.util.Map<String, String> properties,
                                                       java.util.function.Predicate<String> given) {
        java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();
        settings.put("mmsearch.data-dir", dataDirectory.root().toString());
        settings.put("mmsearch.threads", Integer.toString(options.intraOpThreads()));
        settings.put("mmsearch.batch-size", Integer.toString(options.batchSize()));
        settings.put("mmsearch.image-roots", String.join(",", options.imageRoots().stream()
                .map(p -> p.toAbsolutePath().toString()).toList()));
        settings.put("mmsearch.inference.nodes", String.join(",", options.inferenceNodes()));
        settings.put("mmsearch.opensearch.hosts", String.join(",", options.openSearchHosts()));
        settings.put("mmsearch.device", options.device());
        settings.put("mmsearch.experiments.file", experiments.file() == null ? "" : experiments.file().toAbsolutePath()
                .toString());
        settings.put("mmsearch.zookeeper.connect", experiments.zkConnect() == null ? "" : experiments.zkConnect());
        settings.put("mmsearch.zookeeper.path", experiments.zkPath());
        settings.put("server.port", Integer.toString(port));
        java.util.List<String> args = new java.util.ArrayList<>();
        java.util.Map<String, Object> defaults = new java.util.LinkedHashMap<>();
        settings.forEach((name, value) -> {
            if (given.test(name)) {
                args.add("--" + name + "=" + value);
            } else {
                defaults.put(name, value);
            }
        });
        properties.forEach((name, value) -> args.add("--" + name + "=" + value));
        // DATA_DIR/application.properties or application.yaml, when there is one, is read above the built-in defaults
        // (and below the environment), so a data directory can carry its own settings.
        args.add("--spring.config.additional-location=optional:file:" + dataDirectory.root().toAbsolutePath() + "/");
        SpringApplication application = new SpringApplication(SearchService.class);
        application.setDefaultProperties(defaults);
        ConfigurableApplicationContext context = application.run(args.toArray(String[]::new));
        announce(dataDirectory, context);
        return context;
    }

    /** Writes {@code server.json} into the data directory (see {@link ServerFile}); removed when the service stops. */
    private static void announce(DataDirectory dataDirectory, ConfigurableApplicationContext context) {
        org.springframework.core.env.Environment env = context.getEnvironment();
        String address = env.getProperty("server.address", "");
        String host = address.isBlank() || address.equals("0.0.0.0") || address.equals("::") ? "127.0.0.1"
                : address.contains(":") ? "[" + address + "]" : address;
        String scheme = env.getProperty("server.ssl.enabled", Boolean.class, false) ? "https" : "http";
        ServerFile file = ServerFile.ofThisProcess(scheme + "://" + host + ":" + port(context));
        file.write(dataDirectory);
        context.addApplicationListener(event -> {
            if (event instanceof org.springframework.context.event.ContextClosedEvent) {
                file.remove(dataDirectory);
            }
        });
    }

    /** The port the running service listens on. */
    public static int port(ConfigurableApplicationContext context) {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port", "-1"));
    }
}
