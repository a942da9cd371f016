package cn.suifang.miniapp;

import cn.binarywang.wx.miniapp.api.WxMaService;
import cn.binarywang.wx.miniapp.api.impl.WxMaServiceImpl;
import cn.binarywang.wx.miniapp.bean.WxMaJscode2SessionResult;
import cn.binarywang.wx.miniapp.bean.WxMaPhoneNumberInfo;
import cn.binarywang.wx.miniapp.bean.security.WxMaMsgSecCheckCheckRequest;
import cn.binarywang.wx.miniapp.bean.security.WxMaMsgSecCheckCheckResponse;
import cn.binarywang.wx.miniapp.config.impl.WxMaRedissonConfigImpl;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import me.chanjar.weixin.common.error.WxErrorException;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The WeChat mini-program server API through WxJava: sign-in ({@code jscode2session}), the phone number behind a
 * {@code getPhoneNumber} button (its watermark checked against our AppID, which WxJava does not do) and the
 * content-security check of text patients type. WxJava blocks, so every call runs on the bounded elastic scheduler.
 * The access token lives in Redis and is refreshed under Redis's lock, so instances do not invalidate each other's.
 * WeChat's error codes become problems a patient can act on; nothing a patient sent is logged.
 */
public class MiniappClient {

    private static final Logger log = LoggerFactory.getLogger(MiniappClient.class);

    private final MiniappSettings settings;
    private final WxMaService service;

    public MiniappClient(MiniappSettings settings, RedissonClient redisson) {
        this.settings = settings;
        if (!settings.enabled()) {
            this.service = null;
            log.info("the mini-program is not configured (suifang.miniapp.app-id/secret): its routes answer 503");
            return;
        }
        WxMaRedissonConfigImpl config = new WxMaRedissonConfigImpl(redisson, settings.redisKeyPrefix() + ":miniapp");
        config.setAppid(settings.appId());
        config.setSecret(settings.secret());
        config.setApiHostUrl(settings.baseUrl().replaceAll("/+$", ""));
        WxMaServiceImpl impl = new WxMaServiceImpl();
        impl.setWxMaConfig(config);
        impl.setRetrySleepMillis(200);
        impl.setMaxRetryTimes(2);
        this.service = impl;
    }

    public boolean enabled() {
        return service != null;
    }

    /** The openid behind a {@code wx.login} code (single use, valid 5 minutes). */
    public Mono<String> openid(String code) {
        return call("jscode2session", () -> {
            WxMaJscode2SessionResult r = service.jsCode2SessionInfo(code);
            return r.getOpenid();
        }).filter(openid -> openid != null && !openid.isBlank())
                .switchIfEmpty(Mono.error(() -> MiniappException.of(HttpStatus.BAD_GATEWAY, "wechat-error", 2709,
                        "微信登录服务没有返回用户标识，请稍后重试")));
    }

    /** The verified phone number (digits, no country code) behind a {@code getPhoneNumber} code. */
    public Mono<String> phoneNumber(String code) {
        return call("getuserphonenumber", () -> service.getUserService().getPhoneNumber(code))
                .flatMap(info -> checkWatermark(info, settings.appId()));
    }

    static Mono<String> checkWatermark(WxMaPhoneNumberInfo info, String appId) {
        if (info == null || info.getPurePhoneNumber() == null || info.getWatermark() == null
                || !appId.equals(info.getWatermark().getAppid())) {
            return Mono.error(MiniappException.of(HttpStatus.BAD_REQUEST, "phone-not-verified", 2703,
                    "未能核实手机号，请重新点击“授权手机号”"));
        }
        return Mono.just(info.getPurePhoneNumber());
    }

    /**
     * WeChat's content-security check (msg_sec_check v2) of text a patient typed; false when WeChat suggests anything
     * but {@code pass}. Required for text shown to others by a WeChat app.
     */
    public Mono<Boolean> textPasses(String openid, String text) {
        WxMaMsgSecCheckCheckRequest request = WxMaMsgSecCheckCheckRequest.builder()
                .version("2").openid(openid).scene(1).content(text).build();
        return call("msg_sec_check", () -> {
            WxMaMsgSecCheckCheckResponse r = service.getSecurityService().checkMessage(request);
            return r.getResult() == null || "pass".equals(r.getResult().getSuggest());
        });
    }

    /** How sending a subscribe message went. */
    public enum Sent { SENT, REFUSED, FAILED, RETRY }

    /**
     * Sends a subscribe message. REFUSED: the user has no consent left for this template or turned it down (43101);
     * FAILED: WeChat will never accept this one (bad template or data); RETRY: WeChat is busy or unreachable.
     */
    public Mono<Sent> sendSubscribe(String openid, String templateId, String page, Map<String, String> data) {
        cn.binarywang.wx.miniapp.bean.WxMaSubscribeMessage message = new cn.binarywang.wx.miniapp.bean.WxMaSubscribeMessage();
        message.setToUser(openid);
        message.setTemplateId(templateId);
        message.setPage(page);
        data.forEach((k, v) -> message.addData(new cn.binarywang.wx.miniapp.bean.WxMaSubscribeMessage.MsgData(k, v)));
        if (service == null) {
            return Mono.just(Sent.FAILED);
        }
        return Mono.fromCallable(() -> {
                    service.getMsgService().sendSubscribeMsg(message);
                    return Sent.SENT;
                })
                .subscribeOn(Schedulers.boundedElastic())
                .onErrorResume(e -> {
                    int code = e instanceof WxErrorException wx ? wx.getError().getErrorCode() : Integer.MIN_VALUE;
                    log.warn("mini-program subscribe message failed: {}", code == Integer.MIN_VALUE
                            ? e.getClass().getSimpleName() : "errcode " + code);
                    return Mono.just(switch (code) {
                        case 43101 -> Sent.REFUSED;
                        case 40003, 40037, 41030, 47003 -> Sent.FAILED;
                        default -> Sent.RETRY;
                    });
                });
    }

    private <T> Mono<T> call(String operation, Callable<T> call) {
        if (service == null) {
            return Mono.error(MiniappException.of(HttpStatus.SERVICE_UNAVAILABLE, "miniapp-not-configured", 2700,
                    "本院尚未开通随访小程序（suifang.miniapp.app-id / secret），请联系医院信息科"));
        }
        return Mono.fromCallable(call)
                .subscribeOn(Schedulers.boundedElastic())
                .onErrorMap(e -> !(e instanceof MiniappException), e -> translate(operation, e));
    }

    static MiniappException translate(String operation, Throwable e) {
        int code = e instanceof WxErrorException wx ? wx.getError().getErrorCode() : Integer.MIN_VALUE;
        log.warn("mini-program {} failed: {}", operation, code == Integer.MIN_VALUE ? e.getClass().getSimpleName() : "errcode " + code);
        return switch (code) {
            case 40029 -> MiniappException.of(HttpStatus.UNAUTHORIZED, "wechat-code-invalid", 2701,
                    "登录凭证无效或已过期，请重新打开小程序");
            case 40163 -> MiniappException.of(HttpStatus.UNAUTHORIZED, "wechat-code-used", 2702,
                    "登录凭证已被使用，请重新打开小程序");
            case 45011 -> new MiniappException(HttpStatus.TOO_MANY_REQUESTS, "wechat-rate-limited", 2704,
                    "操作太频繁，请稍后再试", null, Duration.ofMinutes(1));
            default -> new MiniappException(HttpStatus.SERVICE_UNAVAILABLE, "wechat-unavailable", 2705,
                    "微信服务暂时不可用，请稍后重试", null, Duration.ofSeconds(30));
        };
    }
}
