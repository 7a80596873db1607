package dev.mmsearch.server.service;

import dev.mmsearch.server.DataDirectory;
import dev.mmsearch.server.Engine;
import dev.mmsearch.server.EngineOptions;
import dev.mmsearch.server.experiments.ExperimentSettings;
import dev.mmsearch.server.web.SearchAdmission;
import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the engine into Spring from the {@code mmsearch.*} properties. */
@Configuration(proxyBeanMethods = false)
class ServiceConfiguration {

    @Bean(destroyMethod = "close")
    Engine engine(@Value("${mmsearch.data-dir:}") String dataDir,
                  @Value("${mmsearch.threads:0}") int threads,
                  @Value("${mmsearch.batch-size:32}") int batchSize,
                  @Value("${mmsearch.experiments.file:}") String experimentsFile,
                  @Value("${mmsearch.zookeeper.connect:}") String zkConnect,
                  @Value("${mmsearch.zookeeper.path:}") String zkPath,
                  @Value("${mmsearch.image-roots:}") String imageRoots,
                  @Value("${mmsearch.inference.nodes:}") String inferenceNodes,
                  @Value("${mmsearch.opensearch.hosts:}") String openSearchHosts,
                  @Value("${mmsearch.device:cpu}") String device) {
        DataDirectory directory = dataDir.isBlank() ? DataDirectory.defaultLocation() : new DataDirectory(Path.of(dataDir));
        ExperimentSettings experiments = new ExperimentSettings(experimentsFile.isBlank() ? null : Path.of(experimentsFile),
                zkConnect, zkPath);
        java.util.List<Path> roots = java.util.Arrays.stream(imageRoots.split(",")).map(String::strip)
                .filter(r -> !r.isEmpty()).map(Path::of).toList();
        java.util.List<String> nodes = java.util.Arrays.stream(inferenceNodes.split(",")).map(String::strip)
                .filter(n -> !n.isEmpty()).toList();
        java.util.List<String> hosts = java.util.Arrays.stream(openSearchHosts.split(",")).map(String::strip)
                .filter(h -> !h.isEmpty()).toList();
        return new Engine(directory, new EngineOptions(threads, batchSize, roots, nodes, hosts, device), experiments);
    }

    /**
     * {@code mmsearch.search.max-concurrent} (default 0: {@value SearchAdmission#DEFAULT_PER_CORE} per core) and
     * {@code mmsearch.search.max-wait} (default 5s): see {@link SearchAdmission}.
     */
    @Bean
    SearchAdmission searchAdmission(@Value("${mmsearch.search.max-concurrent:0}") int maxConcurrent,
                                    @Value("${mmsearch.search.max-wait:5s}") java.time.Duration maxWait,
                                    io.micrometer.core.instrument.MeterRegistry meters) {
        return SearchAdmission.configured(maxConcurrent, maxWait, meters);
    }
}
