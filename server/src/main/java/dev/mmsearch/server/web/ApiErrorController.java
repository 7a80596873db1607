package dev.mmsearch.server.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Errors that happen outside Spring MVC's handlers (the servlet container's own rejections, failures in
 * filters) are forwarded to {@code /error}; this answers them with the same {@code {code, message}} JSON as
 * {@link ApiErrorHandler}, without stack traces, exception names or server versions. Replaces Boot's
 * BasicErrorController.
 */
@RestController
class ApiErrorController implements ErrorController {

    @RequestMapping(path = "${server.error.path:/error}", produces = MediaType.ALL_VALUE)
    ResponseEntity<ApiError> error(HttpServletRequest request) {
        Object attribute = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = attribute instanceof Integer code ? code : 404;
        HttpStatus resolved = HttpStatus.resolve(status);
        if (resolved == null || status < 400) {
            resolved = status < 400 ? HttpStatus.NOT_FOUND : HttpStatus.INTERNAL_SERVER_ERROR;
        }
        String code = switch (resolved.value()) {
            case 400 -> "bad_request";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "payload_too_large";
            case 415 -> "unsupported_media_type";
            case 429 -> "rate_limited";
            default -> resolved.is5xxServerError() ? "internal" : "bad_request";
        };
        String message = resolved.value() == 404 && attribute == null ? "no such endpoint: /error"
                : "request refused: " + resolved.getReasonPhrase().toLowerCase(java.util.Locale.ROOT)
                + (resolved.is5xxServerError() ? "; see the server log" : "");
        return ResponseEntity.status(resolved).contentType(MediaType.APPLICATION_JSON).body(new ApiError(code, message));
    }
}
