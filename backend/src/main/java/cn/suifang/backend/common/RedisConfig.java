package cn.suifang.backend.common;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.api.RedissonReactiveClient;
import org.redisson.config.Config;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** One Redisson client per instance, configured from {@code suifang.redis.address}. */
@Configuration
class RedisConfig {

    @Bean(destroyMethod = "shutdown")
    RedissonClient redissonClient(SuifangProperties properties) {
        Config config = new Config();
        config.useSingleServer()
                .setAddress(properties.redis().address())
                .setConnectionMinimumIdleSize(2)
                .setConnectionPoolSize(16)
                .setRetryAttempts(3);
        return Redisson.create(config);
    }

    @Bean
    RedissonReactiveClient redissonReactiveClient(RedissonClient client) {
        return client.reactive();
    }
}
