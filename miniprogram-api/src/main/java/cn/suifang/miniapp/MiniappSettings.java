package cn.suifang.miniapp;

import java.time.Duration;

/**
 * What the host tells this module about the mini-program (the backend builds it from {@code suifang.miniapp.*}).
 *
 * @param baseUrl        WeChat's API host (a fake in tests)
 * @param appId          the mini-program's AppID; blank: the mini-program is not configured and its routes answer 503
 * @param secret         its AppSecret
 * @param redisKeyPrefix prefix of the Redis keys (the shared access token, rate limits)
 * @param bindAttempts   binding attempts one WeChat account may make per {@code bindWindow} (no patient enumeration)
 * @param bindWindow     the window of {@code bindAttempts}
 * @param reminderTemplate subscribe-message template id for follow-up reminders (blank: none are sent)
 * @param adviceTemplate   subscribe-message template id for automatic health advice (blank: none are sent)
 */
public record MiniappSettings(String baseUrl, String appId, String secret, String redisKeyPrefix, int bindAttempts,
                              Duration bindWindow, String reminderTemplate, String adviceTemplate) {

    /** Our kind of a template id the mini-program asked the user about; null when it is not one of ours. */
    public String templateKind(String templateId) {
        if (templateId == null || templateId.isBlank()) {
            return null;
        }
        if (templateId.equals(reminderTemplate)) {
            return "REMINDER";
        }
        return templateId.equals(adviceTemplate) ? "ADVICE" : null;
    }

    public boolean enabled() {
        return appId != null && !appId.isBlank() && secret != null && !secret.isBlank();
    }
}
