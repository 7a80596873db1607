package dev.mmsearch.server;

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
                  @Value("${mmsearch.batch-size:32}") int batchSize) {
        DataDirectory directory = dataDir.isBlank() ? DataDirectory.defaultLocation() : new DataDirectory(Path.of(dataDir));
        return new Engine(directory, new EngineOptions(threads, batchSize));
    }
}
