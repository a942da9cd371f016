package cn.suifang.telephony.bridge;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Durable call state shared by bridge instances: the claim that makes a redelivered command never dial
 * twice, and the active calls a restarted bridge takes over. Writes for one call are applied in order.
 */
interface CallStore {

    /** Stores {@code state} unless the call exists; returns the existing state then. */
    CompletionStage<Optional<Map<String, String>>> claim(String callId, Map<String, String> state);

    /** Forgets a claim whose originate never reached the switch, so a retry may dial. */
    void release(String callId);

    void save(String callId, Map<String, String> state);

    /** Marks the call ended (kept for a while to refuse late duplicates) and drops it from the active set. */
    void ended(String callId, Map<String, String> state);

    CompletionStage<List<Map<String, String>>> loadActive();
}
