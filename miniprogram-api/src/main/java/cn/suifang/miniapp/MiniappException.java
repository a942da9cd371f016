package cn.suifang.miniapp;

import java.time.Duration;
import org.springframework.http.HttpStatus;

/**
 * A refusal a patient (or the mini-program's developers) can act on; the host turns it into an RFC 7807 problem with
 * the stable {@code SF-} code and, for 429/503, a {@code Retry-After}. Codes 27xx belong to this module.
 */
public class MiniappException extends RuntimeException {

    private final HttpStatus status;
    private final String type;
    private final int code;
    private final String field;
    private final Duration retryAfter;

    public MiniappException(HttpStatus status, String type, int code, String detail, String field, Duration retryAfter) {
        super(detail);
        this.status = status;
        this.type = type;
        this.code = code;
        this.field = field;
        this.retryAfter = retryAfter;
    }

    public static MiniappException of(HttpStatus status, String type, int code, String detail) {
        return new MiniappException(status, type, code, detail, null, null);
    }

    public static MiniappException badRequest(int code, String field, String detail) {
        return new MiniappException(HttpStatus.BAD_REQUEST, "invalid-input", code, detail, field, null);
    }

    public HttpStatus status() {
        return status;
    }

    public String type() {
        return type;
    }

    public int code() {
        return code;
    }

    public String field() {
        return field;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
