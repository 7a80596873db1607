package dev.mmsearch.server.security;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Sorts requests into what they need. Deny by default: any method other than GET/HEAD/OPTIONS is
 * {@link Access#ADMIN} unless its raw path is exactly the search or the feedback endpoint; reads are
 * {@link Access#READ} unless the raw path is one of the UI's static files (its modules included) or the health probe. Raw (undecoded,
 * unnormalised) paths are matched on purpose: a path with {@code ..}, {@code %}, {@code ;} or {@code //} matches
 * no exception and so gets the stricter rule.
 */
public final class AccessRules {
    /** What a request needs. */
    public enum Access {
        /** Open to everyone: the UI's static files and the health probe. */
        PUBLIC,
        /** Reading data: open unless {@code mmsearch.security.protect-reads=true}. */
        READ,
        /** Changing something (re-index, and any future write or admin endpoint): always keyed. */
        ADMIN
    }

    private static final Pattern SEARCH = Pattern.compile("/api/v1/collections/[a-z0-9][a-z0-9_-]{0,63}/search");
    private static final Set<String> PUBLIC_PATHS = Set.of("/", "/index.html", "/app.js", "/style.css",
            "/favicon.ico", "/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness");
    /** The UI's ES modules that app.js imports: {@code /js/<lower-case name>.js}, one level, nothing else. */
    private static final Pattern UI_MODULE = Pattern.compile("/js/[a-z][a-z0-9-]{0,63}\\.js");

    private AccessRules() {
    }

    /** @param rawPath the request URI without query string and context path, as sent (not decoded) */
    public static Access classify(String method, String rawPath) {
        String m = method == null ? "" : method;
        String path = rawPath == null ? "" : rawPath;
        if (m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS")) {
            return PUBLIC_PATHS.contains(path) || UI_MODULE.matcher(path).matches() ? Access.PUBLIC : Access.READ;
        }
        if (m.equals("POST") && (SEARCH.matcher(path).matches() || path.equals("/api/v1/feedback"))) {
            return Access.READ;
        }
        return Access.ADMIN;
    }
}
