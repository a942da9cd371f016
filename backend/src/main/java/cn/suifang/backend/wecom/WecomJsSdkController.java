package cn.suifang.backend.wecom;

import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * Signatures for WeCom's JS-SDK: {@code wx.config} (corp jsapi_ticket) and {@code wx.agentConfig} (the app's
 * agent_config ticket). Tickets are cached in Redis by WxJava's storage and refreshed under its Redisson lock, so
 * backend instances share them. Only pages of the Suifang app are signed.
 */
@RestController
@RequestMapping("/api/wecom")
@Tag(name = "企业微信 JS-SDK", description = "wx.config / wx.agentConfig 所需签名")
class WecomJsSdkController {

    private final WecomClient wecom;

    WecomJsSdkController(WecomClient wecom) {
        this.wecom = wecom;
    }

    record SignatureRequest(@NotBlank @Size(max = 1024) String url) {
    }

    record Signed(long timestamp, String nonceStr, String signature) {
    }

    record JsSdkSignatures(String corpId, int agentId, String url, Signed config, Signed agentConfig) {
    }

    @PostMapping("/js-signature")
    @Operation(summary = "JS-SDK 签名", description = "url 为当前页面地址（# 之后的部分不参与签名，会被去掉），须在随访应用之内")
    Mono<JsSdkSignatures> sign(@AuthenticationPrincipal Principal principal, @Valid @RequestBody SignatureRequest request) {
        principal.requireStaff();
        wecom.service(); // 503 when WeCom is off
        int hash = request.url().indexOf('#');
        String url = hash < 0 ? request.url() : request.url().substring(0, hash);
        String appUrl = wecom.config().appUrl();
        if (appUrl.isBlank() || !WecomSignInController.insideApp(url, appUrl)) {
            throw ApiException.badRequest(2210, "url", "只能为随访应用内的页面签名：" + appUrl);
        }
        return wecom.call("js-signature", s -> {
            var config = s.createJsapiSignature(url);
            var agent = s.createAgentJsapiSignature(url);
            return new JsSdkSignatures(wecom.config().corpId(), wecom.config().agentId(), url,
                    new Signed(config.getTimestamp(), config.getNonceStr(), config.getSignature()),
                    new Signed(agent.getTimestamp(), agent.getNonceStr(), agent.getSignature()));
        }).onErrorMap(WecomException.class, e -> e.isTransient()
                ? new ApiException(org.springframework.http.HttpStatus.SERVICE_UNAVAILABLE, "wecom-unavailable", 2211,
                        "企业微信暂时无法响应，请稍后重试").withRetryAfter(java.time.Duration.ofSeconds(10))
                : new ApiException(org.springframework.http.HttpStatus.BAD_GATEWAY, "wecom-error", 2212,
                        "企业微信返回错误（错误码 " + e.errcode() + "），请联系信息科检查应用配置"));
    }
}
