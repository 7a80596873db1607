package dev.mmsearch.server.security;

import dev.mmsearch.core.Json;
import dev.mmsearch.server.web.ApiError;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;

/**
 * Tomcat's error page for requests it refuses before any application code runs (a URI with an encoded slash,
 * NUL or backslash, invalid %-encoding, a request line or headers over the limit): the same {@code {code,
 * message}} JSON as the API, and nothing about the server (Tomcat's own page is HTML and names Tomcat).
 */
public class JsonErrorReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        String code = switch (status) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "payload_too_large";
            case 414 -> "uri_too_long";
            case 431 -> "headers_too_large";
            default -> status >= 500 ? "internal" : "bad_request";
        };
        org.springframework.http.HttpStatus known = org.springframework.http.HttpStatus.resolve(status);
        String reason = known == null ? null : known.getReasonPhrase();
        String message = "request refused by the HTTP server: " + (reason == null ? "status " + status
                : reason.toLowerCase(Locale.ROOT)) + " (check the URL encoding, request line and header sizes)";
        try {
            byte[] body = Json.MAPPER.writeValueAsBytes(new ApiError(code, message));
            response.setHeader("Content-Security-Policy", SecurityHeadersFilter.CSP);
            response.setHeader("X-Content-Type-Options", "nosniff");
            response.setHeader("Referrer-Policy", "no-referrer");
            response.setHeader("X-Frame-Options", "DENY");
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            response.setContentLength(body.length);
            OutputStream out = response.getOutputStream();
            out.write(body);
            response.finishResponse();
        } catch (IOException | IllegalStateException e) {
            // The client went away or the response cannot be written: nothing more to do.
        }
    }
}
