package cn.suifang.telephony.bridge;

import cn.suifang.telephony.api.CallEvent;
import cn.suifang.telephony.api.CallEventType;
import cn.suifang.telephony.api.HangupCommand;
import cn.suifang.telephony.api.OriginateCommand;
import cn.suifang.telephony.api.TelephonyStreams;
import cn.suifang.telephony.sim.CallScript;
import cn.suifang.telephony.sim.EslSimulator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.redisson.Redisson;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * End-to-end set-up: real Redis on 127.0.0.1:6379 under a unique key prefix, the FreeSWITCH simulator in
 * virtual time, and bridge instances started exactly as production starts them.
 */
abstract class BridgeTestSupport {

    static final Instant START = Instant.parse("2025-03-03T01:59:58Z");
    static final String DOCTOR = "13900001111";
    static final String PATIENT = "13800138000";
    static final String OFFICIAL = "057188880000";

    static RedissonClient redisson;
    String prefix;
    EslSimulator sim;
    final List<TelephonyBridge> bridges = new ArrayList<>();
    final List<EslClient.State> states = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void redis() {
        Config config = new Config();
        config.useSingleServer().setAddress("redis://127.0.0.1:6379");
        redisson = Redisson.create(config);
    }

    @AfterAll
    static void closeRedis() {
        redisson.shutdown();
    }

    @BeforeEach
    void setUp() {
        prefix = "bridge-test-" + UUID.randomUUID();
        sim = EslSimulator.builder().manualTime(START).password("s3cret").build().start();
    }

    @AfterEach
    void tearDown() {
        bridges.forEach(TelephonyBridge::close);
        sim.close();
        redisson.getKeys().deleteByPattern(prefix + "*");
    }

    BridgeProperties props(String consumer) {
        return BridgeProperties.defaults()
                .withEsl("127.0.0.1", sim.port(), "s3cret")
                .withStreams(prefix, consumer, Duration.ofMillis(300), Duration.ofMillis(100))
                .withReconnect(Duration.ofMillis(20), Duration.ofMillis(200));
    }

    TelephonyBridge startBridge(String consumer) {
        return startBridge(props(consumer));
    }

    TelephonyBridge startBridge(BridgeProperties props) {
        TelephonyBridge bridge = TelephonyBridge.start(props, redisson, new EslClient.Listener() {
            @Override
            public void onEvent(cn.suifang.telephony.esl.EslEvent event) {
            }

            @Override
            public void onState(EslClient.State state, String detail) {
                states.add(state);
            }
        });
        bridges.add(bridge);
        return bridge;
    }

    void awaitConnected(TelephonyBridge bridge) {
        Poll.until("ESL link up", bridge::eslState, s -> s == EslClient.State.CONNECTED);
    }

    static OriginateCommand command(String callId, boolean record) {
        return new OriginateCommand(callId, 7001, DOCTOR, PATIENT, OFFICIAL, "Suifang Hospital", record, "hospital");
    }

    RStream<String, String> commandStream() {
        return redisson.getStream(TelephonyStreams.commands(prefix), StringCodec.INSTANCE);
    }

    void send(OriginateCommand cmd) {
        commandStream().add(StreamAddArgs.entries(cmd.toFields()));
    }

    void send(HangupCommand cmd) {
        commandStream().add(StreamAddArgs.entries(cmd.toFields()));
    }

    List<CallEvent> events(String callId) {
        RStream<String, String> events = redisson.getStream(TelephonyStreams.events(prefix), StringCodec.INSTANCE);
        List<CallEvent> out = new ArrayList<>();
        for (Map<String, String> fields : events.range(StreamMessageId.MIN, StreamMessageId.MAX).values()) {
            if (callId.equals(fields.get("callId"))) {
                out.add(CallEvent.fromFields(fields));
            }
        }
        return out;
    }

    List<CallEventType> types(String callId) {
        return events(callId).stream().map(CallEvent::type).toList();
    }

    List<CallEvent> awaitEvent(String callId, CallEventType type) {
        return Poll.until(type + " for call " + callId, () -> events(callId),
                list -> list.stream().anyMatch(e -> e.type() == type));
    }

    CallEvent awaitEnded(String callId) {
        return awaitEvent(callId, CallEventType.CALL_ENDED).stream()
                .filter(e -> e.type() == CallEventType.CALL_ENDED).findFirst().orElseThrow();
    }

    /** Sends the command and waits until the switch accepted the originate, then plays the script. */
    void dial(String callId, boolean record, CallScript script) {
        sim.enqueueScript(script);
        send(command(callId, record));
        awaitEvent(callId, CallEventType.ORIGINATE_ACCEPTED);
    }

    /** Advances virtual time once the bridge has consumed what the switch sent so far. */
    void advance(Duration d) {
        sim.advance(d);
    }

    static String uuid() {
        return UUID.randomUUID().toString();
    }
}
