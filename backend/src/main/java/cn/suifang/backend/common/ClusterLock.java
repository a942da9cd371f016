package cn.suifang.backend.common;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.redisson.api.RLockReactive;
import org.redisson.api.RedissonReactiveClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Runs a periodic job in one instance at a time across the cluster: a Redisson lock taken without waiting, held at
 * most {@code lease} (so a crashed instance cannot block the job for ever), released when the work ends either way.
 * The work must still be safe should the lock be lost mid-run (lease expiry, Redis failover): each job keeps a
 * database backstop (unique keys, {@code FOR UPDATE SKIP LOCKED}).
 */
@Component
public class ClusterLock {

    private final RedissonReactiveClient redis;
    private final SuifangProperties properties;

    public ClusterLock(RedissonReactiveClient redis, SuifangProperties properties) {
        this.redis = redis;
        this.properties = properties;
    }

    /**
     * The work's result when this instance won the lock named {@code name}; {@code ifBusy} when another instance
     * holds it. Errors of the work propagate after the lock is released.
     */
    public <T> Mono<T> runExclusive(String name, Duration lease, Mono<T> work, T ifBusy) {
        RLockReactive lock = redis.getLock(properties.redis().keyPrefix() + ":lock:" + name);
        long owner = ThreadLocalRandom.current().nextLong();
        return lock.tryLock(0, lease.toMillis(), TimeUnit.MILLISECONDS, owner)
                .flatMap(acquired -> acquired
                        ? work.flatMap(result -> lock.unlock(owner).thenReturn(result))
                                .switchIfEmpty(Mono.defer(() -> lock.unlock(owner).then(Mono.empty())))
                                .onErrorResume(e -> lock.unlock(owner).onErrorResume(x -> Mono.empty()).then(Mono.error(e)))
                        : Mono.justOrEmpty(ifBusy));
    }
}
