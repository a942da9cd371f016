package cn.suifang.telephony.bridge;

import cn.suifang.telephony.api.HangupCommand;
import cn.suifang.telephony.api.OriginateCommand;

import org.redisson.api.RedissonClient;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The whole bridge: commands stream → {@link CallDriver} → FreeSWITCH (ESL) → call events → events stream.
 * The same assembly runs embedded in the backend and standalone ({@link BridgeMain}).
 */
public final class TelephonyBridge implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(TelephonyBridge.class.getName());

    private final StreamBridge streams;
    private final CallDriver driver;
    private final EslClient esl;

    private TelephonyBridge(StreamBridge streams, CallDriver driver, EslClient esl) {
        this.streams = streams;
        this.driver = driver;
        this.esl = esl;
    }

    /**
     * Takes over the calls a previous instance left active, connects to the switch and starts consuming
     * commands. The Redisson client stays the caller's (shared with the rest of the backend when embedded).
     */
    public static TelephonyBridge start(BridgeProperties props, RedissonClient redisson) {
        return start(props, redisson, (EslClient.Listener) null);
    }

    /** As {@link #start(BridgeProperties, RedissonClient)}, with an extra observer of the link state. */
    public static TelephonyBridge start(BridgeProperties props, RedissonClient redisson, EslClient.Listener observer) {
        StreamBridge streams = new StreamBridge(redisson, props);
        RedisCallStore store = new RedisCallStore(redisson, props);
        CallDriver driver = new CallDriver(props, store, streams, Clock.systemUTC());
        EslClient esl = new EslClient(props, new EslClient.Listener() {
            @Override
            public void onEvent(cn.suifang.telephony.esl.EslEvent event) {
                driver.onEvent(event);
            }

            @Override
            public void onState(EslClient.State state, String detail) {
                LOG.log(System.Logger.Level.INFO, "ESL link " + state + (detail == null ? "" : " (" + detail + ")"));
                driver.onState(state, detail);
                if (observer != null) {
                    observer.onState(state, detail);
                }
            }
        });
        driver.attach(esl);
        List<Map<String, String>> active;
        try {
            active = store.loadActive().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            esl.close();
            streams.close();
            throw new IllegalStateException("cannot load active calls from Redis", e);
        }
        driver.adopt(active);
        esl.start();
        TelephonyBridge bridge = new TelephonyBridge(streams, driver, esl);
        streams.start(bridge::handle);
        LOG.log(System.Logger.Level.INFO, "telephony bridge started: " + props + ", " + active.size()
                + " active call(s) taken over");
        return bridge;
    }

    CompletionStage<Boolean> handle(Map<String, String> fields) {
        String type = fields.getOrDefault("type", "");
        switch (type) {
            case "ORIGINATE" -> {
                OriginateCommand cmd;
                try {
                    cmd = OriginateCommand.fromFields(fields);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "malformed originate command dropped: "
                            + e.getClass().getSimpleName());
                    return CompletableFuture.completedFuture(true);
                }
                return driver.originate(cmd).thenApply(result -> true);
            }
            case "HANGUP" -> {
                return driver.hangup(new HangupCommand(fields.get("callId")).callId()).thenApply(v -> true);
            }
            default -> {
                LOG.log(System.Logger.Level.WARNING, "unknown command type dropped: '" + type + "'");
                return CompletableFuture.completedFuture(true);
            }
        }
    }

    public EslClient.State eslState() {
        return esl.state();
    }

    CallDriver driver() {
        return driver;
    }

    StreamBridge streams() {
        return streams;
    }

    @Override
    public void close() {
        streams.close();
        esl.close();
    }
}
