package cn.suifang.backend.wecom;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.redisson.api.RedissonReactiveClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * WeCom's callback URL (接收事件服务器). Every request is checked before anything is done: the signature
 * (Token), the AES decryption, the receive id (our corp), the timestamp (±5 min) and that the same message was not
 * processed before (remembered in Redis, shared by instances). Contact changes and failed customer transfers go to
 * every {@link WecomContactListener} in order; WeCom gets {@code success} only when all of them completed, so a failure
 * makes it deliver again.
 */
@RestController
@RequestMapping("/api/wecom/callback")
@Tag(name = "企业微信回调", description = "企业微信“接收事件服务器”地址：通讯录变更、客户转接失败等事件")
class WecomCallbackController {

    private static final Logger log = LoggerFactory.getLogger(WecomCallbackController.class);
    static final Duration MAX_SKEW = Duration.ofMinutes(5);
    static final int MAX_BODY = 64 * 1024;

    private final WecomClient wecom;
    private final List<WecomContactListener> listeners;
    private final RedissonReactiveClient redis;
    private final AuditService audit;
    private final SuifangProperties properties;
    private final Clock clock;

    WecomCallbackController(WecomClient wecom, List<WecomContactListener> listeners, RedissonReactiveClient redis,
                            AuditService audit, SuifangProperties properties, Clock clock) {
        this.wecom = wecom;
        this.listeners = listeners; // Spring sorts a List injection by @Order
        this.redis = redis;
        this.audit = audit;
        this.properties = properties;
        this.clock = clock;
    }

    @GetMapping(produces = MediaType.TEXT_PLAIN_VALUE)
    @Operation(summary = "回调地址校验", description = "企业微信保存回调配置时调用：校验签名、解密 echostr 并原样返回明文")
    String verify(@RequestParam("msg_signature") String signature, @RequestParam String timestamp,
                  @RequestParam String nonce, @RequestParam String echostr) {
        WecomCallbackCrypto crypto = crypto();
        checkTime(timestamp);
        if (!crypto.signatureMatches(signature, timestamp, nonce, echostr)) {
            throw rejected(2307, "签名校验失败（请核对 Token 与 EncodingAESKey）");
        }
        try {
            return crypto.decrypt(echostr);
        } catch (WecomCallbackCrypto.Rejected e) {
            throw rejected(2308, "无法解密或不是发给本企业的消息（请核对企业ID与 EncodingAESKey）");
        }
    }

    @PostMapping(produces = MediaType.TEXT_PLAIN_VALUE)
    @Operation(summary = "接收事件", description = "通讯录成员离职/调整部门、客户转接失败等；处理完成返回 success")
    Mono<String> receive(@RequestParam("msg_signature") String signature, @RequestParam String timestamp,
                         @RequestParam String nonce, @RequestBody String body) {
        WecomCallbackCrypto crypto = crypto();
        if (body.length() > MAX_BODY) {
            throw new ApiException(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", 2305, "回调内容过大");
        }
        checkTime(timestamp);
        Map<String, String> event;
        try {
            String encrypted = WecomCallbackCrypto.fields(body).get("Encrypt");
            if (encrypted == null || !crypto.signatureMatches(signature, timestamp, nonce, encrypted)) {
                throw rejected(2302, "签名校验失败");
            }
            event = WecomCallbackCrypto.fields(crypto.decrypt(encrypted));
        } catch (WecomCallbackCrypto.Rejected e) {
            throw rejected(2303, "无法解密或不是发给本企业的消息");
        }
        String kind = event.getOrDefault("Event", "") + "/" + event.getOrDefault("ChangeType", "");
        var seen = redis.<String>getBucket(properties.redis().keyPrefix() + ":wecom:callback:" + signature.toLowerCase(),
                StringCodec.INSTANCE);
        return seen.setIfAbsent("1", MAX_SKEW.multipliedBy(2))
                .flatMap(first -> {
                    if (!first) {
                        return Mono.error(new ApiException(HttpStatus.CONFLICT, "callback-replayed", 2304,
                                "该回调已处理过（重放的请求不会再次执行）"));
                    }
                    return route(event)
                            .then(audit.record(Principal.SYSTEM, "WECOM_CALLBACK", "wecom_event", kind, List.of(), null))
                            .thenReturn("success")
                            // not done: forget it, so WeCom's next delivery is processed
                            .onErrorResume(e -> seen.delete().then(Mono.error(e)));
                });
    }

    private Mono<Void> route(Map<String, String> e) {
        String event = e.getOrDefault("Event", "");
        String change = e.getOrDefault("ChangeType", "");
        String user = e.get("UserID");
        return switch (event + "/" + change) {
            case "change_contact/create_user" -> each(l -> l.memberChanged(user));
            case "change_contact/update_user" -> each(l -> l.memberChanged(user))
                    .then(e.containsKey("Department") ? each(l -> l.memberDepartmentsChanged(user, ids(e.get("Department"))))
                            : Mono.empty());
            case "change_contact/delete_user" -> each(l -> l.memberDeleted(user));
            case "change_contact/create_party", "change_contact/update_party", "change_contact/delete_party" ->
                    each(WecomContactListener::departmentsChanged);
            case "change_external_contact/transfer_fail" ->
                    each(l -> l.customerTransferFailed(user, e.get("ExternalUserID"), e.get("FailReason")));
            default -> {
                log.debug("WeCom callback {}/{} ignored", event, change);
                yield Mono.empty();
            }
        };
    }

    private Mono<Void> each(java.util.function.Function<WecomContactListener, Mono<Void>> call) {
        return Flux.fromIterable(listeners).concatMap(call).then();
    }

    private static List<Long> ids(String departments) {
        return Arrays.stream(departments.split(",")).map(String::strip).filter(s -> s.matches("\\d{1,18}"))
                .map(Long::valueOf).toList();
    }

    private WecomCallbackCrypto crypto() {
        var c = wecom.config();
        if (!wecom.enabled() || c.token().isBlank() || c.aesKey().isBlank()) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "wecom-not-configured", 2301,
                    "未配置企业微信回调（suifang.wecom.token / aes-key）");
        }
        return new WecomCallbackCrypto(c.token(), c.aesKey(), c.corpId());
    }

    private void checkTime(String timestamp) {
        long at;
        try {
            at = Long.parseLong(timestamp);
        } catch (NumberFormatException e) {
            throw rejected(2309, "时间戳格式不正确");
        }
        if (Math.abs(clock.instant().getEpochSecond() - at) > MAX_SKEW.toSeconds()) {
            throw rejected(2306, "时间戳超出允许范围（±5 分钟），可能是重放的请求或服务器时间不准");
        }
    }

    private static ApiException rejected(int code, String detail) {
        return new ApiException(HttpStatus.FORBIDDEN, "callback-rejected", code, detail);
    }
}
