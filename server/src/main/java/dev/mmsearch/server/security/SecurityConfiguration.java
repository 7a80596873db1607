package dev.mmsearch.server.security;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.server.Engine;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import org.springframework.core.Ordered;
import org.springframework.util.unit.DataSize;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Wires the API gate (keys, rate limits, body size), the security headers and the JSON parser limits from the
 * {@code mmsearch.security.*} properties (see SECURITY.md).
 */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {

    @Bean
    SecuritySettings securitySettings(Engine engine,
                                      @Value("${mmsearch.security.api-keys-file:}") String apiKeysFile,
                                      @Value("${mmsearch.security.protect-reads:false}") boolean protectReads,
                                      @Value("${mmsearch.security.open-admin:false}") boolean openAdmin,
                                      @Value("${mmsearch.security.rate-limit.per-second:50}") double perSecond,
                                      @Value("${mmsearch.security.rate-limit.burst:100}") int burst,
                                      @Value("${mmsearch.security.rate-limit.max-clients:100000}") int maxClients,
                                      @Value("${mmsearch.security.max-json-body:1MB}") DataSize maxJsonBody,
                                      @Value("${mmsearch.security.json.max-nesting-depth:64}") int maxDepth) {
        boolean explicit = !apiKeysFile.isBlank();
        Path file = explicit ? Path.of(apiKeysFile).toAbsolutePath()
                : engine.dataDirectory().root().resolve(ApiKeys.DEFAULT_FILE_NAME).toAbsolutePath();
        if (explicit && !Files.isRegularFile(file)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "mmsearch.security.api-keys-file names " + file
                    + ", which is not a file; create it with `mmsearch keys add NAME --file " + file + "`");
        }
        if (perSecond < 0 || burst < 1 || maxClients < 1 || maxJsonBody.toBytes() < 1 || maxDepth < 1) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "mmsearch.security: rate-limit.per-second must be"
                    + " >= 0 and burst, max-clients, max-json-body and json.max-nesting-depth >= 1");
        }
        return new SecuritySettings(file, explicit, protectReads, openAdmin, perSecond, burst, maxClients,
                maxJsonBody.toBytes(), maxDepth);
    }

    @Bean
    ApiKeyStore apiKeyStore(SecuritySettings settings) {
        ApiKeyStore store = new ApiKeyStore(settings.apiKeysFile());
        if (settings.protectReads() && store.keys().isEmpty()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "mmsearch.security.protect-reads=true needs API"
                    + " keys, and " + settings.apiKeysFile() + " has none; run `mmsearch keys add NAME` first");
        }
        int keys = store.keys().names().size();
        org.slf4j.LoggerFactory.getLogger(SecurityConfiguration.class).info(
                "security admin={} reads={} keys={} keyFile={} rateLimit={}/s burst={} maxJsonBytes={} maxJsonDepth={}",
                keys > 0 ? "keyed" : settings.openAdmin() ? "OPEN (open-admin=true)" : "closed (no keys)",
                settings.protectReads() ? "keyed" : "open", keys, settings.apiKeysFile(),
                settings.ratePerSecond() > 0 ? settings.ratePerSecond() : "off", settings.rateBurst(),
                settings.maxJsonBytes(), settings.maxJsonDepth());
        return store;
    }

    @Bean
    RateLimiter rateLimiter(SecuritySettings settings, MeterRegistry meters) {
        RateLimiter limiter = new RateLimiter(settings.ratePerSecond(), settings.rateBurst(), settings.rateMaxClients(),
                System::nanoTime);
        Gauge.builder("mmsearch.security.rate_limit.clients", limiter, RateLimiter::clients)
                .description("Clients with a rate-limit bucket in memory").register(meters);
        return limiter;
    }

    @Bean
    FilterRegistrationBean<SecurityHeadersFilter> securityHeadersFilter() {
        FilterRegistrationBean<SecurityHeadersFilter> registration = new FilterRegistrationBean<>(new SecurityHeadersFilter());
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        registration.addUrlPatterns("/*");
        return registration;
    }

    @Bean
    FilterRegistrationBean<ApiGuardFilter> apiGuardFilter(SecuritySettings settings, ApiKeyStore keys,
                                                          RateLimiter rateLimiter, MeterRegistry meters) {
        FilterRegistrationBean<ApiGuardFilter> registration = new FilterRegistrationBean<>(
                new ApiGuardFilter(settings, keys, rateLimiter, meters));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 5);
        registration.addUrlPatterns("/*");
        return registration;
    }

    /**
     * Replaces the error report valve Spring Boot puts on Tomcat's host with {@link JsonErrorReportValve}, so even
     * requests Tomcat refuses before the application (bad URI encoding, oversized request line) get JSON.
     */
    @Bean
    org.springframework.boot.web.server.WebServerFactoryCustomizer<org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory>
    jsonErrorReportValveCustomizer() {
        return new JsonValveCustomizer();
    }

    /** Runs after Boot's own customizer, whose context customizer adds the HTML valve that this one swaps out. */
    static final class JsonValveCustomizer implements org.springframework.boot.web.server.WebServerFactoryCustomizer<
            org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory>, Ordered {
        @Override
        public void customize(org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory factory) {
            factory.addContextCustomizers(context -> {
                org.apache.catalina.Container host = context.getParent();
                for (org.apache.catalina.Valve valve : host.getPipeline().getValves()) {
                    if (valve instanceof org.apache.catalina.valves.ErrorReportValve) {
                        host.getPipeline().removeValve(valve);
                    }
                }
                if (host instanceof org.apache.catalina.core.StandardHost standardHost) {
                    standardHost.setErrorReportValveClass(JsonErrorReportValve.class.getName());
                }
                host.getPipeline().addValve(new JsonErrorReportValve());
            });
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }

    /**
     * The JSON mapper builder Spring MVC's mapper is made from, over a parser with tight limits (nesting depth,
     * string, number and name lengths, token count, document length); Spring Boot's own customisers (the
     * {@code spring.jackson.*} properties) are applied to it as usual. Replaces Boot's builder because stream read
     * constraints belong to the JsonFactory, which a {@link JsonMapperBuilderCustomizer} cannot swap.
     */
    @Bean
    @Scope("prototype")
    JsonMapper.Builder limitedJsonMapperBuilder(SecuritySettings settings,
                                                ObjectProvider<JsonMapperBuilderCustomizer> customizers) {
        long maxBytes = settings.maxJsonBytes();
        StreamReadConstraints constraints = StreamReadConstraints.builder()
                .maxNestingDepth(settings.maxJsonDepth())
                .maxDocumentLength(maxBytes)
                .maxStringLength((int) Math.min(Integer.MAX_VALUE, maxBytes))
                .maxNumberLength(100)
                .maxNameLength(256)
                .maxTokenCount(Math.max(1000, maxBytes / 8))
                .build();
        JsonMapper.Builder builder = JsonMapper.builder(JsonFactory.builder().streamReadConstraints(constraints).build());
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return builder;
    }
}
