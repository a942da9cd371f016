package cn.suifang.backend.support;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/** Replaces the system clock with one tests can set, and notes where WeCom's events were routed. */
@TestConfiguration
public class TestClockConfig {

    @Bean
    @Primary
    MutableClock testClock() {
        return new MutableClock();
    }

    @Bean
    RecordingWecomListener recordingWecomListener() {
        return new RecordingWecomListener();
    }
}
