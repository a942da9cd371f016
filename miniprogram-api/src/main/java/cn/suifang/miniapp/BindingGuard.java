package cn.suifang.miniapp;

import java.time.Duration;
import org.redisson.api.RRateLimiterReactive;
import org.redisson.api.RateType;
import org.redisson.api.RedissonReactiveClient;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Limits binding attempts per WeChat account (counted in Redis, across instances), so the binding form cannot be used
 * to find out who is a patient by trying phone numbers, names or ID-card tails.
 */
@Component
class BindingGuard {

    private final RedissonReactiveClient redis;
    private final MiniappSettings settings;

    BindingGuard(RedissonReactiveClient redis, MiniappSettings settings) {
        this.redis = redis;
        this.settings = settings;
    }

    Mono<Void> attempt(long accountId) {
        RRateLimiterReactive limiter = redis.getRateLimiter(settings.redisKeyPrefix() + ":miniapp:bind:" + accountId);
        Duration window = settings.bindWindow();
        return limiter.trySetRate(RateType.OVERALL, settings.bindAttempts(), window, window.multipliedBy(2))
                .then(limiter.tryAcquire())
                .flatMap(ok -> ok ? Mono.<Void>empty()
                        : Mono.error(new MiniappException(HttpStatus.TOO_MANY_REQUESTS, "too-many-attempts", 2706,
                                "尝试次数过多，请 " + window.toMinutes() + " 分钟后再试；如信息无误仍无法绑定，请联系随访护士",
                                null, window)));
    }
}
