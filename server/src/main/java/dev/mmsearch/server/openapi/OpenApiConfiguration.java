package dev.mmsearch.server.openapi;

import dev.mmsearch.server.security.AccessRules;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI 3 description of the REST API (springdoc reads the controllers; {@code /v3/api-docs}, Swagger UI at
 * {@code /swagger-ui}). Added here: the API-key security schemes, which operations need a key (the same
 * {@link AccessRules} the server enforces), and the JSON error answer every operation may give. The server URL is
 * relative, so the spec does not depend on the port it was read from (it is committed as {@code docs/openapi.json}).
 */
@Configuration
class OpenApiConfiguration {
    static {
        // Request fields typed as a JSON tree (a filter, passage options) are free-form JSON objects in the spec.
        org.springdoc.core.utils.SpringDocUtils.getConfig()
                .replaceWithSchema(tools.jackson.databind.JsonNode.class, new io.swagger.v3.oas.models.media.ObjectSchema())
                .replaceWithSchema(tools.jackson.databind.node.ObjectNode.class,
                        new io.swagger.v3.oas.models.media.ObjectSchema())
                // Written through their @JsonValue toJson(): their JSON forms, described by the README.
                .replaceWithSchema(dev.mmsearch.core.PassageOptions.class, new io.swagger.v3.oas.models.media.ObjectSchema()
                        .description("{\"field\", \"window\", \"overlap\", \"maxPassages\"}"))
                .replaceWithSchema(dev.mmsearch.core.VectorField.class, new io.swagger.v3.oas.models.media.ObjectSchema()
                        .description("{\"name\", \"embed\" or \"imageField\", \"model\": {\"modelId\", \"checksum\","
                                + " \"dimension\", \"metric\"}}"));
    }

    static final String BEARER = "apiKey";
    static final String HEADER = "apiKeyHeader";
    static final String ERROR_SCHEMA = "ApiError";

    /** Error answers every operation may give, and what they mean. */
    private static final Map<String, String> ERRORS = Map.of(
            "400", "Bad request: invalid_argument, empty_query, bad_request (the message says what is wrong)",
            "404", "collection_not_found, not_found or model_not_found",
            "409", "model_mismatch, collection_exists or version_conflict",
            "413", "payload_too_large",
            "429", "Rate limited: retry after the Retry-After header's seconds",
            "503", "not_ready, collection_unavailable or overloaded (with Retry-After)");

    @Bean
    OpenAPI mmsearchOpenApi() {
        return new OpenAPI()
                .info(new Info().title("mmsearch API").version("v1")
                        .description("Multimodal semantic search: collections, documents, search, experiments. Errors"
                                + " are JSON {code, message}. Writes and re-index need an API key (mmsearch keys add"
                                + " NAME), as a bearer token or in X-API-Key.")
                        .license(new License().name("Apache-2.0")))
                .servers(List.of(new Server().url("/").description("this server")))
                .components(new Components()
                        .addSecuritySchemes(BEARER, new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                                .description("Authorization: Bearer KEY"))
                        .addSecuritySchemes(HEADER, new SecurityScheme().type(SecurityScheme.Type.APIKEY)
                                .in(SecurityScheme.In.HEADER).name("X-API-Key"))
                        .addSchemas(ERROR_SCHEMA, new Schema<>().type("object")
                                .addProperty("code", new Schema<>().type("string").example("invalid_argument"))
                                .addProperty("message", new Schema<>().type("string"))
                                .required(List.of("code", "message"))));
    }

    /** Marks keyed operations and adds the error answers, from the server's own access rules. */
    @Bean
    OpenApiCustomizer accessAndErrors() {
        return openApi -> openApi.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, op) -> {
            String concrete = path.replaceAll("\\{[^}]+}", "x");
            AccessRules.Access access = AccessRules.classify(method.name(), concrete);
            if (access == AccessRules.Access.ADMIN) {
                op.addSecurityItem(new SecurityRequirement().addList(BEARER));
                op.addSecurityItem(new SecurityRequirement().addList(HEADER));
                addError(op, "401", "unauthorized: no or a wrong API key");
                addError(op, "403", "forbidden: no API keys configured on this server");
            }
            ERRORS.forEach((code, text) -> addError(op, code, text));
        }));
    }

    private static void addError(Operation operation, String status, String description) {
        if (operation.getResponses().containsKey(status)) {
            return;
        }
        operation.getResponses().addApiResponse(status, new ApiResponse().description(description)
                .content(new Content().addMediaType("application/json", new MediaType()
                        .schema(new Schema<>().$ref("#/components/schemas/" + ERROR_SCHEMA)))));
    }
}
