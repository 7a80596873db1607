package dev.mmsearch.server.security;

import dev.mmsearch.core.Json;
import dev.mmsearch.server.web.ApiError;
import dev.mmsearch.server.web.RequestBodyTooLargeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The gate in front of every endpoint, in this order: per-client rate limit (429 {@code rate_limited} with
 * {@code Retry-After}), API key where {@link AccessRules} asks for one (401 {@code unauthorized} with
 * {@code WWW-Authenticate}, or 403 {@code forbidden} when no key is configured), and the body size of
 * non-multipart requests (413 {@code payload_too_large}). Keys come in {@code Authorization: Bearer KEY} or
 * {@code X-API-Key: KEY}. Rejections are counted in {@code mmsearch.security.rejections{reason}}.
 */
public final class ApiGuardFilter extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(ApiGuardFilter.class);
    /** Request attribute holding the name of the key that authenticated the request. */
    public static final String KEY_NAME_ATTRIBUTE = "mmsearch.apiKeyName";

    private final SecuritySettings settings;
    private final ApiKeyStore keys;
    private final RateLimiter rateLimiter;
    private final MeterRegistry meters;

    public ApiGuardFilter(SecuritySettings settings, ApiKeyStore keys, RateLimiter rateLimiter, MeterRegistry meters) {
        this.settings = settings;
        this.keys = keys;
        this.rateLimiter = rateLimiter;
        this.meters = meters;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String rawPath = request.getRequestURI().substring(request.getContextPath().length());
        AccessRules.Access access = AccessRules.classify(request.getMethod(), rawPath);
        String presented = presentedKey(request);
        Optional<String> keyName = presented == null ? Optional.empty() : keys.match(presented);

        String client = keyName.map(n -> "key:" + n).orElseGet(() -> "ip:" + request.getRemoteAddr());
        long waitNanos = rateLimiter.tryAcquire(client);
        if (waitNanos > 0) {
            long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
            response.setHeader("Retry-After", Long.toString(seconds));
            reject(response, 429, "rate_limited", "too many requests from this client (limit "
                    + settings.ratePerSecond() + "/s, burst " + settings.rateBurst() + "); retry after " + seconds + " s");
            return;
        }

        boolean needsKey = access == AccessRules.Access.ADMIN
                || (access == AccessRules.Access.READ && settings.protectReads());
        if (needsKey) {
            ApiKeys current = keys.keys();
            if (current.isEmpty()) {
                if (!(access == AccessRules.Access.ADMIN && settings.openAdmin())) {
                    reject(response, 403, "forbidden", "this endpoint needs an API key, and none is configured: run"
                            + " `mmsearch keys add NAME` (it writes " + keys.file() + ") or point"
                            + " mmsearch.security.api-keys-file at a file of 'name:sha256hex' lines, then send the key"
                            + " as 'Authorization: Bearer KEY'");
                    return;
                }
            } else if (keyName.isEmpty()) {
                response.setHeader("WWW-Authenticate", "Bearer realm=\"mmsearch\"");
                reject(response, 401, "unauthorized", presented == null
                        ? "this endpoint needs an API key: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY'"
                        : "the API key sent is not valid");
                return;
            }
            if (access == AccessRules.Access.ADMIN) {
                log.info("admin request method={} path={} key={} client={}", request.getMethod(), rawPath,
                        keyName.orElse("(open-admin)"), request.getRemoteAddr());
            }
        }
        keyName.ifPresent(n -> request.setAttribute(KEY_NAME_ATTRIBUTE, n));

        HttpServletRequest toPass = request;
        if (hasBody(request) && !isMultipart(request)) {
            long length = request.getContentLengthLong();
            if (length > settings.maxJsonBytes()) {
                reject(response, 413, "payload_too_large", "request body has " + length + " bytes; the limit is "
                        + settings.maxJsonBytes() + " (send images as multipart/form-data, up to 20 MB)");
                return;
            }
            toPass = new LimitedBodyRequest(request, settings.maxJsonBytes());
        }
        chain.doFilter(toPass, response);
    }

    private static String presentedKey(HttpServletRequest request) {
        String authorization = request.getHeader("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).strip();
        }
        String header = request.getHeader("X-API-Key");
        return header == null ? null : header.strip();
    }

    private static boolean hasBody(HttpServletRequest request) {
        return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
    }

    private static boolean isMultipart(HttpServletRequest request) {
        String type = request.getContentType();
        return type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/");
    }

    private void reject(HttpServletResponse response, int status, String code, String message) throws IOException {
        Counter.builder("mmsearch.security.rejections")
                .description("Requests refused by the API gate, by reason")
                .tag("reason", code)
                .register(meters).increment();
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        byte[] body = Json.MAPPER.writeValueAsBytes(new ApiError(code, message));
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** A request whose body stream fails with {@link RequestBodyTooLargeException} past {@code limit} bytes. */
    private static final class LimitedBodyRequest extends HttpServletRequestWrapper {
        private final long limit;
        private ServletInputStream stream;

        LimitedBodyRequest(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public synchronized ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new LimitedStream(super.getInputStream(), limit);
            }
            return stream;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            String encoding = getCharacterEncoding();
            return new BufferedReader(new InputStreamReader(getInputStream(),
                    encoding == null ? StandardCharsets.UTF_8 : java.nio.charset.Charset.forName(encoding)));
        }
    }

    private static final class LimitedStream extends ServletInputStream {
        private final ServletInputStream in;
        private final long limit;
        private long read;

        LimitedStream(ServletInputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws IOException {
            read += n;
            if (read > limit) {
                throw new RequestBodyTooLargeException(limit);
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}
