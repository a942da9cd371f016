package cn.suifang.backend.wecom;

import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.organisation.OrganisationService;
import cn.suifang.backend.security.SignInService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * Password-less sign-in from WeCom's workbench (OAuth2, snsapi_base): the H5 sends the member to WeCom's authorize
 * URL, WeCom redirects back with a one-time {@code code}, {@code auth/getuserinfo} turns it into the member's user
 * id, and an active staff member with that {@code wecom_user_id} gets our bearer token. Nobody is created here:
 * staff come from the contact sync or the administrator.
 */
@RestController
@RequestMapping("/api/auth/wecom")
@Validated
@Tag(name = "企业微信登录", description = "从企业微信工作台打开随访应用时免密登录（OAuth2）")
class WecomSignInController {

    private static final Logger log = LoggerFactory.getLogger(WecomSignInController.class);
    private static final String AUTHORIZE = "https://open.weixin.qq.com/connect/oauth2/authorize";
    private static final Duration RETRY_AFTER = Duration.ofSeconds(10);

    private final WecomClient wecom;
    private final OrganisationService organisation;
    private final SignInService signIn;
    private final DatabaseClient db;

    WecomSignInController(WecomClient wecom, OrganisationService organisation, SignInService signIn, DatabaseClient db) {
        this.wecom = wecom;
        this.organisation = organisation;
        this.signIn = signIn;
        this.db = db;
    }

    record Status(boolean enabled, String corpId, Integer agentId) {
    }

    record AuthorizeUrl(String url) {
    }

    record Login(@NotBlank @Pattern(regexp = "[A-Za-z0-9_-]{1,128}", message = "登录码格式不正确") String code) {
    }

    @GetMapping
    @Operation(summary = "企业微信登录是否可用", description = "未配置企业微信时 enabled=false，此时请用其他方式登录")
    Status status() {
        return wecom.enabled()
                ? new Status(true, wecom.config().corpId(), wecom.config().agentId())
                : new Status(false, null, null);
    }

    @GetMapping("/authorize-url")
    @Operation(summary = "企业微信授权地址", description = "H5 生成随机 state 并自行保存，跳转到返回的地址；企业微信带 code 与 state "
            + "回到 redirect（须在 suifang.wecom.app-url 之内，缺省为它本身）")
    AuthorizeUrl authorizeUrl(@RequestParam @Pattern(regexp = "[A-Za-z0-9_-]{8,64}", message = "state 须为 8–64 位字母数字") String state,
                              @RequestParam(required = false) String redirect) {
        wecom.service(); // 503 when WeCom is off
        String appUrl = wecom.config().appUrl();
        if (appUrl.isBlank()) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "wecom-not-configured", 2202,
                    "未配置随访应用的访问地址（suifang.wecom.app-url），无法发起企业微信登录，请联系信息科");
        }
        String target = redirect == null || redirect.isBlank() ? appUrl : redirect;
        if (!insideApp(target, appUrl)) {
            throw ApiException.badRequest(2203, "redirect", "登录后返回的地址必须在随访应用之内：" + appUrl);
        }
        return new AuthorizeUrl(AUTHORIZE + "?appid=" + enc(wecom.config().corpId()) + "&redirect_uri=" + enc(target)
                + "&response_type=code&scope=snsapi_base&state=" + state + "&agentid=" + wecom.config().agentId()
                + "#wechat_redirect");
    }

    @PostMapping("/login")
    @Operation(summary = "企业微信免密登录", description = "用企业微信回跳带来的一次性 code 换取令牌；code 5 分钟内有效且只能用一次")
    Mono<SignInService.TokenResponse> login(@Valid @RequestBody Login request) {
        return wecom.call("auth/getuserinfo", s -> s.getOauth2Service().getAuthUserInfo(request.code()))
                .onErrorMap(WecomException.class, WecomSignInController::loginFailure)
                .flatMap(info -> {
                    if (info.getUserId() == null || info.getUserId().isBlank()) {
                        return Mono.error(unauthorized(2205, "该微信身份不是本院企业微信成员，请用本院企业微信账号打开随访应用"));
                    }
                    return staffOf(info.getUserId());
                })
                .flatMap(p -> signIn.signIn(p, "LOGIN_WECOM"));
    }

    private Mono<cn.suifang.backend.security.Principal> staffOf(String userId) {
        return db.sql("SELECT id, active FROM staff WHERE wecom_user_id = :u")
                .bind("u", userId)
                .map(r -> new Object[] {r.get("id", Long.class), r.get("active", Boolean.class)})
                .one()
                .switchIfEmpty(Mono.error(() -> {
                    log.info("WeCom sign-in refused: member not registered as staff");
                    return unauthorized(2206, "您的企业微信账号尚未在随访系统登记，请联系科室管理员或信息科添加");
                }))
                .flatMap(row -> Boolean.TRUE.equals(row[1])
                        ? organisation.principalOf((Long) row[0])
                        : Mono.error(unauthorized(2207, "您的随访系统账号已停用，如需恢复请联系信息科")));
    }

    /** 40029 (invalid code) and 40163 (used) mean "open the app again"; busy or unreachable WeCom means "retry". */
    private static Throwable loginFailure(WecomException e) {
        if (e.isTransient()) {
            return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "wecom-unavailable", 2208,
                    "企业微信暂时无法响应，请稍后重试").withRetryAfter(RETRY_AFTER);
        }
        if (e.errcode() == 40029) {
            return unauthorized(2204, "登录码无效或已使用，请从企业微信工作台重新打开随访应用");
        }
        log.warn("WeCom sign-in failed: errcode {}", e.errcode());
        return new ApiException(HttpStatus.BAD_GATEWAY, "wecom-error", 2209,
                "企业微信返回错误（错误码 " + e.errcode() + "），请联系信息科检查应用配置");
    }

    private static ApiException unauthorized(int code, String detail) {
        return new ApiException(HttpStatus.UNAUTHORIZED, "unauthorized", code, detail);
    }

    /**
     * Same scheme, host and port as the app URL, and a path under its path; no fragment (WeCom appends
     * {@code ?code=…&state=…} to the redirect, which a hash route would swallow).
     */
    static boolean insideApp(String target, String appUrl) {
        try {
            URI t = URI.create(target).normalize();
            URI a = URI.create(appUrl).normalize();
            String appPath = a.getPath() == null || a.getPath().isEmpty() ? "/" : a.getPath();
            String base = appPath.endsWith("/") ? appPath : appPath + "/";
            String path = t.getPath() == null || t.getPath().isEmpty() ? "/" : t.getPath();
            return t.getScheme() != null && t.getScheme().equalsIgnoreCase(a.getScheme())
                    && t.getHost() != null && t.getHost().equalsIgnoreCase(a.getHost())
                    && t.getPort() == a.getPort() && t.getUserInfo() == null && t.getFragment() == null
                    && (path.equals(appPath) || path.startsWith(base));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
