package cn.suifang.telephony.bridge;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import java.util.concurrent.CountDownLatch;

/**
 * Standalone bridge next to FreeSWITCH: {@code java -jar telephony-bridge-exec.jar}, configured by
 * {@code SUIFANG_ESL_HOST}, {@code SUIFANG_ESL_PORT}, {@code SUIFANG_ESL_PASSWORD}, {@code SUIFANG_REDIS_ADDRESS},
 * {@code SUIFANG_TELEPHONY_GATEWAY}, {@code SUIFANG_TELEPHONY_RECORDINGS_DIR} … (or -Dsuifang.… properties).
 */
public final class BridgeMain {

    private BridgeMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        BridgeProperties props = BridgeProperties.fromEnvironment();
        Config config = new Config();
        config.useSingleServer().setAddress(props.redisAddress());
        RedissonClient redisson = Redisson.create(config);
        TelephonyBridge bridge = TelephonyBridge.start(props, redisson);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            bridge.close();
            redisson.shutdown();
            stopped.countDown();
        }, "suifang-bridge-shutdown"));
        stopped.await();
    }
}
