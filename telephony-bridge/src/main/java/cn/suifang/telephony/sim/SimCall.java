package cn.suifang.telephony.sim;

import cn.suifang.telephony.esl.EslHeader;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drives one {@code originate} through its {@link CallScript}: the A-leg (doctor) is originated;
 * once it answers, {@code &bridge(...)} dials the B-leg (patient) and bridges the two. Event order
 * per leg follows the captures: CREATE, PROGRESS, ANSWER, (BRIDGE), HANGUP, (UNBRIDGE),
 * RECORD_STOP, HANGUP_COMPLETE. The originate result (BACKGROUND_JOB) comes when the A-leg answers
 * or fails, never earlier.
 */
final class SimCall {

    static final String ORIGINATE_SYNTAX = "<call url> <exten>|&<application_name>(<app_args>) [<dialplan>] "
            + "[<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]";

    private static final long DEFAULT_TIMEOUT_SECONDS = 60;
    private static final Pattern VARIABLE_REF = Pattern.compile("\\$\\{([^}]*)}");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
    private static final Map<String, String> Q850 = Map.ofEntries(
            Map.entry("UNALLOCATED_NUMBER", "1"), Map.entry("NO_ROUTE_DESTINATION", "3"),
            Map.entry("NORMAL_CLEARING", "16"), Map.entry("USER_BUSY", "17"),
            Map.entry("NO_USER_RESPONSE", "18"), Map.entry("NO_ANSWER", "19"),
            Map.entry("SUBSCRIBER_ABSENT", "20"), Map.entry("CALL_REJECTED", "21"),
            Map.entry("DESTINATION_OUT_OF_ORDER", "27"), Map.entry("INVALID_NUMBER_FORMAT", "28"),
            Map.entry("NORMAL_UNSPECIFIED", "31"), Map.entry("NORMAL_CIRCUIT_CONGESTION", "34"),
            Map.entry("NETWORK_OUT_OF_ORDER", "38"), Map.entry("NORMAL_TEMPORARY_FAILURE", "41"),
            Map.entry("RECOVERY_ON_TIMER_EXPIRE", "102"), Map.entry("ORIGINATOR_CANCEL", "487"),
            Map.entry("MANAGER_REQUEST", "503"));

    private final SimCore core;
    private final CallScript script;
    private final Consumer<String> result;
    private SimChannel a;
    private SimChannel b;
    private String bridgeTarget;
    private boolean resultSent;
    private boolean bridged;

    private SimCall(SimCore core, CallScript script, Consumer<String> result) {
        this.core = core;
        this.script = script;
        this.result = result;
    }

    /** Runs the {@code originate} API; {@code result} receives its output once, as FreeSWITCH would print it. */
    static void originate(SimCore core, String arguments, Consumer<String> result) {
        List<String> argv = DialString.arguments(arguments).stream()
                .map(arg -> arg.equalsIgnoreCase("undef") ? null : arg).toList();
        if (argv.size() < 2 || argv.size() > 7 || argv.get(0) == null || argv.get(1) == null) {
            result.accept("-USAGE: " + ORIGINATE_SYNTAX + "\n");
            return;
        }
        DialString.Leg dial;
        try {
            dial = DialString.parse(argv.get(0));
        } catch (IllegalArgumentException e) {
            result.accept("-ERR DESTINATION_OUT_OF_ORDER\n");
            return;
        }
        long timeout = DEFAULT_TIMEOUT_SECONDS;
        if (argv.size() > 6 && argv.get(6) != null) {
            timeout = parseSeconds(argv.get(6), DEFAULT_TIMEOUT_SECONDS);
        }
        SimCall call = new SimCall(core, core.nextScript(arguments), result);
        call.start(dial, argv.get(1), argv.size() > 4 ? argv.get(4) : null, argv.size() > 5 ? argv.get(5) : null,
                timeout);
    }

