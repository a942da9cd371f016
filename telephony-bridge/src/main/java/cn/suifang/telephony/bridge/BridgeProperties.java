package cn.suifang.telephony.bridge;

import cn.suifang.telephony.api.TelephonyStreams;

import java.time.Duration;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Settings of the bridge, under {@code suifang.} like the rest of the system (env vars {@code SUIFANG_…}
 * override system properties, which override the defaults).
 *
 * @param gateway          default gateway when a command carries none
 * @param recordingsDir    directory on the switch host; recordings go to {@code <dir>/yyyy/MM/dd/<callId>.wav}
 * @param reclaimIdle      pending commands of other consumers idle this long are taken over
 * @param consumerName     this instance's name in the consumer group (stable across restarts of one host)
 * @param outboxDir        where call events wait (one file per consumer name) while Redis cannot take them
 * @param outboxMaxBytes   bound on that file; events beyond it are dropped with an error in the log
 */
public record BridgeProperties(String eslHost, int eslPort, String eslPassword, String gateway,
                               Duration doctorTimeout, Duration patientTimeout, String recordingsDir, ZoneId zone,
                               String keyPrefix, String redisAddress, String consumerName,
                               Duration commandTimeout, Duration connectTimeout,
                               Duration reconnectInitial, Duration reconnectMax,
                               Duration reclaimIdle, Duration reclaimInterval, Duration readBlock,
                               String outboxDir, long outboxMaxBytes) {

    public BridgeProperties {
        Objects.requireNonNull(eslHost, "eslHost");
        Objects.requireNonNull(eslPassword, "eslPassword");
        Objects.requireNonNull(recordingsDir, "recordingsDir");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        Objects.requireNonNull(consumerName, "consumerName");
        Objects.requireNonNull(outboxDir, "outboxDir");
        if (outboxMaxBytes < 4096) {
            throw new IllegalArgumentException("suifang.telephony.outbox-max-bytes below 4096: " + outboxMaxBytes);
        }
        if (eslPort <= 0 || eslPort > 65535) {
            throw new IllegalArgumentException("suifang.esl.port out of range: " + eslPort);
        }
    }

    public static BridgeProperties defaults() {
        return new BridgeProperties("127.0.0.1", 8021, "ClueCon", "hospital", Duration.ofSeconds(30),
                Duration.ofSeconds(45), "/var/lib/freeswitch/recordings", ZoneId.of("Asia/Shanghai"), "suifang",
                "redis://127.0.0.1:6379", defaultConsumerName(), Duration.ofSeconds(10), Duration.ofSeconds(5),
                Duration.ofMillis(200), Duration.ofSeconds(30), Duration.ofMillis(TelephonyStreams.RECLAIM_IDLE_MILLIS),
                Duration.ofSeconds(10), Duration.ofSeconds(2), "/var/lib/suifang/bridge-outbox", 64L * 1024 * 1024);
    }

    /** Reads {@code suifang.*} from the environment ({@code SUIFANG_ESL_HOST}) and system properties. */
    public static BridgeProperties fromEnvironment() {
        Map<String, String> env = System.getenv();
        return load(key -> {
            String fromEnv = env.get(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
            return fromEnv != null ? fromEnv : System.getProperty(key);
        });
    }

    static BridgeProperties load(Function<String, String> source) {
        BridgeProperties d = defaults();
        return new BridgeProperties(
                str(source, "suifang.esl.host", d.eslHost), num(source, "suifang.esl.port", d.eslPort),
                str(source, "suifang.esl.password", d.eslPassword),
                str(source, "suifang.telephony.gateway", d.gateway),
                dur(source, "suifang.telephony.doctor-timeout", d.doctorTimeout),
                dur(source, "suifang.telephony.patient-timeout", d.patientTimeout),
                str(source, "suifang.telephony.recordings-dir", d.recordingsDir),
                ZoneId.of(str(source, "suifang.telephony.zone", d.zone.getId())),
                str(source, "suifang.telephony.key-prefix", d.keyPrefix),
                str(source, "suifang.redis.address", d.redisAddress),
                str(source, "suifang.telephony.consumer-name", d.consumerName),
                dur(source, "suifang.esl.command-timeout", d.commandTimeout),
                dur(source, "suifang.esl.connect-timeout", d.connectTimeout),
                dur(source, "suifang.esl.reconnect-initial", d.reconnectInitial),
                dur(source, "suifang.esl.reconnect-max", d.reconnectMax),
                dur(source, "suifang.telephony.reclaim-idle", d.reclaimIdle),
                dur(source, "suifang.telephony.reclaim-interval", d.reclaimInterval),
                dur(source, "suifang.telephony.read-block", d.readBlock),
                str(source, "suifang.telephony.outbox-dir", d.outboxDir),
                lng(source, "suifang.telephony.outbox-max-bytes", d.outboxMaxBytes));
    }

    public BridgeProperties withEsl(String host, int port, String password) {
        return new BridgeProperties(host, port, password, gateway, doctorTimeout, patientTimeout, recordingsDir, zone,
                keyPrefix, redisAddress, consumerName, commandTimeout, connectTimeout, reconnectInitial, reconnectMax,
                reclaimIdle, reclaimInterval, readBlock, outboxDir, outboxMaxBytes);
    }

    public BridgeProperties withStreams(String keyPrefix, String consumerName, Duration reclaimIdle,
                                        Duration reclaimInterval) {
        return new BridgeProperties(eslHost, eslPort, eslPassword, gateway, doctorTimeout, patientTimeout,
                recordingsDir, zone, keyPrefix, redisAddress, consumerName, commandTimeout, connectTimeout,
                reconnectInitial, reconnectMax, reclaimIdle, reclaimInterval, readBlock, outboxDir, outboxMaxBytes);
    }

    public BridgeProperties withReconnect(Duration initial, Duration max) {
        return new BridgeProperties(eslHost, eslPort, eslPassword, gateway, doctorTimeout, patientTimeout,
                recordingsDir, zone, keyPrefix, redisAddress, consumerName, commandTimeout, connectTimeout, initial,
                max, reclaimIdle, reclaimInterval, readBlock, outboxDir, outboxMaxBytes);
    }

    public BridgeProperties withOutbox(String dir, long maxBytes) {
        return new BridgeProperties(eslHost, eslPort, eslPassword, gateway, doctorTimeout, patientTimeout,
                recordingsDir, zone, keyPrefix, redisAddress, consumerName, commandTimeout, connectTimeout,
                reconnectInitial, reconnectMax, reclaimIdle, reclaimInterval, readBlock, dir, maxBytes);
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "BridgeProperties[esl=" + eslHost + ":" + eslPort + ", gateway=" + gateway + ", keyPrefix=" + keyPrefix
                + ", redis=" + redisAddress + ", consumer=" + consumerName + ", outbox=" + outboxDir + "]";
    }

    private static String defaultConsumerName() {
        String host = System.getenv("HOSTNAME");
        return "bridge-" + (host == null || host.isBlank() ? ProcessHandle.current().pid() : host);
    }

    private static String str(Function<String, String> source, String key, String fallback) {
        String v = source.apply(key);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    private static int num(Function<String, String> source, String key, int fallback) {
        String v = source.apply(key);
        return v == null || v.isBlank() ? fallback : Integer.parseInt(v.trim());
    }

    private static long lng(Function<String, String> source, String key, long fallback) {
        String v = source.apply(key);
        return v == null || v.isBlank() ? fallback : Long.parseLong(v.trim());
    }

    /** {@code 30s}, {@code 500ms}, {@code 2m} or an ISO-8601 duration. */
    static Duration dur(Function<String, String> source, String key, Duration fallback) {
        String v = source.apply(key);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        String s = v.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
        }
        if (s.endsWith("s")) {
            return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
        }
        if (s.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
        }
        return Duration.parse(v.trim());
    }
}
