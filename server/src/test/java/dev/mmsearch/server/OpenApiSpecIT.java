package dev.mmsearch.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.server.security.SecurityHeadersFilter;
import dev.mmsearch.server.service.SearchService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAPI spec of the real server: every route of the API's controllers is in it, keyed operations say so, the
 * error schema is there, Swagger UI is served with its own CSP while the app keeps the strict one, and the committed
 * {@code docs/openapi.json} is the spec this build serves. After an API change, write it again with
 * {@code ./mvnw -o -pl server verify -Dit.test=OpenApiSpecIT -Dmmsearch.openapi.update=true} (the spec is always
 * written to {@code server/target/openapi.json} too).
 */
class OpenApiSpecIT {
    static final JsonMapper SORTED = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).enable(SerializationFeature.INDENT_OUTPUT).build();

    @TempDir
    static Path dataDir;
    static ConfigurableApplicationContext app;
    static String base;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        app = SearchService.start(new DataDirectory(dataDir), 0, new EngineOptions(1, 16));
        base = "http://127.0.0.1:" + SearchService.port(app);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode spec() throws Exception {
        HttpResponse<String> response = get("/v3/api-docs");
        assertThat(response.statusCode()).isEqualTo(200);
        return SORTED.readTree(response.body());
    }

    @Test
    void everyControllerRouteIsInTheSpec() throws Exception {
        JsonNode paths = spec().path("paths");
        RequestMappingHandlerMapping mapping = app.getBean("requestMappingHandlerMapping",
                RequestMappingHandlerMapping.class);
        List<String> missing = new ArrayList<>();
        int routes = 0;
        for (Map.Entry<RequestMappingInfo, HandlerMethod> entry : mapping.getHandlerMethods().entrySet()) {
            Class<?> controller = entry.getValue().getBeanType();
            if (!controller.getPackageName().equals("dev.mmsearch.server.web")
                    || controller.getSimpleName().equals("ApiErrorController")) {
                continue;
            }
            for (String pattern : entry.getKey().getPatternValues()) {
                for (var method : entry.getKey().getMethodsCondition().getMethods()) {
                    routes++;
                    if (!paths.path(pattern).has(method.name().toLowerCase(Locale.ROOT))) {
                        missing.add(method + " " + pattern + " (" + controller.getSimpleName() + ")");
                    }
                }
            }
        }
        assertThat(routes).as("API routes found").isGreaterThan(15);
        assertThat(missing).as("routes missing from /v3/api-docs").isEmpty();
        assertThat(paths.has("/error")).isFalse();
    }

    @Test
    void keyedOperationsAndErrorsAreDescribed() throws Exception {
        JsonNode spec = spec();
        assertThat(spec.path("components").path("securitySchemes").has("apiKey")).isTrue();
        assertThat(spec.path("components").path("securitySchemes").path("apiKeyHeader").path("name").asString())
                .isEqualTo("X-API-Key");
        JsonNode create = spec.path("paths").path("/api/v1/collections/{name}").path("put");
        assertThat(create.path("security").toString()).contains("apiKey");
        assertThat(create.path("responses").has("401")).isTrue();
        JsonNode search = spec.path("paths").path("/api/v1/collections/{name}/search").path("post");
        assertThat(search.has("security")).as("search is open").isFalse();
        assertThat(search.path("responses").path("400").path("content").path("application/json").path("schema")
                .path("$ref").asString()).isEqualTo("#/components/schemas/ApiError");
        assertThat(spec.path("components").path("schemas").path("SearchBody").path("properties").has("mix")).isTrue();
        assertThat(spec.path("servers").get(0).path("url").asString()).isEqualTo("/");
    }

    @Test
    void swaggerUiIsServedWithItsOwnCspAndTheAppKeepsTheStrictOne() throws Exception {
        HttpResponse<String> ui = get("/swagger-ui/index.html");
        assertThat(ui.statusCode()).isEqualTo(200);
        assertThat(ui.body()).contains("swagger-ui");
        assertThat(ui.headers().firstValue("Content-Security-Policy")).contains(SecurityHeadersFilter.SWAGGER_CSP);
        HttpResponse<String> page = get("/");
        assertThat(page.headers().firstValue("Content-Security-Policy")).contains(SecurityHeadersFilter.CSP);
        assertThat(SecurityHeadersFilter.CSP).doesNotContain("unsafe-inline");
    }

    @Test
    void theCommittedSpecIsTheOneThisBuildServes() throws Exception {
        String served = SORTED.writeValueAsString(spec()) + "\n";
        Files.writeString(Path.of("target", "openapi.json"), served);
        Path committed = Path.of("..", "docs", "openapi.json");
        if (Boolean.getBoolean("mmsearch.openapi.update")) {
            Files.writeString(committed, served);
        }
        assertThat(Files.exists(committed)).as(committed.toAbsolutePath() + " exists").isTrue();
        assertThat(Files.readString(committed))
                .as("docs/openapi.json is stale: run ./mvnw -o -pl server verify -Dit.test=OpenApiSpecIT"
                        + " -Dmmsearch.openapi.update=true and commit it")
                .isEqualTo(served);
    }
}