    private void start(DialString.Leg dial, String exten, String cidName, String cidNumber, long timeoutSeconds) {
        String appName = "";
        String appArg = "";
        if (exten.startsWith("&")) {
            int open = exten.indexOf('(');
            int close = exten.lastIndexOf(')');
            appName = open < 0 ? exten.substring(1) : exten.substring(1, open);
            appArg = open < 0 || close < open ? "" : exten.substring(open + 1, close);
            if (appName.equals("bridge") && !appArg.isBlank()) {
                bridgeTarget = appArg;
            }
        }
        String failure = failureFor(dial);
        if (failure != null) {
            sendResult("-ERR " + failure + "\n");
            return;
        }
        a = createLeg(dial, null, cidName, cidNumber);
        a.application = appName;
        a.applicationData = appArg;
        long timeout = legTimeout(dial.variables(), timeoutSeconds);
        runLeg(a, script.doctor(), timeout, this::doctorAnswered, this::doctorFailed);
    }

    /** {@code uuid_kill}: hangs up one leg with a cause and lets the rest of the call react like FreeSWITCH. */
    void kill(SimChannel ch, String cause) {
        if (!ch.isUp()) {
            return;
        }
        if (ch == a) {
            if (!a.isAnswered()) {
                doctorFailed(cause);
            } else if (bridged) {
                hangupBridged(a, cause);
            } else if (b != null && b.isUp()) {
                hangup(a, cause);
                hangup(b, "ORIGINATOR_CANCEL");
                complete(a);
                complete(b);
            } else {
                hangup(a, cause);
                complete(a);
            }
        } else if (ch == b) {
            if (bridged) {
                hangupBridged(b, cause);
            } else {
                patientFailed(cause);
            }
        }
    }

    /** {@code uuid_record <uuid> start <path>}. */
    void startRecording(SimChannel ch, String path) {
        if (ch.recordPath != null) {
            return;
        }
        ch.recordPath = path;
        ch.recordStartMicros = core.time.nowMicros();
        core.fire(core.events.channel("RECORD_START", ch, List.of(),
                List.of(new EslHeader("Record-File-Path", path))));
    }

    /** {@code uuid_record <uuid> stop}: sets record_* variables, then RECORD_STOP. */
    void stopRecording(SimChannel ch) {
        if (ch.recordPath == null) {
            return;
        }
        long ms = (core.time.nowMicros() - ch.recordStartMicros) / 1_000;
        ch.set("record_samples", Long.toString(ms * 8));
        ch.set("record_seconds", Long.toString(ms / 1_000));
        ch.set("record_ms", Long.toString(ms));
        String path = ch.recordPath;
        ch.recordPath = null;
        if (core.recordingListener != null) {
            try {
                core.recordingListener.accept(path, Duration.ofMillis(ms));
            } catch (RuntimeException e) {
                // a listener's failure must not break the call flow
            }
        }
        core.fire(core.events.channel("RECORD_STOP", ch, List.of(), List.of(new EslHeader("Record-File-Path", path))));
    }

    private void doctorAnswered() {
        sendResult("+OK " + a.uuid + "\n");
        a.state("CS_EXECUTE", 4);
        if (bridgeTarget != null) {
            dialPatient();
        } else {
            script.talk().ifPresent(talk -> core.time.schedule(micros(talk), () -> {
                if (a.isUp()) {
                    a.set("sip_hangup_disposition", script.hangsUp() == CallScript.Party.DOCTOR ? "recv_bye" : "send_bye");
                    hangup(a, "NORMAL_CLEARING");
                    complete(a);
                }
            }));
        }
    }

    private void doctorFailed(String cause) {
        hangup(a, cause);
        sendResult("-ERR " + cause + "\n");
        complete(a);
    }

    private void dialPatient() {
        DialString.Leg dial;
        try {
            dial = DialString.parse(bridgeTarget);
        } catch (IllegalArgumentException e) {
            patientFailed("DESTINATION_OUT_OF_ORDER");
            return;
        }
        String failure = failureFor(dial);
        if (failure != null) {
            patientFailed(failure);
            return;
        }
        b = createLeg(dial, a, a.callerIdName, a.callerIdNumber);
        long fallback = parseSeconds(a.variables.getOrDefault("call_timeout", ""), DEFAULT_TIMEOUT_SECONDS);
        runLeg(b, script.patient(), legTimeout(dial.variables(), fallback), this::patientAnswered, this::patientFailed);
    }

