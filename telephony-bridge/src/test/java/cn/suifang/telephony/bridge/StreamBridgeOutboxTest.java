package cn.suifang.telephony.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.telephony.api.CallEvent;
import cn.suifang.telephony.api.CallEventType;
import cn.suifang.telephony.api.TelephonyStreams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisson.Redisson;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * Redis goes away under the bridge (a TCP proxy in front of the real one is cut) and comes back: the events
 * published meanwhile wait in the outbox file and reach the stream afterwards — none lost, none twice, in the
 * order they were published (so in order per call). The test reads the stream through its own client that
 * never loses Redis.
 */
class StreamBridgeOutboxTest {

    private static final List<String> CALLS = List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString(),
            UUID.randomUUID().toString());
    private static final CallEventType[] TYPES = {CallEventType.ORIGINATE_ACCEPTED, CallEventType.DOCTOR_RINGING,
            CallEventType.DOCTOR_ANSWERED, CallEventType.PATIENT_RINGING, CallEventType.PATIENT_ANSWERED,
            CallEventType.BRIDGED, CallEventType.HANGUP};

    @TempDir
    Path outboxDir;

    private CuttableProxy proxy;
    private RedissonClient viaProxy;
    private RedissonClient direct;
    private String prefix;
    private final List<StreamBridge> bridges = new ArrayList<>();
    private final List<CallEvent> published = new ArrayList<>();
    private long sequence;

    @BeforeEach
    void setUp() throws IOException {
        prefix = "outbox-test-" + UUID.randomUUID();
        proxy = new CuttableProxy("127.0.0.1", 6379);
        Config config = new Config();
        // fail fast while Redis is away, so the test does not wait for long client-side retries
        config.useSingleServer().setAddress("redis://127.0.0.1:" + proxy.port()).setTimeout(500).setConnectTimeout(500)
                .setRetryAttempts(0).setConnectionMinimumIdleSize(1).setConnectionPoolSize(2)
                .setSubscriptionConnectionMinimumIdleSize(0).setPingConnectionInterval(0);
        viaProxy = Redisson.create(config);
        Config directConfig = new Config();
        directConfig.useSingleServer().setAddress("redis://127.0.0.1:6379");
        direct = Redisson.create(directConfig);
    }

    @AfterEach
    void tearDown() throws IOException {
        bridges.forEach(StreamBridge::close);
        proxy.close();
        viaProxy.shutdown();
        direct.getKeys().deleteByPattern(prefix + "*");
        direct.shutdown();
    }

    private BridgeProperties props(long maxBytes) {
        return BridgeProperties.defaults().withStreams(prefix, "bridge-test", Duration.ofMillis(300), Duration.ofMillis(100))
                .withOutbox(outboxDir.toString(), maxBytes);
    }

    private StreamBridge bridge(RedissonClient client, long maxBytes) {
        StreamBridge bridge = new StreamBridge(client, props(maxBytes));
        bridges.add(bridge);
        return bridge;
    }

    @Test
    void eventsPublishedWhileRedisIsAway_waitInTheOutbox_andFollowInOrderOnceItIsBack() throws Exception {
        StreamBridge bridge = bridge(viaProxy, 64L * 1024 * 1024);
        publish(bridge, 5);
        awaitStreamLength(5);

        proxy.cut();
        publish(bridge, 20);
        Poll.until("20 events in the outbox", this::outboxLines, n -> n == 20);
        assertThat(streamEntries()).hasSize(5);

        proxy.restore();
        publish(bridge, 5);
        awaitStreamLength(30);
        bridge.flushed().get();

        assertThat(streamEntries()).as("every event exactly once, in the order published")
                .containsExactlyElementsOf(published.stream().map(CallEvent::toFields).toList());
        assertThat(Files.size(outboxFile())).isZero();
        assertThat(bridge.droppedEvents()).isZero();
    }

    @Test
    void anOutboxLeftByABridgeThatStoppedWhileRedisWasAway_isPublishedByTheNextOneBeforeItsOwnEvents() throws Exception {
        StreamBridge first = bridge(viaProxy, 64L * 1024 * 1024);
        proxy.cut();
        publish(first, 10);
        Poll.until("10 events in the outbox", this::outboxLines, n -> n == 10);
        first.close();

        StreamBridge next = bridge(direct, 64L * 1024 * 1024);
        publish(next, 3);
        awaitStreamLength(13);
        next.flushed().get();

        assertThat(streamEntries()).containsExactlyElementsOf(published.stream().map(CallEvent::toFields).toList());
    }

    @Test
    void aFullOutbox_dropsWhatDoesNotFit_andPublishesWhatItKept() throws Exception {
        StreamBridge bridge = bridge(viaProxy, 4096);
        proxy.cut();
        publish(bridge, 60);
        Poll.until("the outbox to hold or drop all 60", () -> outboxLines() + bridge.droppedEvents(), n -> n == 60);
        long kept = outboxLines();
        assertThat(kept).isPositive().isLessThan(60);
        assertThat(Files.size(outboxFile())).isLessThanOrEqualTo(4096);

        proxy.restore();
        awaitStreamLength(kept);
        bridge.flushed().get();

        assertThat(streamEntries()).as("what was kept goes out, in order; the rest is a gap at the end, never a reorder")
                .containsExactlyElementsOf(published.subList(0, (int) kept).stream().map(CallEvent::toFields).toList());
    }

    // ------------------------------------------------------------------ helpers

    /** Events round-robin over three calls, each call's sequence increasing. */
    private void publish(StreamBridge bridge, int n) {
        for (int i = 0; i < n; i++) {
            long seq = ++sequence;
            String call = CALLS.get((int) (seq % CALLS.size()));
            CallEvent e = new CallEvent(call, "core-1", seq, TYPES[(int) (seq % TYPES.length)], "CALL", null, null, null,
                    null, null, null, Instant.ofEpochMilli(1_795_399_200_000L + seq));
            published.add(e);
            bridge.publish(e);
        }
    }

    private RStream<String, String> stream() {
        return direct.getStream(TelephonyStreams.events(prefix), StringCodec.INSTANCE);
    }

    private List<Map<String, String>> streamEntries() {
        if (!stream().isExists()) {
            return List.of();
        }
        return List.copyOf(stream().range(StreamMessageId.MIN, StreamMessageId.MAX).values());
    }

    private void awaitStreamLength(long n) {
        Poll.until(n + " entries on the events stream", () -> stream().isExists() ? stream().size() : 0L, size -> size >= n);
    }

    private Path outboxFile() {
        return outboxDir.resolve(StreamBridge.outboxName("bridge-test") + ".jsonl");
    }

    private long outboxLines() {
        try {
            return Files.exists(outboxFile()) ? Files.readAllLines(outboxFile()).size() : 0;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
