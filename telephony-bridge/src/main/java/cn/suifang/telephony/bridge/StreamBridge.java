package cn.suifang.telephony.bridge;

import cn.suifang.telephony.api.CallEvent;
import cn.suifang.telephony.api.TelephonyStreams;

import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.api.stream.StreamCreateGroupArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamReadGroupArgs;
import org.redisson.client.codec.StringCodec;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The bridge's side of the Redis Streams (Redisson async API, nothing blocks): reads commands as a member of
 * consumer group {@link TelephonyStreams#BRIDGE_GROUP}, acknowledges each only once the handler says so
 * (originate sent, or deterministically rejected), takes over entries a dead consumer left pending longer
 * than the reclaim idle time (XAUTOCLAIM), and publishes call events with {@code XADD MAXLEN ~}, chained per
 * call so they land in order.
 */
public final class StreamBridge implements CallEventSink, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(StreamBridge.class.getName());
    private static final int BATCH = 32;
    private static final int PUBLISH_ATTEMPTS = 6;

    /** Handles one command's fields; completes with true to acknowledge, exceptionally to leave it pending. */
    public interface CommandHandler {
        CompletionStage<Boolean> handle(Map<String, String> fields);
    }

    private final BridgeProperties props;
    private final RStream<String, String> commands;
    private final RStream<String, String> events;
    private final ScheduledExecutorService timer;
    private final Map<String, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();
    private final AtomicBoolean reclaiming = new AtomicBoolean();
    private volatile StreamMessageId reclaimCursor = new StreamMessageId(0, 0);
    private volatile boolean closed;
    private CommandHandler handler;

    public StreamBridge(RedissonClient redisson, BridgeProperties props) {
        this.props = props;
        this.commands = redisson.getStream(TelephonyStreams.commands(props.keyPrefix()), StringCodec.INSTANCE);
        this.events = redisson.getStream(TelephonyStreams.events(props.keyPrefix()), StringCodec.INSTANCE);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "suifang-stream-bridge");
            t.setDaemon(true);
            return t;
        });
    }

    public void start(CommandHandler handler) {
        this.handler = handler;
        createGroup().whenComplete((v, e) -> {
            if (e != null) {
                LOG.log(System.Logger.Level.ERROR, "cannot create consumer group on the commands stream; retrying", e);
                timer.schedule(() -> start(handler), 1, TimeUnit.SECONDS);
                return;
            }
            read(true);
            long every = props.reclaimInterval().toMillis();
            timer.scheduleWithFixedDelay(this::reclaim, every, every, TimeUnit.MILLISECONDS);
        });
    }

    private CompletableFuture<Void> createGroup() {
        return commands.createGroupAsync(StreamCreateGroupArgs.name(TelephonyStreams.BRIDGE_GROUP).makeStream()
                        .id(new StreamMessageId(0, 0)))
                .toCompletableFuture()
                .exceptionallyCompose(e -> String.valueOf(e.getMessage()).contains("BUSYGROUP")
                        || String.valueOf(e.getCause()).contains("BUSYGROUP")
                        ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(e));
    }

    /** First our own pending history (entries delivered to this consumer name before a restart), then new ones. */
    private void read(boolean history) {
        if (closed) {
            return;
        }
        StreamReadGroupArgs args = history
                ? StreamReadGroupArgs.greaterThan(new StreamMessageId(0, 0)).count(BATCH)
                : StreamReadGroupArgs.neverDelivered().count(BATCH).timeout(props.readBlock());
        commands.readGroupAsync(TelephonyStreams.BRIDGE_GROUP, props.consumerName(), args).whenComplete((batch, e) -> {
            if (closed) {
                return;
            }
            if (e != null) {
                LOG.log(System.Logger.Level.WARNING, "reading the commands stream failed: " + e.getMessage());
                timer.schedule(() -> read(history), 1, TimeUnit.SECONDS);
                return;
            }
            if (batch == null || batch.isEmpty()) {
                read(false);
                return;
            }
            process(batch).whenComplete((v, x) -> read(false));
        });
    }

    private CompletableFuture<Void> process(Map<StreamMessageId, Map<String, String>> batch) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (Map.Entry<StreamMessageId, Map<String, String>> entry : batch.entrySet()) {
            chain = chain.thenCompose(v -> handleOne(entry.getKey(), entry.getValue()));
        }
        return chain;
    }

    private CompletableFuture<Void> handleOne(StreamMessageId id, Map<String, String> fields) {
        CompletionStage<Boolean> handled;
        try {
            handled = handler.handle(fields);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "command " + id + " could not be handled; acknowledged and dropped: " + e);
            handled = CompletableFuture.completedFuture(true);
        }
        return handled.toCompletableFuture().handle((ack, e) -> {
            if (e != null) {
                LOG.log(System.Logger.Level.WARNING, "command " + id + " left pending for retry: " + rootMessage(e));
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (Boolean.TRUE.equals(ack)) {
                return commands.ackAsync(TelephonyStreams.BRIDGE_GROUP, id).toCompletableFuture()
                        .handle((n, x) -> (Void) null);
            }
            return CompletableFuture.<Void>completedFuture(null);
        }).thenCompose(f -> f);
    }

    /** Takes over commands pending (with any consumer, this one included) for longer than the reclaim idle time. */
    void reclaim() {
        if (closed || !reclaiming.compareAndSet(false, true)) {
            return;
        }
        commands.autoClaimAsync(TelephonyStreams.BRIDGE_GROUP, props.consumerName(), props.reclaimIdle().toMillis(),
                TimeUnit.MILLISECONDS, reclaimCursor, BATCH).toCompletableFuture()
                .thenCompose(result -> {
                    // XAUTOCLAIM scans the pending list in pages; 0-0 as the next id means the scan is complete
                    StreamMessageId next = result.getNextId();
                    reclaimCursor = next == null ? new StreamMessageId(0, 0) : next;
                    return result.getMessages().isEmpty() ? CompletableFuture.<Void>completedFuture(null)
                            : process(result.getMessages());
                })
                .whenComplete((v, e) -> {
                    reclaiming.set(false);
                    if (e != null && !closed) {
                        LOG.log(System.Logger.Level.WARNING, "reclaiming pending commands failed: " + rootMessage(e));
                    }
                });
    }

    @Override
    public void publish(CallEvent event) {
        Map<String, String> fields = event.toFields();
        String callId = event.callId();
        CompletableFuture<Void> tail = tails.compute(callId, (k, prev) ->
                (prev == null ? CompletableFuture.<Void>completedFuture(null) : prev)
                        .thenCompose(v -> add(fields, 0)));
        tail.whenComplete((v, e) -> tails.remove(callId, tail));
    }

    private CompletableFuture<Void> add(Map<String, String> fields, int attempt) {
        return events.addAsync(StreamAddArgs.entries(fields).trimNonStrict().maxLen(TelephonyStreams.MAX_LENGTH).noLimit())
                .toCompletableFuture().handle((id, e) -> {
                    if (e == null) {
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    if (attempt + 1 >= PUBLISH_ATTEMPTS) {
                        LOG.log(System.Logger.Level.ERROR, "call event " + fields.get("type") + " for call "
                                + fields.get("callId") + " could not be published: " + rootMessage(e));
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    CompletableFuture<Void> retry = new CompletableFuture<>();
                    timer.schedule(() -> add(fields, attempt + 1).whenComplete((v, x) -> retry.complete(null)),
                            100L << attempt, TimeUnit.MILLISECONDS);
                    return retry;
                }).thenCompose(f -> f);
    }

    /** Completes once every event handed to {@link #publish} so far is on the stream (or given up on). */
    public CompletableFuture<Void> flushed() {
        return CompletableFuture.allOf(tails.values().toArray(CompletableFuture[]::new));
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
