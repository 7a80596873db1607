package dev.mmsearch.server.security;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Security headers on every response, set before anything else runs so error answers carry them too: a CSP that
 * allows no inline script or style and no framing, no MIME sniffing, no referrer, no framing (for old browsers).
 */
public final class SecurityHeadersFilter implements Filter {
    /** The Content-Security-Policy header every response carries. */
    public static final String CSP = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
            + "script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    /**
     * The CSP of the Swagger UI pages ({@code /swagger-ui/...}) only: Swagger UI (React) sets inline style attributes,
     * so styles may be inline there; scripts stay same-origin files, and the app's own pages keep {@link #CSP}.
     */
    public static final String SWAGGER_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            + "script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (response instanceof HttpServletResponse http) {
            boolean swagger = request instanceof jakarta.servlet.http.HttpServletRequest r
                    && r.getRequestURI() != null && r.getRequestURI().startsWith("/swagger-ui/");
            http.setHeader("Content-Security-Policy", swagger ? SWAGGER_CSP : CSP);
            http.setHeader("X-Content-Type-Options", "nosniff");
            http.setHeader("Referrer-Policy", "no-referrer");
            http.setHeader("X-Frame-Options", "DENY");
            http.setHeader("Cross-Origin-Opener-Policy", "same-origin");
        }
        chain.doFilter(request, response);
    }
}
