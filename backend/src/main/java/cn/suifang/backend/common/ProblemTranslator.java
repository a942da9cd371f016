package cn.suifang.backend.common;

import java.net.URI;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.bind.support.WebExchangeBindException;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.NotAcceptableStatusException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * The one place that turns failures into RFC 7807 {@code application/problem+json}.
 * Every problem has a stable {@code type} (a relative URI under /problems/), a {@code code},
 * a Chinese {@code detail} a person can act on, and for bad input the {@code errors} by field.
 * Internals (SQL, stack traces, class names) never leave the server.
 */
@RestControllerAdvice
public class ProblemTranslator {

    private static final Logger log = LoggerFactory.getLogger(ProblemTranslator.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ProblemDetail> api(ApiException e) {
        ResponseEntity<ProblemDetail> response = problem(e.status(), e.type(), e.code(), e.getMessage(), e.errors());
        if (e.retryAfter() == null) {
            return response;
        }
        return ResponseEntity.status(response.getStatusCode()).headers(response.getHeaders())
                .header("Retry-After", Long.toString(Math.max(1, e.retryAfter().toSeconds())))
                .body(response.getBody());
    }

    /** Refusals of the mini-program module (codes 27xx), in the same problem format. */
    @ExceptionHandler(cn.suifang.miniapp.MiniappException.class)
    ResponseEntity<ProblemDetail> miniapp(cn.suifang.miniapp.MiniappException e) {
        ApiException api = new ApiException(e.status(), e.type(), e.code(), e.getMessage(), e.field() == null ? List.of()
                : List.of(new ApiException.FieldProblem(e.field(), e.getMessage())));
        return api(e.retryAfter() == null ? api : api.withRetryAfter(e.retryAfter()));
    }

    @ExceptionHandler(WebExchangeBindException.class)
    ResponseEntity<ProblemDetail> validation(WebExchangeBindException e) {
        List<ApiException.FieldProblem> errors = e.getFieldErrors().stream()
                .map(f -> new ApiException.FieldProblem(f.getField(), f.getDefaultMessage()))
                .toList();
        String detail = "请求内容有误：" + errors.stream()
                .map(f -> f.field() + " " + f.message()).collect(Collectors.joining("；"));
        return problem(HttpStatus.BAD_REQUEST, "invalid-input", "SF-1001", detail, errors);
    }

    /** A constraint on a request parameter or path variable ({@code @Max} on {@code limit}, {@code @Pattern} …). */
    @ExceptionHandler(jakarta.validation.ConstraintViolationException.class)
    ResponseEntity<ProblemDetail> parameter(jakarta.validation.ConstraintViolationException e) {
        List<ApiException.FieldProblem> errors = e.getConstraintViolations().stream()
                .map(v -> new ApiException.FieldProblem(lastNode(v.getPropertyPath().toString()), v.getMessage()))
                .sorted(java.util.Comparator.comparing(ApiException.FieldProblem::field))
                .toList();
        String detail = "请求参数有误：" + errors.stream()
                .map(f -> f.field() + " " + f.message()).collect(Collectors.joining("；"));
        return problem(HttpStatus.BAD_REQUEST, "invalid-input", "SF-1013", detail, errors);
    }

    /** "myTasks.limit" → "limit": the parameter, not the Java method. */
    private static String lastNode(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }

    @ExceptionHandler(ServerWebInputException.class)
    ResponseEntity<ProblemDetail> input(ServerWebInputException e) {
        Throwable cause = e.getCause();
        while (cause != null && !(cause instanceof JacksonException) && cause.getCause() != cause) {
            if (cause instanceof DataBufferLimitException limit) {
                return tooLarge();
            }
            cause = cause.getCause();
        }
        if (cause instanceof JacksonException json) {
            String field = json.getPath().isEmpty() ? "(body)" : pathOf(json);
            String message;
            if (json instanceof UnrecognizedPropertyException) {
                message = "不认识的字段";
            } else if (json instanceof InvalidFormatException fmt && fmt.getTargetType() != null
                    && fmt.getTargetType().isEnum()) {
                message = "取值不在允许范围内，可选：" + java.util.Arrays.toString(fmt.getTargetType().getEnumConstants());
            } else if (json instanceof InvalidFormatException fmt && fmt.getTargetType() != null) {
                message = "格式不正确，应为 " + typeName(fmt.getTargetType());
            } else if (json.getPath().isEmpty()) {
                message = "不是合法的 JSON";
            } else {
                message = "类型或格式不正确";
            }
            return problem(HttpStatus.BAD_REQUEST, "invalid-input", "SF-1002",
                    "请求内容有误：" + field + " " + message, List.of(new ApiException.FieldProblem(field, message)));
        }
        String param = e.getMethodParameter() != null ? e.getMethodParameter().getParameterName() : null;
        String detail = param != null ? "参数 " + param + " 缺失或格式不正确" : "请求内容缺失或格式不正确";
        return problem(HttpStatus.BAD_REQUEST, "invalid-input", "SF-1003", detail,
                param != null ? List.of(new ApiException.FieldProblem(param, "缺失或格式不正确")) : List.of());
    }

    @ExceptionHandler(DataBufferLimitException.class)
    ResponseEntity<ProblemDetail> limit(DataBufferLimitException e) {
        return tooLarge();
    }

    @ExceptionHandler(DecodingException.class)
    ResponseEntity<ProblemDetail> decoding(DecodingException e) {
        return problem(HttpStatus.BAD_REQUEST, "invalid-input", "SF-1005", "请求内容无法解析", List.of());
    }

    @ExceptionHandler(UnsupportedMediaTypeStatusException.class)
    ResponseEntity<ProblemDetail> mediaType(UnsupportedMediaTypeStatusException e) {
        return problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "SF-1006",
                "不支持的内容类型，支持：" + e.getSupportedMediaTypes(), List.of());
    }

