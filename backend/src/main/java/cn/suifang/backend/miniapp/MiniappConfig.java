package cn.suifang.backend.miniapp;

import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.miniapp.MiniappModule;
import cn.suifang.miniapp.MiniappSettings;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/** Assembles the patient mini-program module: its settings from {@code suifang.miniapp.*}; the ports are in this package. */
@Configuration
@Import(MiniappModule.class)
class MiniappConfig {

    @Bean
    MiniappSettings miniappSettings(SuifangProperties properties) {
        SuifangProperties.Miniapp m = properties.miniapp();
        return new MiniappSettings(m.baseUrl(), m.appId(), m.secret(), properties.redis().keyPrefix(), m.bindAttempts(),
                m.bindWindow(), m.reminderTemplate(), m.adviceTemplate());
    }
}