    private void patientAnswered() {
        long now = core.time.nowMicros();
        bridged = true;
        a.otherLeg = b;
        a.otherType = "originatee";
        a.bridgedMicros = now;
        b.bridgedMicros = now;
        a.set("originate_disposition", "SUCCESS");
        a.set("DIALSTATUS", "SUCCESS");
        a.set("last_bridge_to", b.uuid);
        a.set("bridge_channel", b.name);
        a.set("bridge_uuid", b.uuid);
        a.set("signal_bond", b.uuid);
        b.set("last_bridge_to", a.uuid);
        b.state("CS_EXCHANGE_MEDIA", 5);
        core.fire(core.events.channel("CHANNEL_BRIDGE", a, bridgeHeaders(), List.of()));
        script.talk().ifPresent(talk -> core.time.schedule(micros(talk), () -> {
            if (bridged) {
                hangupBridged(script.hangsUp() == CallScript.Party.DOCTOR ? a : b, "NORMAL_CLEARING");
            }
        }));
    }

    /** The B-leg failed (or could not be dialled): without continue_on_fail the A-leg hangs up with the same cause. */
    private void patientFailed(String cause) {
        if (b != null && b.isUp()) {
            hangup(b, cause);
            complete(b);
        }
        a.set("originate_disposition", cause);
        hangup(a, cause);
        complete(a);
    }

    private void hangupBridged(SimChannel first, String cause) {
        SimChannel second = first == a ? b : a;
        bridged = false;
        first.set("sip_hangup_disposition", "recv_bye");
        hangup(first, cause);
        second.set("sip_hangup_disposition", "send_bye");
        second.set("last_bridge_hangup_cause", cause);
        hangup(second, "NORMAL_CLEARING");
        core.fire(core.events.channel("CHANNEL_UNBRIDGE", a, bridgeHeaders(), List.of()));
        complete(first);
        complete(second);
    }

    private List<EslHeader> bridgeHeaders() {
        return List.of(new EslHeader("Bridge-A-Unique-ID", a.uuid), new EslHeader("Bridge-B-Unique-ID", b.uuid));
    }

    private SimChannel createLeg(DialString.Leg dial, SimChannel originator, String cidName, String cidNumber) {
        Map<String, String> vars = dial.variables();
        Endpoint target = Endpoint.of(dial.endpoint());
        String uuid = vars.getOrDefault("origination_uuid", UUID.randomUUID().toString());
        String name = vars.getOrDefault("origination_caller_id_name", cidName != null ? cidName : "FreeSWITCH");
        String number = vars.getOrDefault("origination_caller_id_number",
                cidNumber != null ? cidNumber : "0000000000");
        SimChannel ch = new SimChannel(this, uuid, target.channelName(), target.destination(), name, number,
                core.time.nowMicros());
        ch.set("direction", "outbound");
        ch.set("is_outbound", "true");
        ch.set("uuid", uuid);
        ch.set("session_id", Integer.toString(core.nextSessionId()));
        ch.set("sip_profile_name", target.profile());
        ch.set("channel_name", ch.name);
        if (originator != null) {
            ch.callUuid = originator.uuid;
            ch.otherLeg = originator;
            ch.otherType = "originator";
            ch.set("originator", originator.uuid);
            ch.set("originating_leg_uuid", originator.uuid);
            ch.set("signal_bond", originator.uuid);
        }
        ch.set("call_uuid", ch.callUuid);
        vars.forEach(ch::set);
        core.channels.put(uuid, ch);
        core.fire(core.events.channel("CHANNEL_CREATE", ch));
        ch.state("CS_CONSUME_MEDIA", 7);
        return ch;
    }

    /** Why a leg cannot even be created: {@code error/<cause>} endpoints, or a duplicate origination_uuid. */
    private String failureFor(DialString.Leg dial) {
        String uuid = dial.variables().get("origination_uuid");
        if (uuid != null && core.channels.containsKey(uuid)) {
            return "DESTINATION_OUT_OF_ORDER";
        }
        return Endpoint.of(dial.endpoint()).failure();
    }