    /** The client asked for a type the endpoint does not produce, e.g. JSON from the PDF report. */
    @ExceptionHandler(NotAcceptableStatusException.class)
    ResponseEntity<ProblemDetail> notAcceptable(NotAcceptableStatusException e) {
        return problem(HttpStatus.NOT_ACCEPTABLE, "not-acceptable", "SF-1012",
                "无法按请求的格式返回：该接口返回 " + e.getSupportedMediaTypes() + "，请在 Accept 请求头中包含它", List.of());
    }

    @ExceptionHandler(MethodNotAllowedException.class)
    ResponseEntity<ProblemDetail> method(MethodNotAllowedException e) {
        return problem(HttpStatus.METHOD_NOT_ALLOWED, "method-not-allowed", "SF-1007", "不支持该请求方法", List.of());
    }

    @ExceptionHandler(ResponseStatusException.class)
    ResponseEntity<ProblemDetail> status(ResponseStatusException e) {
        HttpStatusCode status = e.getStatusCode();
        if (status.value() == 404) {
            return problem(status, "not-found", "SF-1008", "请求的资源不存在", List.of());
        }
        return problem(status, "http-" + status.value(), "SF-1009",
                e.getReason() != null ? e.getReason() : "请求无法处理", List.of());
    }

    @ExceptionHandler(OptimisticLockingFailureException.class)
    ResponseEntity<ProblemDetail> concurrent(OptimisticLockingFailureException e) {
        return problem(HttpStatus.CONFLICT, "concurrent-change", "SF-1010",
                "该记录刚被他人修改，请刷新后重试", List.of());
    }

    @ExceptionHandler(DataIntegrityViolationException.class)
    ResponseEntity<ProblemDetail> integrity(DataIntegrityViolationException e) {
        log.warn("integrity violation: {}", e.getClass().getSimpleName());
        return problem(HttpStatus.CONFLICT, "conflict", "SF-1011", "数据与已有记录冲突，请检查后重试", List.of());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e, ServerWebExchange exchange) {
        log.error("unexpected failure on {} {}", exchange.getRequest().getMethod(),
                LogSafe.of(exchange.getRequest().getPath().value()), e);
        return problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal-error", "SF-1000",
                "系统内部错误，请稍后重试；如持续出现请联系信息科并提供请求时间", List.of());
    }

    private ResponseEntity<ProblemDetail> tooLarge() {
        return problem(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "SF-1004",
                "请求内容过大；大批量导入请分批或使用 CSV 文件导入", List.of());
    }

    static ResponseEntity<ProblemDetail> problem(HttpStatusCode status, String type, String code, String detail,
                                                 List<ApiException.FieldProblem> errors) {
        ProblemDetail pd = ProblemDetail.forStatusAndDetail(status, detail);
        pd.setType(URI.create("/problems/" + type));
        pd.setTitle(titleOf(status));
        pd.setProperty("code", code);
        if (!errors.isEmpty()) {
            pd.setProperty("errors", errors);
        }
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(pd);
    }

    private static String titleOf(HttpStatusCode status) {
        return switch (status.value()) {
            case 400 -> "请求内容有误";
            case 401 -> "未登录或登录已过期";
            case 403 -> "没有权限";
            case 404 -> "未找到";
            case 409 -> "冲突";
            case 413 -> "请求内容过大";
            case 415 -> "不支持的内容类型";
            case 429 -> "请求过于频繁";
            default -> status.is5xxServerError() ? "系统错误" : "请求无法处理";
        };
    }

    private static String pathOf(JacksonException e) {
        StringBuilder sb = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String typeName(Class<?> type) {
        if (type == java.time.LocalDate.class) {
            return "日期 yyyy-MM-dd";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "数字";
        }
        return type.getSimpleName();
    }
}
