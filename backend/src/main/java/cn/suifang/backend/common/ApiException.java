package cn.suifang.backend.common;

import java.time.Duration;
import java.util.List;
import org.springframework.http.HttpStatus;

/**
 * A failure a caller can act on. {@code type} is a stable slug (documented in docs/api.md),
 * {@code code} a unique, grep-able number for the place in the code that threw it.
 * The detail is Chinese text for the doctor, nurse or integrator who reads it.
 */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String type;
    private final String code;
    private final List<FieldProblem> errors;
    private Duration retryAfter;

    public ApiException(HttpStatus status, String type, int code, String detail) {
        this(status, type, code, detail, List.of());
    }

    public ApiException(HttpStatus status, String type, int code, String detail, List<FieldProblem> errors) {
        super(detail);
        this.status = status;
        this.type = type;
        this.code = "SF-" + code;
        this.errors = List.copyOf(errors);
    }

    public HttpStatus status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public List<FieldProblem> errors() {
        return errors;
    }

    /** For 429 problems: the translator sends it as the {@code Retry-After} header (whole seconds). */
    public ApiException withRetryAfter(Duration after) {
        this.retryAfter = after;
        return this;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    public static ApiException notFound(int code, String detail) {
        return new ApiException(HttpStatus.NOT_FOUND, "not-found", code, detail);
    }

    public static ApiException badRequest(int code, String field, String detail) {
        return new ApiException(HttpStatus.BAD_REQUEST, "invalid-input", code, detail,
                List.of(new FieldProblem(field, detail)));
    }

    public static ApiException conflict(int code, String type, String detail) {
        return new ApiException(HttpStatus.CONFLICT, type, code, detail);
    }

    public static ApiException forbidden(int code, String detail) {
        return new ApiException(HttpStatus.FORBIDDEN, "forbidden", code, detail);
    }

    /** One field that was wrong, by its JSON path (e.g. {@code discharges[3].dischargeDate}). */
    public record FieldProblem(String field, String message) {
    }
}