    private void runLeg(SimChannel ch, CallScript.Leg leg, long timeoutMicros, Runnable onAnswer,
                        Consumer<String> onFail) {
        if (leg.rings()) {
            core.time.schedule(micros(script.ringDelay()), () -> {
                if (pending(ch)) {
                    ch.progressMicros = core.time.nowMicros();
                    core.fire(core.events.channel("CHANNEL_PROGRESS", ch));
                    ch.callState = "RINGING";
                }
            });
        }
        long outcome = micros(leg.rings() ? script.ringDelay().plus(leg.duration()) : leg.duration());
        if (outcome > timeoutMicros) {
            core.time.schedule(timeoutMicros, () -> {
                if (pending(ch)) {
                    onFail.accept("NO_ANSWER");
                }
            });
            return;
        }
        core.time.schedule(outcome, () -> {
            if (!pending(ch)) {
                return;
            }
            if (leg.answers()) {
                answer(ch);
                onAnswer.run();
            } else {
                onFail.accept(leg.failureCause());
            }
        });
    }

    private static boolean pending(SimChannel ch) {
        return ch.isUp() && !ch.isAnswered();
    }

    private void answer(SimChannel ch) {
        ch.answeredMicros = core.time.nowMicros();
        ch.answerState = "answered";
        ch.mediaUp = true;
        ch.set("endpoint_disposition", "ANSWER");
        core.fire(core.events.channel("CHANNEL_ANSWER", ch));
        ch.callState = "ACTIVE";
        for (Map.Entry<String, String> var : Map.copyOf(ch.variables).entrySet()) {
            String value = var.getValue().trim();
            if (var.getKey().startsWith("execute_on_answer") && value.startsWith("record_session")) {
                String path = value.substring("record_session".length()).replaceFirst("^(::|\\s+)", "").trim();
                startRecording(ch, expand(path, ch));
            }
        }
    }

    private void hangup(SimChannel ch, String cause) {
        ch.hangupCause = cause;
        ch.answerState = "hangup";
        ch.stateNumber = 10;
        ch.hangupMicros = core.time.nowMicros();
        ch.set("hangup_cause", cause);
        ch.set("hangup_cause_q850", Q850.getOrDefault(cause, "0"));
        core.fire(core.events.channel("CHANNEL_HANGUP", ch));
    }

    /** Reporting state: billing variables exist only from here on, so only HANGUP_COMPLETE carries them. */
    private void complete(SimChannel ch) {
        stopRecording(ch);
        ch.state("CS_REPORTING", 11);
        ch.callState = "HANGUP";
        setTimestamps(ch);
        core.fire(core.events.channel("CHANNEL_HANGUP_COMPLETE", ch,
                List.of(new EslHeader("Hangup-Cause", ch.hangupCause)), List.of()));
        core.channels.remove(ch.uuid);
    }

    /** As switch_channel_set_timestamps: second values are differences of whole epoch seconds. */
    private void setTimestamps(SimChannel ch) {
        long created = ch.createdMicros;
        long hungup = ch.hangupMicros;
        ch.set("start_stamp", stamp(created));
        if (ch.isAnswered()) {
            ch.set("answer_stamp", stamp(ch.answeredMicros));
        }
        if (ch.bridgedMicros != 0) {
            ch.set("bridge_stamp", stamp(ch.bridgedMicros));
        }
        if (ch.progressMicros != 0) {
            ch.set("progress_stamp", stamp(ch.progressMicros));
        }
        ch.set("end_stamp", stamp(hungup));
        epochs(ch, "start", created);
        epochs(ch, "answer", ch.answeredMicros);
        epochs(ch, "bridge", ch.bridgedMicros);
        epochs(ch, "progress", ch.progressMicros);
        epochs(ch, "end", hungup);
        long answered = ch.answeredMicros;
        ch.set("duration", Long.toString(sec(hungup) - sec(created)));
        ch.set("billsec", Long.toString(answered == 0 ? 0 : sec(hungup) - sec(answered)));
        ch.set("progresssec", Long.toString(ch.progressMicros == 0 ? 0 : sec(ch.progressMicros) - sec(created)));
        ch.set("answersec", Long.toString(answered == 0 ? 0 : sec(answered) - sec(created)));
        ch.set("waitsec", Long.toString(ch.bridgedMicros == 0 ? 0 : sec(ch.bridgedMicros) - sec(created)));
        ch.set("flow_billsec", Long.toString(answered == 0 ? 0 : sec(hungup) - sec(created)));
        ch.set("mduration", Long.toString(hungup / 1_000 - created / 1_000));
        ch.set("billmsec", Long.toString(answered == 0 ? 0 : hungup / 1_000 - answered / 1_000));
        ch.set("uduration", Long.toString(hungup - created));
        ch.set("billusec", Long.toString(answered == 0 ? 0 : hungup - answered));
    }

