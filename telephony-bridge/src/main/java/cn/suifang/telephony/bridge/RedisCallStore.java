package cn.suifang.telephony.bridge;

import cn.suifang.telephony.esl.EslJson;

import org.redisson.api.RBucket;
import org.redisson.api.RSet;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * {@link CallStore} in Redis: {@code <prefix>:telephony:call:<callId>} holds the state as JSON (kept two days
 * after the call so late duplicates are still refused), {@code <prefix>:telephony:active} the ids of active
 * calls. Writes for one call are chained so they land in order; nothing blocks.
 */
final class RedisCallStore implements CallStore {

    private static final System.Logger LOG = System.getLogger(RedisCallStore.class.getName());
    static final Duration KEEP = Duration.ofDays(2);

    private final RedissonClient redisson;
    private final String prefix;
    private final Map<String, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();

    RedisCallStore(RedissonClient redisson, BridgeProperties props) {
        this.redisson = redisson;
        this.prefix = props.keyPrefix() + ":telephony:";
    }

    private RBucket<String> bucket(String callId) {
        return redisson.getBucket(prefix + "call:" + callId, StringCodec.INSTANCE);
    }

    private RSet<String> active() {
        return redisson.getSet(prefix + "active", StringCodec.INSTANCE);
    }

    @Override
    public CompletionStage<Optional<Map<String, String>>> claim(String callId, Map<String, String> state) {
        RBucket<String> bucket = bucket(callId);
        return bucket.setIfAbsentAsync(EslJson.write(state), KEEP).thenCompose(claimed -> claimed
                ? active().addAsync(callId).thenApply(added -> Optional.<Map<String, String>>empty())
                : bucket.getAsync().thenApply(json -> json == null ? Optional.<Map<String, String>>empty()
                        : Optional.of(parse(json))));
    }

    @Override
    public void release(String callId) {
        chain(callId, () -> bucket(callId).deleteAsync().thenCompose(d -> active().removeAsync(callId))
                .toCompletableFuture().thenApply(x -> null));
    }

    @Override
    public void save(String callId, Map<String, String> state) {
        String json = EslJson.write(state);
        chain(callId, () -> bucket(callId).setAsync(json, KEEP).toCompletableFuture());
    }

    @Override
    public void ended(String callId, Map<String, String> state) {
        String json = EslJson.write(state);
        chain(callId, () -> bucket(callId).setAsync(json, KEEP).thenCompose(v -> active().removeAsync(callId))
                .toCompletableFuture().thenApply(x -> null));
    }

    @Override
    public CompletionStage<List<Map<String, String>>> loadActive() {
        return active().readAllAsync().thenCompose(ids -> {
            List<CompletableFuture<String>> reads = new ArrayList<>();
            ids.forEach(id -> reads.add(bucket(id).getAsync().toCompletableFuture()));
            return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(v -> {
                List<Map<String, String>> states = new ArrayList<>();
                reads.forEach(r -> {
                    String json = r.join();
                    if (json != null) {
                        states.add(parse(json));
                    }
                });
                return states;
            });
        });
    }

    @SuppressWarnings("unchecked")
    private <T> void chain(String callId, Supplier<CompletableFuture<T>> write) {
        CompletableFuture<Void> tail = tails.compute(callId, (k, prev) -> {
            CompletableFuture<Void> start = prev == null ? CompletableFuture.completedFuture(null) : prev;
            return start.thenCompose(v -> write.get().handle((r, e) -> {
                if (e != null) {
                    LOG.log(System.Logger.Level.ERROR, "saving call " + callId + " failed: " + e);
                }
                return (Void) null;
            }));
        });
        tail.whenComplete((v, e) -> tails.remove(callId, tail));
    }

    static Map<String, String> parse(String json) {
        Map<String, String> m = new LinkedHashMap<>();
        ((Map<?, ?>) EslJson.parse(json)).forEach((k, v) -> m.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
        return m;
    }
}
