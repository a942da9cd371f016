package cn.suifang.backend.common;

import jakarta.validation.MessageInterpolator;
import java.time.Clock;
import java.util.Locale;
import org.hibernate.validator.messageinterpolation.ResourceBundleMessageInterpolator;
import org.springframework.boot.validation.autoconfigure.ValidationConfigurationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Bean Validation speaks to Chinese users and lives in the hospital's day: messages in Simplified
 * Chinese whatever the server's locale, and {@code @Past}/{@code @PastOrPresent} judged by our clock
 * (Asia/Shanghai), not the JVM's UTC — a discharge entered at 01:00 Beijing time is not "in the future".
 */
@Configuration
class ValidationConfig {

    @Bean
    ValidationConfigurationCustomizer suifangValidation(Clock clock) {
        MessageInterpolator chinese = new FixedLocaleInterpolator(new ResourceBundleMessageInterpolator(), Locale.SIMPLIFIED_CHINESE);
        return configuration -> configuration.clockProvider(() -> clock).messageInterpolator(chinese);
    }

    private record FixedLocaleInterpolator(MessageInterpolator delegate, Locale locale) implements MessageInterpolator {

        @Override
        public String interpolate(String messageTemplate, Context context) {
            return delegate.interpolate(messageTemplate, context, locale);
        }

        @Override
        public String interpolate(String messageTemplate, Context context, Locale ignored) {
            return delegate.interpolate(messageTemplate, context, locale);
        }
    }
}
