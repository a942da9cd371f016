package cn.suifang.telephony.bridge;

import cn.suifang.telephony.api.CallEvent;
import cn.suifang.telephony.api.CallEventType;
import cn.suifang.telephony.api.CallLegs;
import cn.suifang.telephony.api.CallOutcome;
import cn.suifang.telephony.api.OriginateCommand;
import cn.suifang.telephony.esl.EslEvent;
import cn.suifang.telephony.esl.EslFrame;
import cn.suifang.telephony.esl.EslJson;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;

/**
 * Turns originate/hang-up commands into ESL {@code bgapi} calls and channel events into {@link CallEvent}s.
 * <p>
 * UUIDs: the doctor leg's {@code origination_uuid} is the call id itself; the patient leg's is the
 * name-based (v3) UUID of {@code "suifang-patient-leg:" + callId}. Both are deterministic, so any bridge
 * instance can find, reconcile or kill a call's legs knowing only its id, and the switch refuses a second
 * originate for a live call.
 * <p>
 * All state is confined to the ESL client's event-loop thread.
 */
public final class CallDriver implements EslClient.Listener {

    private static final System.Logger LOG = System.getLogger(CallDriver.class.getName());

    static final String VAR_CALL_ID = CallLegs.CALL_ID_VARIABLE;
    static final String VAR_TASK_ID = CallLegs.TASK_ID_VARIABLE;
    static final String SYNTHETIC_CORE = "bridge";
    static final String LINK_LOST = "LINK_LOST_DURING_CALL";
    private static final Pattern CALL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,63}");
    private static final Pattern NUMBER = Pattern.compile("\\+?[0-9*#]{1,32}");
    private static final Pattern GATEWAY = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final DateTimeFormatter DAY_DIR = DateTimeFormatter.ofPattern("yyyy/MM/dd");

    /** What happened to an originate command; every value means "acknowledge the command". */
    public enum Result { SENT, ALREADY_IN_PROGRESS, ALREADY_ENDED, REJECTED }

    private final BridgeProperties props;
    private final CallStore store;
    private final CallEventSink sink;
    private final Clock clock;
    private EslClient esl;
    private Executor loop;
    private final Map<String, CallState> calls = new HashMap<>();
    private final Map<String, CallState> byUuid = new HashMap<>();
    private final Map<String, CallState> byJob = new HashMap<>();
    private long lastSyntheticSequence;
    /** Calls this instance ended lately: a duplicate command must not race the store's "ended" write. */
    private final Map<String, Boolean> recentlyEnded = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > 10_000;
        }
    };

    CallDriver(BridgeProperties props, CallStore store, CallEventSink sink, Clock clock) {
        this.props = props;
        this.store = store;
        this.sink = sink;
        this.clock = clock;
    }

    void attach(EslClient client) {
        this.esl = client;
        this.loop = client.executor();
    }

    static String patientUuid(String callId) {
        return CallLegs.patientLegUuid(callId);
    }

    // ---------------------------------------------------------------- commands

    public CompletableFuture<Result> originate(OriginateCommand cmd) {
        CompletableFuture<Result> result = new CompletableFuture<>();
        String invalid = validate(cmd);
        if (invalid != null) {
            LOG.log(System.Logger.Level.WARNING, "originate for call " + safeId(cmd.callId()) + " rejected: " + invalid);
            if (CALL_ID.matcher(cmd.callId()).matches()) {
                sink.publish(synthetic(cmd.callId(), CallEventType.CALL_ENDED, "CALL", null, "INVALID_COMMAND",
                        CallOutcome.FAILED, 0, 0, null));
            }
            result.complete(Result.REJECTED);
            return result;
        }
        loop.execute(() -> {
            if (calls.containsKey(cmd.callId())) {
                result.complete(Result.ALREADY_IN_PROGRESS);
                return;
            }
            if (recentlyEnded.containsKey(cmd.callId())) {
                result.complete(Result.ALREADY_ENDED);
                return;
            }
            if (esl.state() != EslClient.State.CONNECTED) {
                result.completeExceptionally(new IOException("ESL link is not connected"));
                return;
            }
            String path = cmd.record() ? recordingPath(cmd.callId()) : null;
            CallState state = new CallState(cmd.callId(), cmd.taskId(), cmd.callId(), patientUuid(cmd.callId()),
                    cmd.record(), path);
            state.jobUuid = UUID.randomUUID().toString();
            store.claim(cmd.callId(), state.toMap()).whenCompleteAsync((existing, error) -> {
                if (error != null) {
                    result.completeExceptionally(error);
                } else if (existing.isPresent()) {
                    result.complete(takeOver(CallState.fromMap(existing.get())));
                } else {
                    dial(state, cmd, result);
                }
            }, loop);
        });
        return result;
    }

    private Result takeOver(CallState known) {
        if (known.ended || recentlyEnded.containsKey(known.callId)) {
            return Result.ALREADY_ENDED;
        }
        if (!calls.containsKey(known.callId)) {
            track(known);
            if (esl.state() == EslClient.State.CONNECTED) {
                reconcile(known);
            }
        }
        return Result.ALREADY_IN_PROGRESS;
    }

    private void dial(CallState state, OriginateCommand cmd, CompletableFuture<Result> result) {
        track(state);
        esl.bgapi(originateCommand(cmd, state), UUID.fromString(state.jobUuid)).whenCompleteAsync((reply, error) -> {
            if (error != null || !reply.isOk()) {
                untrack(state);
                store.release(state.callId);
                result.completeExceptionally(error != null ? error
                        : new IOException("bgapi originate refused: " + reply.replyText().orElse("")));
                return;
            }
            sink.publish(synthetic(state.callId, CallEventType.ORIGINATE_ACCEPTED, "CALL", state.doctorUuid, null,
                    null, null, null, null));
            result.complete(Result.SENT);
        }, loop);
    }

    /** Kills every leg of the call; the outcome becomes CANCELLED unless the patient already answered. */
    public CompletableFuture<Void> hangup(String callId) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (callId == null || !CALL_ID.matcher(callId).matches()) {
            done.complete(null);
            return done;
        }
        loop.execute(() -> {
            CallState state = calls.get(callId);
            List<CompletableFuture<EslFrame>> kills = new ArrayList<>();
            if (state != null) {
                state.cancelRequested = true;
                store.save(callId, state.toMap());
                if (!state.doctorComplete) {
                    kills.add(esl.bgapi("uuid_kill " + state.doctorUuid, UUID.randomUUID()));
                }
                if (!state.patientComplete) {
                    kills.add(esl.bgapi("uuid_kill " + state.patientUuid, UUID.randomUUID()));
                }
            } else {
                // unknown here (another instance may own it): the legs' UUIDs are deterministic
                kills.add(esl.bgapi("uuid_kill " + callId, UUID.randomUUID()));
                kills.add(esl.bgapi("uuid_kill " + patientUuid(callId), UUID.randomUUID()));
            }
            CompletableFuture.allOf(kills.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
                if (e != null) {
                    done.completeExceptionally(e);
                } else {
                    done.complete(null);
                }
            });
        });
        return done;
    }

    /** Calls a previous bridge instance left active; they are reconciled once the link is up. */
    void adopt(List<Map<String, String>> states) {
        loop.execute(() -> {
            for (Map<String, String> m : states) {
                CallState s = CallState.fromMap(m);
                if (!s.ended && !calls.containsKey(s.callId) && !recentlyEnded.containsKey(s.callId)) {
                    track(s);
                    if (esl.state() == EslClient.State.CONNECTED) {
                        reconcile(s);
                    }
                }
            }
        });
    }

    /** Number of calls this instance is driving (for tests and health checks). */
    CompletableFuture<Integer> activeCalls() {
        CompletableFuture<Integer> n = new CompletableFuture<>();
        loop.execute(() -> n.complete(calls.size()));
        return n;
    }

    String originateCommand(OriginateCommand cmd, CallState state) {
        String gateway = cmd.gateway().isBlank() ? props.gateway() : cmd.gateway();
        String cid = "origination_caller_id_number=" + cmd.callerIdNumber()
                + (cmd.callerIdName() == null ? "" : ",origination_caller_id_name='" + callerIdName(cmd.callerIdName()) + "'");
        String common = VAR_CALL_ID + "=" + cmd.callId() + "," + VAR_TASK_ID + "=" + cmd.taskId()
                + ",ignore_early_media=true," + cid;
        String doctor = "{origination_uuid=" + state.doctorUuid + "," + common
                + ",originate_timeout=" + props.doctorTimeout().toSeconds() + ",hangup_after_bridge=true}"
                + "sofia/gateway/" + gateway + "/" + cmd.doctorNumber();
        StringBuilder patient = new StringBuilder("{origination_uuid=").append(state.patientUuid).append(',')
                .append(common).append(",leg_timeout=").append(props.patientTimeout().toSeconds());
        if (state.record) {
            patient.append(",RECORD_STEREO=true,execute_on_answer='record_session ").append(state.recordingPath)
                    .append('\'');
        }
        patient.append("}sofia/gateway/").append(gateway).append('/').append(cmd.patientNumber());
        return "originate " + doctor + " &bridge(" + patient + ")";
    }

    private String recordingPath(String callId) {
        String dir = props.recordingsDir().endsWith("/") ? props.recordingsDir() : props.recordingsDir() + "/";
        return dir + DAY_DIR.format(clock.instant().atZone(props.zone())) + "/" + callId + ".wav";
    }

    private static String callerIdName(String name) {
        return name.replaceAll("['{}\\[\\](),^\\r\\n]", "");
    }

    private String validate(OriginateCommand cmd) {
        if (!CALL_ID.matcher(cmd.callId()).matches()) {
            return "call id must be 1-64 letters, digits or '-'";
        }
        if (!NUMBER.matcher(cmd.doctorNumber()).matches()) {
            return "doctor number is not a dialable number";
        }
        if (!NUMBER.matcher(cmd.patientNumber()).matches()) {
            return "patient number is not a dialable number";
        }
        if (!NUMBER.matcher(cmd.callerIdNumber()).matches()) {
            return "caller id is not a number";
        }
        String gateway = cmd.gateway().isBlank() ? props.gateway() : cmd.gateway();
        if (gateway == null || !GATEWAY.matcher(gateway).matches()) {
            return "gateway name is invalid";
        }
        return null;
    }

    // ---------------------------------------------------------------- events

    @Override
    public void onState(EslClient.State state, String detail) {
        if (state == EslClient.State.CONNECTED) {
            List.copyOf(calls.values()).forEach(this::reconcile);
        }
    }

    @Override
    public void onEvent(EslEvent e) {
        String name = e.eventName();
        if (name.equals("BACKGROUND_JOB")) {
            onBackgroundJob(e);
            return;
        }
        String uuid = e.uniqueId().orElse(null);
        CallState s = uuid == null ? null : byUuid.get(uuid);
        if (s == null || s.ended) {
            return;
        }
        boolean doctor = uuid.equals(s.doctorUuid);
        String leg = doctor ? "DOCTOR" : "PATIENT";
        switch (name) {
            case "CHANNEL_CREATE" -> {
                if (doctor) {
                    s.doctorCreated = true;
                } else {
                    s.patientCreated = true;
                }
            }
            case "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA" -> {
                if (doctor && !s.doctorRinging) {
                    s.doctorRinging = true;
                    sink.publish(from(e, s, CallEventType.DOCTOR_RINGING, leg));
                } else if (!doctor && !s.patientRinging) {
                    s.patientRinging = true;
                    sink.publish(from(e, s, CallEventType.PATIENT_RINGING, leg));
                }
            }
            case "CHANNEL_ANSWER" -> {
                if (doctor && !s.doctorAnswered) {
                    s.doctorCreated = true;
                    s.doctorAnswered = true;
                    sink.publish(from(e, s, CallEventType.DOCTOR_ANSWERED, leg));
                } else if (!doctor && !s.patientAnswered) {
                    s.patientCreated = true;
                    s.patientAnswered = true;
                    s.patientAnsweredWallMillis = clock.millis();
                    sink.publish(from(e, s, CallEventType.PATIENT_ANSWERED, leg));
                }
            }
            case "CHANNEL_BRIDGE" -> {
                if (!s.bridged) {
                    s.bridged = true;
                    sink.publish(from(e, s, CallEventType.BRIDGED, "CALL"));
                }
            }
            case "CHANNEL_HANGUP" -> {
                String cause = e.hangupCause().orElse("NORMAL_CLEARING");
                if (doctor && s.doctorHangupCause == null) {
                    s.doctorHangupCause = cause;
                    s.doctorHungUpFirst = s.patientHangupCause == null;
                    sink.publish(withCause(from(e, s, CallEventType.HANGUP, leg), cause));
                } else if (!doctor && s.patientHangupCause == null) {
                    s.patientHangupCause = cause;
                    sink.publish(withCause(from(e, s, CallEventType.HANGUP, leg), cause));
                }
            }
            case "RECORD_STOP" -> {
                if (!s.recordingReady) {
                    s.recordingReady = true;
                    CallEvent base = from(e, s, CallEventType.RECORDING_READY, leg);
                    sink.publish(new CallEvent(base.callId(), base.coreUuid(), base.sequence(), base.type(), base.leg(),
                            base.channelUuid(), null, null, null, null,
                            e.recordFilePath().orElse(s.recordingPath), base.occurredAt()));
                }
            }
            case "CHANNEL_HANGUP_COMPLETE" -> {
                String cause = e.hangupCause().orElse(null);
                if (doctor) {
                    s.doctorComplete = true;
                    s.doctorCreated = true;
                    s.doctorHangupCause = s.doctorHangupCause == null ? cause : s.doctorHangupCause;
                    s.originateDisposition = e.variable("originate_disposition").orElse(null);
                    s.doctorDuration = intOf(e.duration());
                } else {
                    s.patientComplete = true;
                    s.patientCreated = true;
                    s.patientHangupCause = s.patientHangupCause == null ? cause : s.patientHangupCause;
                    s.billsec = intOf(e.billsec());
                    s.patientDuration = intOf(e.duration());
                }
                if (!maybeEnd(s, e)) {
                    store.save(s.callId, s.toMap());
                }
                return;
            }
            default -> {
                return;
            }
        }
        store.save(s.callId, s.toMap());
    }

    private void onBackgroundJob(EslEvent e) {
        CallState s = e.jobUuid().map(byJob::remove).orElse(null);
        if (s == null || s.ended) {
            return;
        }
        String body = e.bodyText().trim();
        if (body.startsWith("+OK")) {
            return;
        }
        String cause = body.startsWith("-ERR") ? body.substring(4).trim() : body;
        s.jobError = cause.isEmpty() ? "UNKNOWN" : cause.split("\\s+")[0];
        if (s.doctorCreated) {
            store.save(s.callId, s.toMap());
            return;
        }
        if (s.jobError.equals("DESTINATION_OUT_OF_ORDER")) {
            // also what the switch answers to an origination_uuid that is still live: a command delivered
            // twice, whose first originate is in progress; that is not a failure of the call
            esl.api("uuid_exists " + s.doctorUuid).whenCompleteAsync((reply, error) -> {
                if (error == null && reply.bodyText().trim().equals("true")) {
                    s.jobError = null;
                    s.doctorCreated = true;
                    store.save(s.callId, s.toMap());
                } else {
                    end(s, e.coreUuid().orElse(SYNTHETIC_CORE), e.eventSequence().orElse(0), timeOf(e), null);
                }
            }, loop);
            return;
        }
        end(s, e.coreUuid().orElse(SYNTHETIC_CORE), e.eventSequence().orElse(0), timeOf(e), null);
    }

    /** Ends the call when every leg it had has completed; true if it ended now. */
    private boolean maybeEnd(CallState s, EslEvent e) {
        boolean doctorDone = s.doctorComplete || (!s.doctorCreated && s.jobError != null);
        boolean patientDone = !s.patientCreated || s.patientComplete;
        if (s.ended || !doctorDone || !patientDone) {
            return false;
        }
        end(s, e.coreUuid().orElse(SYNTHETIC_CORE), e.eventSequence().orElse(0), timeOf(e), null);
        return true;
    }

    private void end(CallState s, String coreUuid, long sequence, Instant at, Outcomes.Decision override) {
        if (s.ended) {
            return;
        }
        s.ended = true;
        recentlyEnded.put(s.callId, Boolean.TRUE);
        Outcomes.Decision d = override != null ? override : Outcomes.decide(s);
        int billsec = d.outcome() == CallOutcome.CONNECTED && s.billsec != null ? s.billsec : 0;
        Integer duration = s.doctorDuration != null ? s.doctorDuration : s.patientDuration;
        sink.publish(new CallEvent(s.callId, coreUuid, sequence, CallEventType.CALL_ENDED, "CALL", s.doctorUuid,
                d.cause(), d.outcome(), billsec, duration, null, at));
        untrack(s);
        store.ended(s.callId, s.toMap());
    }

    // ---------------------------------------------------------------- reconcile

    /** Asks the switch whether the call's legs still exist and emits what the bridge missed. */
    private void reconcile(CallState s) {
        CompletableFuture<EslFrame> d = esl.api("uuid_exists " + s.doctorUuid);
        CompletableFuture<EslFrame> p = esl.api("uuid_exists " + s.patientUuid);
        CompletableFuture.allOf(d, p).whenCompleteAsync((v, error) -> {
            if (error != null || s.ended) {
                return; // link lost again: the next CONNECTED reconciles
            }
            boolean doctorLive = d.join().bodyText().trim().equals("true");
            boolean patientLive = p.join().bodyText().trim().equals("true");
            if (!doctorLive && !patientLive) {
                endLost(s);
                return;
            }
            if (!doctorLive && s.doctorCreated) {
                s.doctorComplete = true;
            }
            if (!patientLive && s.patientCreated) {
                s.patientComplete = true;
            }
            if (doctorLive) {
                catchUpAnswer(s, s.doctorUuid);
            }
            if (patientLive) {
                catchUpAnswer(s, s.patientUuid);
            }
            store.save(s.callId, s.toMap());
        }, loop);
    }

    private void catchUpAnswer(CallState s, String uuid) {
        esl.api("uuid_dump " + uuid + " json").whenCompleteAsync((reply, error) -> {
            if (error != null || s.ended || !reply.bodyText().trim().startsWith("{")) {
                return;
            }
            Object parsed;
            try {
                parsed = EslJson.parse(reply.bodyText());
            } catch (RuntimeException bad) {
                return;
            }
            if (!(parsed instanceof Map<?, ?> dump) || !"answered".equals(dump.get("Answer-State"))) {
                return;
            }
            boolean doctor = uuid.equals(s.doctorUuid);
            if (doctor) {
                s.doctorCreated = true;
                if (!s.doctorAnswered) {
                    s.doctorAnswered = true;
                    sink.publish(synthetic(s.callId, CallEventType.DOCTOR_ANSWERED, "DOCTOR", uuid, null, null, null,
                            null, null));
                }
            } else {
                s.patientCreated = true;
                if (!s.patientAnswered) {
                    s.patientAnswered = true;
                    s.patientAnsweredWallMillis = clock.millis();
                    sink.publish(synthetic(s.callId, CallEventType.PATIENT_ANSWERED, "PATIENT", uuid, null, null,
                            null, null, null));
                }
                if (!s.bridged) {
                    s.bridged = true;
                    sink.publish(synthetic(s.callId, CallEventType.BRIDGED, "CALL", s.doctorUuid, null, null, null,
                            null, null));
                }
            }
            store.save(s.callId, s.toMap());
        }, loop);
    }

    /**
     * Neither leg exists any more and the link lost the events in between. With a known hang-up cause the
     * normal rules apply; a connected call gets an approximate billsec from the bridge's own clock
     * (answer seen → now); otherwise the call failed as far as anyone can tell.
     */
    private void endLost(CallState s) {
        s.doctorComplete = s.doctorComplete || s.doctorCreated;
        s.patientComplete = s.patientComplete || s.patientCreated;
        if (s.patientAnswered) {
            if (s.record && !s.recordingReady) {
                s.recordingReady = true;
                sink.publish(synthetic(s.callId, CallEventType.RECORDING_READY, "PATIENT", s.patientUuid, null, null,
                        null, null, s.recordingPath));
            }
            if (s.billsec == null) {
                s.billsec = (int) Math.max(0, (clock.millis() - s.patientAnsweredWallMillis) / 1000);
            }
            String cause = s.patientHangupCause != null ? s.patientHangupCause : LINK_LOST;
            end(s, SYNTHETIC_CORE, nextSyntheticSequence(), clock.instant(),
                    new Outcomes.Decision(CallOutcome.CONNECTED, cause));
        } else if (s.doctorHangupCause != null || s.patientHangupCause != null || s.jobError != null) {
            end(s, SYNTHETIC_CORE, nextSyntheticSequence(), clock.instant(), null);
        } else {
            end(s, SYNTHETIC_CORE, nextSyntheticSequence(), clock.instant(),
                    new Outcomes.Decision(s.cancelRequested ? CallOutcome.CANCELLED : CallOutcome.FAILED, LINK_LOST));
        }
    }

    // ---------------------------------------------------------------- helpers

    private void track(CallState s) {
        calls.put(s.callId, s);
        byUuid.put(s.doctorUuid, s);
        byUuid.put(s.patientUuid, s);
        if (s.jobUuid != null && !s.doctorCreated && s.jobError == null) {
            byJob.put(s.jobUuid, s);
        }
    }

    private void untrack(CallState s) {
        calls.remove(s.callId, s);
        byUuid.remove(s.doctorUuid, s);
        byUuid.remove(s.patientUuid, s);
        if (s.jobUuid != null) {
            byJob.remove(s.jobUuid, s);
        }
    }

    private CallEvent from(EslEvent e, CallState s, CallEventType type, String leg) {
        return new CallEvent(s.callId, e.coreUuid().orElse(SYNTHETIC_CORE), e.eventSequence().orElse(0), type, leg,
                e.uniqueId().orElse(null), null, null, null, null, null, timeOf(e));
    }

    private static CallEvent withCause(CallEvent base, String cause) {
        return new CallEvent(base.callId(), base.coreUuid(), base.sequence(), base.type(), base.leg(),
                base.channelUuid(), cause, null, null, null, null, base.occurredAt());
    }

    /** Events the bridge makes up itself: coreUuid "bridge" and an increasing sequence (epoch micros based). */
    private CallEvent synthetic(String callId, CallEventType type, String leg, String channelUuid, String cause,
                                CallOutcome outcome, Integer billsec, Integer duration, String recordingPath) {
        return new CallEvent(callId, SYNTHETIC_CORE, nextSyntheticSequence(), type, leg, channelUuid, cause, outcome,
                billsec, duration, recordingPath, clock.instant());
    }

    private synchronized long nextSyntheticSequence() {
        lastSyntheticSequence = Math.max(lastSyntheticSequence + 1, clock.millis() * 1000);
        return lastSyntheticSequence;
    }

    private Instant timeOf(EslEvent e) {
        return e.eventTimestampMicros().stream().mapToObj(us -> Instant.ofEpochSecond(us / 1_000_000,
                (us % 1_000_000) * 1_000)).findFirst().orElseGet(clock::instant);
    }

    private static Integer intOf(java.util.OptionalLong v) {
        return v.isPresent() ? (int) v.getAsLong() : null;
    }

    private static String safeId(String callId) {
        return callId != null && CALL_ID.matcher(callId).matches() ? callId : "<invalid id>";
    }
}
