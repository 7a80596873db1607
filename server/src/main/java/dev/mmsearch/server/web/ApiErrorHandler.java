package dev.mmsearch.server.web;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/** Turns every failure into {@code {code, message}} JSON with the HTTP status that fits. */
@RestControllerAdvice
class ApiErrorHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiErrorHandler.class);

    @ExceptionHandler(MmsearchException.class)
    ResponseEntity<ApiError> mmsearch(MmsearchException e) {
        ResponseEntity.BodyBuilder response = json(e.code().httpStatus());
        if (e.code() == ErrorCode.OVERLOADED) {
            // Expected under a burst, counted by mmsearch.search.rejected: no log line per refused request.
            response.header("Retry-After", "1");
        } else if (e.code() == ErrorCode.COLLECTION_UNAVAILABLE) {
            // Logged with its reason at startup (StoreVerification) or when first found: no stack trace per request.
            log.warn("request refused code={} reason={}", e.code().code(), e.getMessage());
        } else if (e.code().httpStatus() >= 500) {
            log.error("request failed code={}", e.code().code(), e);
        }
        return response.body(new ApiError(e.code().code(), e.getMessage()));
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ApiError> unreadable(HttpMessageNotReadableException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof RequestBodyTooLargeException tooLarge) {
                return answer(413, ErrorCode.PAYLOAD_TOO_LARGE.code(), tooLarge.getMessage()
                        + " (send images as multipart/form-data, up to 20 MB)");
            }
        }
        String detail = e.getMostSpecificCause().getMessage();
        if (detail != null) {
            detail = detail.lines().findFirst().orElse(detail);
            if (detail.length() > 300) {
                detail = detail.substring(0, 300) + "...";
            }
        }
        return answer(400, ErrorCode.BAD_REQUEST.code(), "request body is not valid JSON for this endpoint: " + detail);
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ApiError> mediaType(HttpMediaTypeNotSupportedException e) {
        return answer(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE.code(),
                "content type " + e.getContentType() + " is not supported here; send application/json (or"
                        + " multipart/form-data with an image to the search endpoint)");
    }

    @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
    ResponseEntity<ApiError> notAcceptable(HttpMediaTypeNotAcceptableException e) {
        return answer(406, "not_acceptable", "this endpoint answers application/json only");
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<ApiError> method(HttpRequestMethodNotSupportedException e) {
        return answer(405, "method_not_allowed", "method " + e.getMethod() + " is not allowed here; use "
                + e.getSupportedHttpMethods());
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<ApiError> noResource(NoResourceFoundException e) {
        return answer(404, ErrorCode.NOT_FOUND.code(), "no such endpoint or file: /" + e.getResourcePath());
    }

    @ExceptionHandler(org.springframework.web.multipart.MaxUploadSizeExceededException.class)
    ResponseEntity<ApiError> tooLarge(org.springframework.web.multipart.MaxUploadSizeExceededException e) {
        return answer(413, ErrorCode.PAYLOAD_TOO_LARGE.code(), "upload is larger than the limit of "
                + SearchBody.MAX_IMAGE_BYTES + " bytes");
    }

    @ExceptionHandler({org.springframework.web.multipart.MultipartException.class,
            org.springframework.web.bind.MissingServletRequestParameterException.class,
            org.springframework.web.multipart.support.MissingServletRequestPartException.class,
            org.springframework.web.method.annotation.MethodArgumentTypeMismatchException.class})
    ResponseEntity<ApiError> badForm(Exception e) {
        return answer(400, ErrorCode.BAD_REQUEST.code(), "malformed request: " + e.getMessage());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ApiError> unexpected(Exception e) {
        log.error("request failed unexpectedly", e);
        return answer(500, ErrorCode.INTERNAL.code(), "internal error: " + e.getClass().getSimpleName()
                + "; see the server log");
    }

    private static ResponseEntity<ApiError> answer(int status, String code, String message) {
        return json(status).body(new ApiError(code, message));
    }

    private static ResponseEntity.BodyBuilder json(int status) {
        return ResponseEntity.status(HttpStatus.valueOf(status)).contentType(MediaType.APPLICATION_JSON);
    }
}
