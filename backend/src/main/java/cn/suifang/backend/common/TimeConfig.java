package cn.suifang.backend.common;

import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** One clock in the hospital's zone: "today" for due dates is the hospital's day, not UTC's. */
@Configuration
class TimeConfig {

    @Bean
    @ConditionalOnMissingBean
    Clock clock(SuifangProperties properties) {
        return Clock.system(properties.zone());
    }
}
