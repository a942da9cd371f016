package cn.suifang.miniapp;

import org.redisson.api.RedissonClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;

/**
 * The patient mini-program API, assembled into the host application with {@code @Import(MiniappModule.class)}. The host
 * provides {@link MiniappSettings}, a Redisson client and the ports in {@code cn.suifang.miniapp.port}.
 */
@Configuration
@ComponentScan
public class MiniappModule {

    @Bean(destroyMethod = "")
    MiniappClient miniappClient(MiniappSettings settings, RedissonClient redisson) {
        return new MiniappClient(settings, redisson);
    }
}
