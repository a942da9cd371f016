package cn.suifang.backend.wecom;

import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.SuifangProperties;
import java.io.IOException;
import me.chanjar.weixin.common.error.WxErrorException;
import me.chanjar.weixin.common.error.WxRuntimeException;
import me.chanjar.weixin.cp.api.WxCpService;
import me.chanjar.weixin.cp.api.impl.WxCpServiceImpl;
import me.chanjar.weixin.cp.config.impl.WxCpRedissonConfigImpl;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The one way into WeCom. WxJava blocks on HTTP, so every call runs on {@link Schedulers#boundedElastic()}, never on
 * an event loop. The access token lives in Redis ({@link WxCpRedissonConfigImpl}) and {@link WxCpServiceImpl}
 * refreshes it under a Redisson lock, so any number of backend instances share one token instead of each calling
 * {@code gettoken}. A 40001/40014/42001 answer makes WxJava drop the token, fetch a new one and retry once; errcode
 * -1 is retried with back-off ({@code suifang.wecom.retry-sleep-millis}, {@code max-retry-times}).
 * <p>
 * With no corp id/secret/agent id configured WeCom is off: {@link #enabled()} is false and calls fail with a 503
 * problem, so demo mode and hospitals without WeCom keep working.
 */
@Component
public class WecomClient implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(WecomClient.class);

    private final SuifangProperties.Wecom config;
    private final WxCpService service;
    private final WecomHttpClientBuilder http;

    public WecomClient(SuifangProperties properties, RedissonClient redisson) {
        this.config = properties.wecom();
        if (!config.enabled()) {
            this.service = null;
            this.http = null;
            log.info("WeCom is not configured (suifang.wecom.corp-id/secret/agent-id): sign-in and messages via WeCom are off");
            return;
        }
        WxCpRedissonConfigImpl storage = new WxCpRedissonConfigImpl(redisson, properties.redis().keyPrefix() + ":wecom");
        storage.setCorpId(config.corpId()); // before setAgentId: the Redis keys are derived from both
        storage.setAgentId(config.agentId());
        storage.setCorpSecret(config.secret());
        storage.setToken(config.token());
        storage.setAesKey(config.aesKey());
        storage.setBaseApiUrl(config.baseUrl().replaceAll("/+$", ""));
        this.http = new WecomHttpClientBuilder(config.connectTimeout(), config.readTimeout(), config.poolWaitTimeout(),
                config.maxConnections());
        storage.setApacheHttpClientBuilder(http);
        WxCpServiceImpl impl = new WxCpServiceImpl();
        impl.setWxCpConfigStorage(storage);
        impl.setRetrySleepMillis(config.retrySleepMillis());
        impl.setMaxRetryTimes(config.maxRetryTimes());
        this.service = impl;
    }

    public boolean enabled() {
        return service != null;
    }

    public SuifangProperties.Wecom config() {
        return config;
    }

    /** A blocking WxJava call. */
    @FunctionalInterface
    public interface Call<T> {
        T apply(WxCpService service) throws WxErrorException;
    }

    /**
     * Runs {@code call} on the bounded elastic scheduler. Fails with {@link WecomException} (errcode and operation,
     * never request data) when WeCom answers an error or cannot be reached, and with a 503 problem when WeCom is off.
     * A call that returns nothing (WxJava returns null for some answers) completes empty.
     */
    public <T> Mono<T> call(String operation, Call<T> call) {
        if (service == null) {
            return Mono.error(notConfigured());
        }
        return Mono.fromCallable(() -> call.apply(service))
                .subscribeOn(Schedulers.boundedElastic())
                .onErrorMap(e -> !(e instanceof WecomException), e -> translate(operation, e))
                .doOnError(WecomException.class, e -> log.warn("{}", e.getMessage()));
    }

    /** The WxJava service, for callers that must hand it to WxJava helpers; prefer {@link #call}. */
    public WxCpService service() {
        if (service == null) {
            throw notConfigured();
        }
        return service;
    }

    static WecomException translate(String operation, Throwable e) {
        if (e instanceof WxErrorException wx) {
            return new WecomException(operation, wx.getError().getErrorCode(), wx.getError().getErrorMsg(), null);
        }
        if (e instanceof WxRuntimeException && !(e.getCause() instanceof IOException)) {
            // WxJava gives up on errcode -1 after max-retry-times with a runtime exception
            return new WecomException(operation, WecomException.BUSY, "system busy, retries exhausted", null);
        }
        return new WecomException(operation, WecomException.TRANSPORT,
                e.getCause() != null ? e.getCause().getClass().getSimpleName() : e.getClass().getSimpleName(), null);
    }

    private static ApiException notConfigured() {
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "wecom-not-configured", 2201,
                "本院尚未配置企业微信（suifang.wecom.corp-id / secret / agent-id），请使用其他方式登录或联系信息科");
    }

    @Override
    public void destroy() {
        if (http != null) {
            http.close();
        }
    }
}