    private void epochs(SimChannel ch, String prefix, long micros) {
        ch.set(prefix + "_epoch", Long.toString(sec(micros)));
        ch.set(prefix + "_uepoch", Long.toString(micros));
    }

    private String stamp(long micros) {
        return STAMP.format(Instant.ofEpochSecond(sec(micros)).atZone(core.zone));
    }

    private static long sec(long micros) {
        return micros / 1_000_000;
    }

    private void sendResult(String text) {
        if (!resultSent) {
            resultSent = true;
            result.accept(text);
        }
    }

    /** Expands {@code ${name}} from the channel's variables, as FreeSWITCH does for execute_on_answer. */
    static String expand(String text, SimChannel ch) {
        Matcher m = VARIABLE_REF.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(ch.variables.getOrDefault(m.group(1), "")));
        }
        return m.appendTail(out).toString();
    }

    private static long legTimeout(Map<String, String> vars, long fallbackSeconds) {
        String value = vars.getOrDefault("leg_timeout", vars.get("originate_timeout"));
        return parseSeconds(value == null ? "" : value, fallbackSeconds) * 1_000_000L;
    }

    private static long parseSeconds(String value, long fallback) {
        try {
            long seconds = Long.parseLong(value.trim());
            return seconds > 0 ? seconds : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static long micros(Duration d) {
        return d.toNanos() / 1_000;
    }

    /** Channel name and dialled number for an endpoint such as {@code sofia/gateway/hospital/13800138000}. */
    record Endpoint(String channelName, String destination, String profile, String failure) {

        static Endpoint of(String endpoint) {
            String[] parts = endpoint.split("/", -1);
            String tech = parts[0].toLowerCase(Locale.ROOT);
            String rest = parts.length > 1 ? endpoint.substring(parts[0].length() + 1) : "";
            if (tech.equals("error")) {
                return new Endpoint(endpoint, rest, "", rest.isEmpty() ? "DESTINATION_OUT_OF_ORDER"
                        : rest.toUpperCase(Locale.ROOT));
            }
            if (rest.isEmpty()) {
                return new Endpoint(endpoint, "", "", "DESTINATION_OUT_OF_ORDER");
            }
            if (tech.equals("sofia") && parts.length >= 4 && parts[1].equals("gateway")) {
                String number = endpoint.substring(("sofia/gateway/" + parts[2] + "/").length());
                return new Endpoint("sofia/external/sip:" + number + "@" + parts[2], user(number), "external", null);
            }
            if (tech.equals("sofia") && parts.length >= 3) {
                String target = endpoint.substring(("sofia/" + parts[1] + "/").length());
                return new Endpoint(endpoint, user(target), parts[1], null);
            }
            if (tech.equals("user")) {
                String user = user(rest);
                return new Endpoint("sofia/internal/sip:" + user + "@127.0.0.1:5060", user, "internal", null);
            }
            if (tech.equals("loopback")) {
                return new Endpoint("loopback/" + rest + "-a", user(rest), "", null);
            }
            return new Endpoint(endpoint, user(parts[parts.length - 1]), "", null);
        }

        private static String user(String target) {
            String t = target.startsWith("sip:") ? target.substring(4) : target;
            int at = t.indexOf('@');
            return at < 0 ? t : t.substring(0, at);
        }
    }
}
