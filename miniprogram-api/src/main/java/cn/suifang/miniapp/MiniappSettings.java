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
 */
public record MiniappSettings(String baseUrl, String appId, String secret, String redisKeyPrefix, int bindAttempts,
                              Duration bindWindow) {

    public boolean enabled() {
        return appId != null && !appId.isBlank() && secret != null && !secret.isBlank();
    }
}
