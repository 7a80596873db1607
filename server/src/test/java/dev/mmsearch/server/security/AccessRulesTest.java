package dev.mmsearch.server.security;

import static dev.mmsearch.server.security.AccessRules.Access.ADMIN;
import static dev.mmsearch.server.security.AccessRules.Access.PUBLIC;
import static dev.mmsearch.server.security.AccessRules.Access.READ;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AccessRulesTest {
    @Test
    void writesAreAdminUnlessExactlySearchOrFeedback() {
        assertThat(AccessRules.classify("POST", "/api/v1/collections/docs/reindex")).isEqualTo(ADMIN);
        assertThat(AccessRules.classify("DELETE", "/api/v1/collections/docs")).isEqualTo(ADMIN);
        assertThat(AccessRules.classify("PUT", "/api/v1/experiments")).isEqualTo(ADMIN);
        assertThat(AccessRules.classify("POST", "/actuator/shutdown")).isEqualTo(ADMIN);
        assertThat(AccessRules.classify("POST", "/api/v1/models/load")).isEqualTo(ADMIN);
        assertThat(AccessRules.classify("PATCH", "/api/v1/collections/docs/search")).isEqualTo(ADMIN);
        assertThat(AccessRules.classify("POST", "/api/v1/collections/docs/search")).isEqualTo(READ);
        assertThat(AccessRules.classify("POST", "/api/v1/feedback")).isEqualTo(READ);
        // Tricks get the stricter rule
        assertThat(AccessRules.classify("POST", "/api/v1/collections/docs/search/../reindex")).isEqualTo(ADMIN);
        assertThat(AccessRules.classify("POST", "/api/v1/collections/docs/reindex;/search")).isEqualTo(ADMIN);
        assertThat(AccessRules.classify("POST", "/api/v1/collections/%2e%2e/search")).isEqualTo(ADMIN);
        assertThat(AccessRules.classify("POST", "//api/v1/feedback")).isEqualTo(ADMIN);
        assertThat(AccessRules.classify("post", "/api/v1/feedback")).isEqualTo(ADMIN);
        assertThat(AccessRules.classify(null, null)).isEqualTo(ADMIN);
    }

    @Test
    void readsAreReadExceptTheUiFilesAndHealth() {
        assertThat(AccessRules.classify("GET", "/api/v1/collections")).isEqualTo(READ);
        assertThat(AccessRules.classify("GET", "/api/v1/collections/docs/reindex")).isEqualTo(READ);
        assertThat(AccessRules.classify("GET", "/actuator/prometheus")).isEqualTo(READ);
        assertThat(AccessRules.classify("GET", "/")).isEqualTo(PUBLIC);
        assertThat(AccessRules.classify("GET", "/app.js")).isEqualTo(PUBLIC);
        assertThat(AccessRules.classify("GET", "/js/search.js")).isEqualTo(PUBLIC);
        assertThat(AccessRules.classify("GET", "/js/../actuator/prometheus")).isEqualTo(READ);
        assertThat(AccessRules.classify("GET", "/js/%2e%2e.js")).isEqualTo(READ);
        assertThat(AccessRules.classify("GET", "/js/a/b.js")).isEqualTo(READ);
        assertThat(AccessRules.classify("GET", "/js//search.js")).isEqualTo(READ);
        assertThat(AccessRules.classify("GET", "/js/search.js;x")).isEqualTo(READ);
        assertThat(AccessRules.classify("HEAD", "/actuator/health")).isEqualTo(PUBLIC);
        assertThat(AccessRules.classify("GET", "/actuator/health/../prometheus")).isEqualTo(READ);
    }
}
