package cn.suifang.backend.call;

import cn.suifang.backend.common.LogSafe;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.telephony.api.CallEvent;
import cn.suifang.telephony.api.TelephonyStreams;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.redisson.api.RStreamReactive;
import org.redisson.api.RedissonReactiveClient;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.api.stream.StreamCreateGroupArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.PendingEntry;
import org.redisson.api.stream.StreamReadGroupArgs;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reads the bridge's call events from {@link TelephonyStreams#events} in the consumer group
 * {@link TelephonyStreams#BACKEND_GROUP} and applies them, each call's in stream order and several calls at a
 * time, acknowledging each entry only after its transaction committed. An entry whose transaction failed stays
 * pending and is reclaimed (XAUTOCLAIM) by whichever instance runs the next reclaim after
 * {@link TelephonyStreams#RECLAIM_IDLE_MILLIS}; that also picks up what a crashed instance had read but not applied. A malformed entry is copied to the dead-letter
 * stream and acknowledged, so it never blocks the stream. So is a well-formed entry that could not be applied
 * on {@code suifang.telephony.max-event-deliveries} deliveries (Redis counts them: XREADGROUP is the first,
 * each XAUTOCLAIM one more), e.g. one that breaks a database constraint on every try; the dead-letter copy
 * carries the reason and the delivery count. Both are counted in {@value #DEAD_LETTERED_METRIC}.
 * <p>
 * With {@code suifang.telephony.consume-events=false} nothing runs by itself; tests call {@link #pollOnce()}
 * and {@link #reclaimOnce()}.
 */
@Component
public class CallEventConsumer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(CallEventConsumer.class);
    private static final int BATCH = 100;
    /** Calls applied at the same time; each holds one pooled connection (pool max-size 20) while it commits. */
    static final int CALLS_IN_PARALLEL = 4;
    private static final Duration BLOCK = Duration.ofSeconds(2);
    private static final Duration BACKOFF = Duration.ofSeconds(1);
    private static final Duration RECLAIM_PERIOD = Duration.ofMillis(TelephonyStreams.RECLAIM_IDLE_MILLIS / 2);
    private static final int DEAD_LETTER_MAX_LENGTH = 10_000;
    private static final Duration FORGET_CONSUMER_AFTER = Duration.ofDays(1);
    static final String DEAD_LETTERED_METRIC = "suifang.telephony.events.dead.lettered";
    /** Dead-letter reason of an entry that kept failing to apply (its exception class follows after a colon). */
    static final String REASON_APPLY_FAILED = "APPLY_FAILED";

    private final RedissonReactiveClient redis;
    private final CallEventApplier applier;
    private final SuifangProperties properties;
    private final Counter deadLetteredMalformed;
    private final Counter deadLetteredUnapplied;
    /** Unique per instance, so a restarted or second instance never inherits another's pending entries silently. */
    private final String consumerName = "backend-" + UUID.randomUUID();

    private volatile boolean running;
    private volatile boolean groupReady;
    private volatile Disposable readLoop;
    private volatile Disposable reclaimLoop;

    CallEventConsumer(RedissonReactiveClient redis, CallEventApplier applier, SuifangProperties properties,
                      MeterRegistry meters) {
        this.redis = redis;
        this.applier = applier;
        this.properties = properties;
        this.deadLetteredMalformed = deadLettered(meters, "malformed");
        this.deadLetteredUnapplied = deadLettered(meters, "apply_failed");
    }

    private static Counter deadLettered(MeterRegistry meters, String reason) {
        return Counter.builder(DEAD_LETTERED_METRIC)
                .description("Call events moved to the dead-letter stream")
                .tag("reason", reason)
                .register(meters);
    }

    public static String deadLetterKey(String keyPrefix) {
        return TelephonyStreams.events(keyPrefix) + ":dead";
    }

    String consumerName() {
        return consumerName;
    }

    private RStreamReactive<String, String> events() {
        return redis.getStream(TelephonyStreams.events(properties.redis().keyPrefix()), StringCodec.INSTANCE);
    }

    // ------------------------------------------------------------------ one step each

    /** Reads and applies what is new for this consumer, without waiting; emits how many entries were handled. */
    public Mono<Integer> pollOnce() {
        return poll(null);
    }

    private Mono<Integer> poll(Duration block) {
        StreamReadGroupArgs args = StreamReadGroupArgs.neverDelivered().count(BATCH);
        if (block != null) {
            args = args.timeout(block);
        }
        StreamReadGroupArgs read = args;
        return withGroup(() -> events().readGroup(TelephonyStreams.BACKEND_GROUP, consumerName, read))
                .flatMap(entries -> handle(entries, Map.of()))
                .defaultIfEmpty(0)
                .doOnError(e -> groupReady = false);
    }

    /** Claims entries other consumers (or this one) read but did not acknowledge within the idle time, and applies them. */
    public Mono<Integer> reclaimOnce() {
        return withGroup(() -> events().autoClaim(TelephonyStreams.BACKEND_GROUP, consumerName,
                        TelephonyStreams.RECLAIM_IDLE_MILLIS, TimeUnit.MILLISECONDS, new StreamMessageId(0, 0), BATCH))
                .flatMap(claimed -> deliveryCounts(claimed.getMessages())
                        .flatMap(counts -> handle(claimed.getMessages(), counts)))
                .defaultIfEmpty(0)
                .doOnError(e -> groupReady = false);
    }

    /**
     * How often Redis has delivered each of the entries this consumer just claimed (XPENDING per entry: exact
     * whatever else is pending; only entries that were idle past the threshold get here, so it stays rare).
     */
    private Mono<Map<StreamMessageId, Long>> deliveryCounts(Map<StreamMessageId, Map<String, String>> claimed) {
        if (claimed == null || claimed.isEmpty()) {
            return Mono.just(Map.of());
        }
        return Flux.fromIterable(claimed.keySet())
                .concatMap(id -> events().listPending(TelephonyStreams.BACKEND_GROUP, consumerName, id, id, 1)
                        .flatMapMany(Flux::fromIterable))
                .collectMap(PendingEntry::getId, PendingEntry::getDeliveryCount);
    }

    /**
     * Removes consumers of earlier instances (every instance start adds a uniquely named one) that hold no
     * pending entries and have been idle for at least {@code idleFor} (the loop uses a day); emits how many.
     */
    public Mono<Integer> forgetIdleConsumers(Duration idleFor) {
        return withGroup(() -> events().listConsumers(TelephonyStreams.BACKEND_GROUP))
                .flatMapMany(Flux::fromIterable)
                .filter(c -> !c.getName().equals(consumerName) && c.getPending() == 0
                        && c.getIdleTime() >= idleFor.toMillis())
                .concatMap(c -> events().removeConsumer(TelephonyStreams.BACKEND_GROUP, c.getName()))
                .count()
                .map(Long::intValue);
    }

    /**
     * Runs a group command; when the stream or group vanished (Redis restarted without persistence, key
     * deleted) the group is created again and the command retried once.
     */
    private <T> Mono<T> withGroup(java.util.function.Supplier<Mono<T>> command) {
        return ensureGroup()
                .then(Mono.defer(command))
                .onErrorResume(CallEventConsumer::noGroup, e -> {
                    groupReady = false;
                    return ensureGroup().then(Mono.defer(command));
                });
    }

    private static boolean noGroup(Throwable e) {
        return e.getMessage() != null && e.getMessage().startsWith("NOGROUP");
    }

    private Mono<Void> ensureGroup() {
        if (groupReady) {
            return Mono.empty();
        }
        return events().createGroup(StreamCreateGroupArgs.name(TelephonyStreams.BACKEND_GROUP)
                        .id(StreamMessageId.ALL).makeStream())
                .onErrorResume(e -> e.getMessage() != null && e.getMessage().contains("BUSYGROUP"), e -> Mono.empty())
                .doOnSuccess(v -> groupReady = true);
    }

    /**
     * Applies a batch: each call's entries one after another in stream order, different calls concurrently (up to
     * {@link #CALLS_IN_PARALLEL}); the next batch is read only after this one is done. Calls are independent (an
     * event locks only its own call record), and applying everything one at a time made every event wait for the
     * previous one's commit, about ten commits per call in a row (docs/benchmarks.md, telephony).
     *
     * @param deliveries how often each entry has been delivered; an entry not in it (a first read) counts once
     */
    private Mono<Integer> handle(Map<StreamMessageId, Map<String, String>> entries, Map<StreamMessageId, Long> deliveries) {
        if (entries == null || entries.isEmpty()) {
            return Mono.just(0);
        }
        Map<String, List<Map.Entry<StreamMessageId, Map<String, String>>>> byCall = new LinkedHashMap<>();
        for (Map.Entry<StreamMessageId, Map<String, String>> entry : entries.entrySet()) {
            String callId = entry.getValue() == null ? null : entry.getValue().get("callId");
            byCall.computeIfAbsent(callId != null ? callId : "entry:" + entry.getKey(), k -> new ArrayList<>()).add(entry);
        }
        return Flux.fromIterable(byCall.values())
                .flatMap(call -> Flux.fromIterable(call)
                        .concatMap(entry -> handleEntry(entry.getKey(), entry.getValue(),
                                deliveries.getOrDefault(entry.getKey(), 1L)).thenReturn(1)), CALLS_IN_PARALLEL)
                .reduce(0, Integer::sum);
    }

    private Mono<Void> handleEntry(StreamMessageId id, Map<String, String> fields, long delivery) {
        CallEvent event;
        try {
            event = parse(fields);
        } catch (RuntimeException e) {
            // field values are not logged: they may be anything, including data that must not reach a log
            log.warn("malformed call event {} ({}); moved to the dead-letter stream", id, e.getClass().getSimpleName());
            return deadLetter(id, fields, e.getClass().getSimpleName(), delivery)
                    .then(ack(id))
                    .doOnSuccess(v -> deadLetteredMalformed.increment());
        }
        int max = properties.telephony().maxEventDeliveries();
        if (delivery > max) {
            // delivered more often than allowed without ever failing visibly (e.g. the instance died applying it)
            return giveUp(id, fields, event, delivery, "delivered " + delivery + " times without being acknowledged");
        }
        return applier.apply(event, id.toString())
                .doOnNext(result -> {
                    if (result == CallEventApplier.Result.UNKNOWN_CALL) {
                        log.warn("call event {} for unknown call {} ignored", id, event.callId());
                    }
                })
                .then(ack(id))
                .onErrorResume(e -> {
                    String reason = e.getClass().getSimpleName();
                    if (delivery >= max) {
                        return giveUp(id, fields, event, delivery, reason);
                    }
                    log.error("call event {} ({} of call {}) not applied on delivery {} of {}, stays pending for reclaim: {}",
                            id, event.type(), event.callId(), delivery, max, reason);
                    return Mono.empty();
                });
    }

    /** A poison entry: copied to the dead-letter stream with why and how often, then acknowledged. */
    private Mono<Void> giveUp(StreamMessageId id, Map<String, String> fields, CallEvent event, long delivery, String why) {
        // the event's own fields hold no phone number or name: ids, causes and counts only
        log.error("call event {} ({} of call {}) failed on {} deliveries; moved to the dead-letter stream: {}",
                id, event.type(), event.callId(), delivery, LogSafe.of(why));
        return deadLetter(id, fields, REASON_APPLY_FAILED + ": " + why, delivery)
                .then(ack(id))
                .doOnSuccess(v -> deadLetteredUnapplied.increment());
    }

    /** Strict parse: everything the contract requires must be there and well-formed; the call id must be a UUID. */
    static CallEvent parse(Map<String, String> fields) {
        if (fields == null) {
            throw new IllegalArgumentException("no fields");
        }
        CallEvent event = CallEvent.fromFields(fields);
        UUID.fromString(event.callId());
        if (event.coreUuid() == null || event.coreUuid().isBlank()) {
            throw new IllegalArgumentException("coreUuid");
        }
        // what the columns cannot hold would fail the transaction on every redelivery: refuse it here instead
        if (tooLong(event.coreUuid(), 64) || tooLong(event.leg(), 16) || tooLong(event.channelUuid(), 64)
                || tooLong(event.hangupCause(), 64) || tooLong(event.recordingPath(), 1024) || event.sequence() < 0
                || negative(event.billsec()) || negative(event.durationSec())) {
            throw new IllegalArgumentException("field out of range");
        }
        return event;
    }

    private static boolean tooLong(String value, int max) {
        return value != null && value.length() > max;
    }

    private static boolean negative(Integer value) {
        return value != null && value < 0;
    }

    private Mono<Void> deadLetter(StreamMessageId id, Map<String, String> fields, String reason, long deliveries) {
        Map<String, String> copy = new LinkedHashMap<>(fields == null ? Map.of() : fields);
        copy.put("deadLetterSourceId", id.toString());
        copy.put("deadLetterReason", reason);
        copy.put("deadLetterDeliveries", Long.toString(deliveries));
        return redis.<String, String>getStream(deadLetterKey(properties.redis().keyPrefix()), StringCodec.INSTANCE)
                .add(StreamAddArgs.entries(copy).trimNonStrict().maxLen(DEAD_LETTER_MAX_LENGTH).noLimit())
                .then();
    }

    private Mono<Void> ack(StreamMessageId id) {
        return events().ack(TelephonyStreams.BACKEND_GROUP, id).then();
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void start() {
        running = true;
        if (!properties.telephony().consumeEvents()) {
            return;
        }
        readLoop = Mono.defer(() -> poll(BLOCK))
                .onErrorResume(e -> {
                    log.warn("reading call events failed ({}); retrying", e.getClass().getSimpleName());
                    return Mono.delay(BACKOFF).thenReturn(0);
                })
                .repeat(() -> running)
                .subscribe();
        reclaimLoop = Flux.interval(RECLAIM_PERIOD)
                .concatMap(tick -> reclaimOnce().flatMap(n -> forgetIdleConsumers(FORGET_CONSUMER_AFTER)).onErrorResume(e -> {
                    log.warn("reclaiming call events failed ({})", e.getClass().getSimpleName());
                    return Mono.just(0);
                }))
                .subscribe();
        log.info("call event consumer {} started", consumerName);
    }

    @Override
    public void stop() {
        running = false;
        dispose(readLoop);
        dispose(reclaimLoop);
    }

    private static void dispose(Disposable d) {
        if (d != null) {
            d.dispose();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
