package cn.suifang.telephony.sim;

import cn.suifang.telephony.esl.EslEvent;

import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The switch itself: identity, event sequence, live channels and connected listeners. Lives
 * independently of connections, so channel state survives a dropped ESL link. Confined to the
 * simulator's single event-loop thread.
 */
final class SimCore {

    final String coreUuid;
    final String hostname;
    final ZoneId zone;
    final String password;
    final EventFactory events = new EventFactory(this);
    final Map<String, SimChannel> channels = new LinkedHashMap<>();
    final Set<SimSession> sessions = new LinkedHashSet<>();
    final Deque<CallScript> scripts = new ArrayDeque<>();
    final Function<String, CallScript> scriptResolver;
    final BiConsumer<String, Duration> recordingListener;
    SimTime time;

    private long sequence;
    private int sessionIds;

    SimCore(String coreUuid, String hostname, ZoneId zone, String password,
            Function<String, CallScript> scriptResolver, BiConsumer<String, Duration> recordingListener) {
        this.coreUuid = coreUuid;
        this.hostname = hostname;
        this.zone = zone;
        this.password = password;
        this.scriptResolver = scriptResolver;
        this.recordingListener = recordingListener;
    }

    long nextSequence() {
        return ++sequence;
    }

    int nextSessionId() {
        return ++sessionIds;
    }

    /** Queued scripts first, then the resolver (given the originate arguments). */
    CallScript nextScript(String originateArguments) {
        CallScript queued = scripts.poll();
        return queued != null ? queued : scriptResolver.apply(originateArguments);
    }

    void fire(EslEvent event) {
        for (SimSession session : new ArrayList<>(sessions)) {
            session.deliver(event);
        }
    }

    SimChannel channel(String uuid) {
        return channels.get(uuid);
    }

    List<SimChannel> liveChannels() {
        return List.copyOf(channels.values());
    }
}
