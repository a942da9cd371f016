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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The bridge's side of the Redis Streams (Redisson async API, nothing blocks): reads commands as a member of
 * consumer group {@link TelephonyStreams#BRIDGE_GROUP}, acknowledges each only once the handler says so
 * (originate sent, or deterministically rejected), takes over entries a dead consumer left pending longer
 * than the reclaim idle time (XAUTOCLAIM), and publishes call events with {@code XADD MAXLEN ~} from one
 * publisher thread, in the order they happened. While Redis cannot take them, events go to a durable outbox
 * file ({@link EventOutbox}) and are published from there, oldest first, before any newer one.
 */
public final class StreamBridge implements CallEventSink, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(StreamBridge.class.getName());
    private static final int BATCH = 32;
    private static final long RETRY_INITIAL_MILLIS = 100;
    private static final long RETRY_MAX_MILLIS = 5_000;

    /** Handles one command's fields; completes with true to acknowledge, exceptionally to leave it pending. */
    public interface CommandHandler {
        CompletionStage<Boolean> handle(Map<String, String> fields);
    }

    private final BridgeProperties props;
    private final RStream<String, String> commands;
    private final RStream<String, String> events;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean reclaiming = new AtomicBoolean();
    private volatile StreamMessageId reclaimCursor = new StreamMessageId(0, 0);
    private volatile boolean closed;
    private CommandHandler handler;
    /** The publisher thread: all state below it is confined there. */
    private final ScheduledExecutorService publisher;
    private final EventOutbox outbox;
    private final Deque<Map<String, String>> queue = new ArrayDeque<>();
    private final List<CompletableFuture<Void>> flushWaiters = new ArrayList<>();
    private boolean sending;
    private boolean retryScheduled;
    private long backoffMillis = RETRY_INITIAL_MILLIS;
    private long dropped;
    private long drainedSinceOutage;

    public StreamBridge(RedissonClient redisson, BridgeProperties props) {
        this.props = props;
        this.commands = redisson.getStream(TelephonyStreams.commands(props.keyPrefix()), StringCodec.INSTANCE);
        this.events = redisson.getStream(TelephonyStreams.events(props.keyPrefix()), StringCodec.INSTANCE);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "suifang-stream-bridge");
            t.setDaemon(true);
            return t;
        });
        this.publisher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "suifang-event-publisher");
            t.setDaemon(true);
            return t;
        });
        try {
            this.outbox = new EventOutbox(Path.of(props.outboxDir()), outboxName(props.consumerName()), props.outboxMaxBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the call-event outbox in " + props.outboxDir(), e);
        }
        if (outbox.tornBytes() > 0) {
            LOG.log(System.Logger.Level.ERROR, "outbox " + outbox.file() + " ended in a half-written line ("
                    + outbox.tornBytes() + " bytes, a crash while writing it); cut off");
        }
        if (!outbox.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "outbox " + outbox.file() + " holds " + outbox.backlogBytes()
                    + " bytes of call events from before; publishing them before any new one");
            publisher.execute(this::pump);
        }
    }

    /** One outbox per consumer name: two bridges sharing a directory never read each other's file. */
    static String outboxName(String consumerName) {
        return consumerName.replaceAll("[^A-Za-z0-9._-]", "_") + ".events";
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

    // ---------------------------------------------------------------- publishing call events

    /**
     * Hands an event to the single publisher thread. Events go out in the order they were published (so per
     * call, too): straight to the stream while Redis takes them; once an XADD fails, that event and everything
     * after it go to the durable outbox until the outbox has been drained onto the stream again.
     */
    @Override
    public void publish(CallEvent event) {
        Map<String, String> fields = event.toFields();
        try {
            publisher.execute(() -> {
                queue.add(fields);
                pump();
            });
        } catch (RejectedExecutionException e) {
            LOG.log(System.Logger.Level.ERROR, "bridge closed: call event " + fields.get("type") + " for call "
                    + fields.get("callId") + " not published");
        }
    }

    /** One step of the publisher; runs on the publisher thread only. */
    private void pump() {
        if (sending || closed) {
            return;
        }
        if (!outbox.isEmpty()) {
            spill();
            drain();
            return;
        }
        Map<String, String> next = queue.poll();
        if (next == null) {
            idle();
            return;
        }
        sending = true;
        xadd(next).whenCompleteAsync((id, e) -> {
            sending = false;
            if (e != null) {
                queue.addFirst(next);
                LOG.log(System.Logger.Level.WARNING, "events stream unreachable (" + rootMessage(e) + "); "
                        + queue.size() + " call event(s) go to the outbox " + outbox.file());
                spill();
                retryLater();
                return;
            }
            backoffMillis = RETRY_INITIAL_MILLIS;
            pump();
        }, publisher);
    }

    /** Moves everything queued in memory to the outbox (in order, one fsync); what does not fit is dropped. */
    private void spill() {
        if (queue.isEmpty()) {
            return;
        }
        List<Map<String, String>> batch = new ArrayList<>(queue);
        int written;
        try {
            written = outbox.append(batch);
        } catch (IOException e) {
            // keep them in memory, in order, and try the disk again on the next round
            LOG.log(System.Logger.Level.ERROR, "cannot write the outbox " + outbox.file() + " (" + rootMessage(e)
                    + "); " + queue.size() + " call event(s) held in memory");
            return;
        }
        for (int i = 0; i < written; i++) {
            queue.poll();
        }
        if (written < batch.size()) {
            int lost = batch.size() - written;
            dropped += lost;
            LOG.log(System.Logger.Level.ERROR, "outbox " + outbox.file() + " is full (" + outbox.backlogBytes()
                    + " bytes waiting, limit suifang.telephony.outbox-max-bytes=" + outbox.maxBytes() + "): " + lost
                    + " call event(s) DROPPED, first " + batch.get(written).get("type") + " of call "
                    + batch.get(written).get("callId") + "; " + dropped + " dropped since start. Calls whose events"
                    + " are lost stay open in the backend until mod_json_cdr or the setup/max-call timeouts close them");
            queue.clear();
        }
    }

    /** Publishes the outbox's oldest entries in order, commits how far it got, and goes on (or backs off). */
    private void drain() {
        List<EventOutbox.Entry> batch;
        try {
            batch = outbox.peek(BATCH, at -> LOG.log(System.Logger.Level.ERROR,
                    "unreadable line at byte " + at + " of the outbox " + outbox.file() + " skipped"));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot read the outbox " + outbox.file() + ": " + rootMessage(e));
            retryLater();
            return;
        }
        sending = true;
        long[] published = {-1};
        int[] count = {0};
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (EventOutbox.Entry entry : batch) {
            chain = chain.thenComposeAsync(v -> entry.fields() == null ? CompletableFuture.completedFuture(null)
                    : xadd(entry.fields()).thenApply(id -> {
                        count[0]++;
                        return null;
                    }), publisher).thenApply(v -> {
                        published[0] = entry.end();
                        return null;
                    });
        }
        chain.whenCompleteAsync((v, e) -> {
            sending = false;
            try {
                if (published[0] >= 0) {
                    outbox.commit(published[0]);
                }
            } catch (IOException io) {
                // published but not committed: they would go out again after a restart (the backend deduplicates)
                LOG.log(System.Logger.Level.ERROR, "cannot record outbox progress in " + outbox.file() + ": "
                        + rootMessage(io));
            }
            drainedSinceOutage += count[0];
            if (e != null) {
                retryLater();
                return;
            }
            backoffMillis = RETRY_INITIAL_MILLIS;
            if (outbox.isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "outbox drained: " + drainedSinceOutage
                        + " call event(s) published after the events stream came back");
                drainedSinceOutage = 0;
            }
            pump();
        }, publisher);
    }

    private CompletableFuture<StreamMessageId> xadd(Map<String, String> fields) {
        return events.addAsync(StreamAddArgs.entries(fields).trimNonStrict().maxLen(TelephonyStreams.MAX_LENGTH).noLimit())
                .toCompletableFuture();
    }

    private void retryLater() {
        if (closed || retryScheduled) {
            return;
        }
        retryScheduled = true;
        long delay = backoffMillis;
        backoffMillis = Math.min(RETRY_MAX_MILLIS, backoffMillis * 2);
        publisher.schedule(() -> {
            retryScheduled = false;
            pump();
        }, delay, TimeUnit.MILLISECONDS);
    }

    private void idle() {
        List<CompletableFuture<Void>> done = new ArrayList<>(flushWaiters);
        flushWaiters.clear();
        done.forEach(f -> f.complete(null));
    }

    /**
     * Completes once every event handed to {@link #publish} so far is on the stream (which, with Redis down,
     * is only after it came back) or was dropped because the outbox was full.
     */
    public CompletableFuture<Void> flushed() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        publisher.execute(() -> {
            flushWaiters.add(f);
            pump();
        });
        return f;
    }

    /** Events dropped since start because the outbox was full. */
    long droppedEvents() {
        return dropped;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        // what is still only in memory goes to the outbox, so a restart publishes it
        try {
            CompletableFuture.runAsync(this::spill, publisher).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "could not move unpublished call events to the outbox on close: "
                    + rootMessage(e));
        }
        closed = true;
        timer.shutdownNow();
        publisher.shutdownNow();
        try {
            outbox.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the outbox: " + rootMessage(e));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
