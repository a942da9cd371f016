package cn.suifang.telephony.sim;

import cn.suifang.telephony.esl.EslEvent;
import cn.suifang.telephony.esl.EslHeader;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds events with the header names and order of real FreeSWITCH 1.4–1.10 captures
 * ({@code shared/fixtures/esl}): the core block added when an event is created, then
 * event-specific headers, then the channel data of switch_channel_event_set_data.
 */
final class EventFactory {

    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
    private static final DateTimeFormatter GMT =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    /** Event-Calling-File / -Function / -Line-Number as seen in the captures. */
    private static final Map<String, List<String>> ORIGIN = Map.ofEntries(
            Map.entry("CHANNEL_CREATE", List.of("switch_core_state_machine.c", "switch_core_session_run", "459")),
            Map.entry("CHANNEL_PROGRESS",
                    List.of("switch_channel.c", "switch_channel_perform_mark_ring_ready_value", "3172")),
            Map.entry("CHANNEL_ANSWER", List.of("switch_channel.c", "switch_channel_perform_mark_answered", "3539")),
            Map.entry("CHANNEL_BRIDGE", List.of("switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", "1335")),
            Map.entry("CHANNEL_UNBRIDGE", List.of("switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", "1520")),
            Map.entry("CHANNEL_HANGUP", List.of("switch_channel.c", "switch_channel_perform_hangup", "3130")),
            Map.entry("CHANNEL_HANGUP_COMPLETE",
                    List.of("switch_core_state_machine.c", "switch_core_session_reporting_state", "772")),
            Map.entry("RECORD_START", List.of("switch_ivr_async.c", "record_callback", "1225")),
            Map.entry("RECORD_STOP", List.of("switch_ivr_async.c", "send_record_stop_event", "1241")),
            Map.entry("CHANNEL_DATA", List.of("mod_commands.c", "uuid_dump_function", "6490")),
            Map.entry("BACKGROUND_JOB", List.of("mod_event_socket.c", "api_exec", "1572")));

    private final SimCore core;

    EventFactory(SimCore core) {
        this.core = core;
    }

    EslEvent.Builder coreHeaders(String eventName) {
        long now = core.time.nowMicros();
        Instant at = Instant.ofEpochSecond(now / 1_000_000, (now % 1_000_000) * 1_000);
        List<String> origin = ORIGIN.getOrDefault(eventName, List.of("switch_event.c", "switch_event_fire", "1"));
        return EslEvent.builder()
                .header("Event-Name", eventName)
                .header("Core-UUID", core.coreUuid)
                .header("FreeSWITCH-Hostname", core.hostname)
                .header("FreeSWITCH-Switchname", core.hostname)
                .header("FreeSWITCH-IPv4", "127.0.0.1")
                .header("FreeSWITCH-IPv6", "::1")
                .header("Event-Date-Local", LOCAL.format(at.atZone(core.zone)))
                .header("Event-Date-GMT", GMT.format(at))
                .header("Event-Date-Timestamp", Long.toString(now))
                .header("Event-Calling-File", origin.get(0))
                .header("Event-Calling-Function", origin.get(1))
                .header("Event-Calling-Line-Number", origin.get(2))
                .header("Event-Sequence", Long.toString(core.nextSequence()));
    }

    EslEvent channel(String eventName, SimChannel ch) {
        return channel(eventName, ch, List.of(), List.of());
    }

    /**
     * @param beforeData headers FreeSWITCH adds before the channel data (Hangup-Cause of
     *                   HANGUP_COMPLETE, Bridge-A/B-Unique-ID)
     * @param afterData  headers added after it (Record-File-Path)
     */
    EslEvent channel(String eventName, SimChannel ch, List<EslHeader> beforeData, List<EslHeader> afterData) {
        EslEvent.Builder b = coreHeaders(eventName).headers(beforeData);
        channelData(b, ch);
        return b.headers(afterData).build();
    }

    EslEvent backgroundJob(String jobUuid, String command, String argument, String result) {
        EslEvent.Builder b = coreHeaders("BACKGROUND_JOB")
                .header("Job-UUID", jobUuid)
                .header("Job-Command", command);
        if (!argument.isEmpty()) {
            b.header("Job-Command-Arg", argument);
        }
        return b.body(result).build();
    }

    private void channelData(EslEvent.Builder b, SimChannel ch) {
        b.header("Channel-State", ch.state)
                .header("Channel-Call-State", ch.callState)
                .header("Channel-State-Number", Integer.toString(ch.stateNumber))
                .header("Channel-Name", ch.name)
                .header("Unique-ID", ch.uuid)
                .header("Call-Direction", "outbound")
                .header("Presence-Call-Direction", "outbound")
                .header("Channel-HIT-Dialplan", "false");
        String presence = ch.variables.get("presence_id");
        if (presence != null) {
            b.header("Channel-Presence-ID", presence);
        }
        b.header("Channel-Call-UUID", ch.callUuid).header("Answer-State", ch.answerState);
        if (ch.hangupCause != null) {
            b.header("Hangup-Cause", ch.hangupCause);
        }
        if (ch.mediaUp) {
            b.header("Channel-Read-Codec-Name", "PCMA")
                    .header("Channel-Read-Codec-Rate", "8000")
                    .header("Channel-Read-Codec-Bit-Rate", "64000")
                    .header("Channel-Write-Codec-Name", "PCMA")
                    .header("Channel-Write-Codec-Rate", "8000")
                    .header("Channel-Write-Codec-Bit-Rate", "64000");
        }
        profile(b, "Caller-", ch, true);
        if (ch.otherLeg != null) {
            b.header("Other-Type", ch.otherType);
            profile(b, "Other-Leg-", ch.otherLeg, false);
        }
        ch.variables.forEach((k, v) -> b.header(EslEvent.VARIABLE_PREFIX + k, v));
    }

    private static void profile(EslEvent.Builder b, String prefix, SimChannel ch, boolean own) {
        b.header(prefix + "Direction", "outbound")
                .header(prefix + "Dialplan", "XML")
                .header(prefix + "Caller-ID-Name", ch.callerIdName)
                .header(prefix + "Caller-ID-Number", ch.callerIdNumber)
                .header(prefix + "Orig-Caller-ID-Number", ch.callerIdNumber)
                .header(prefix + "Callee-ID-Name", "Outbound Call")
                .header(prefix + "Callee-ID-Number", ch.destination)
                .header(prefix + "ANI", ch.callerIdNumber)
                .header(prefix + "Destination-Number", ch.destination)
                .header(prefix + "Unique-ID", ch.uuid)
                .header(prefix + "Source", "mod_sofia")
                .header(prefix + "Context", "default")
                .header(prefix + "Channel-Name", ch.name);
        if (own) {
            b.header(prefix + "Profile-Index", "1");
        }
        b.header(prefix + "Profile-Created-Time", Long.toString(ch.createdMicros))
                .header(prefix + "Channel-Created-Time", Long.toString(ch.createdMicros))
                .header(prefix + "Channel-Answered-Time", Long.toString(ch.answeredMicros))
                .header(prefix + "Channel-Progress-Time", Long.toString(ch.progressMicros))
                .header(prefix + "Channel-Progress-Media-Time", "0")
                .header(prefix + "Channel-Hangup-Time", Long.toString(ch.hangupMicros))
                .header(prefix + "Channel-Transfer-Time", "0")
                .header(prefix + "Channel-Resurrect-Time", "0")
                .header(prefix + "Channel-Bridged-Time", Long.toString(ch.bridgedMicros))
                .header(prefix + "Channel-Last-Hold", "0")
                .header(prefix + "Channel-Hold-Accum", "0")
                .header(prefix + "Screen-Bit", "true")
                .header(prefix + "Privacy-Hide-Name", "false")
                .header(prefix + "Privacy-Hide-Number", "false");
    }

    /** One row of {@code show channels as json}: the columns of the core's channels table, all strings. */
    Map<String, Object> channelRow(SimChannel ch) {
        Instant created = Instant.ofEpochSecond(ch.createdMicros / 1_000_000);
        Map<String, Object> row = new java.util.LinkedHashMap<>();
        row.put("uuid", ch.uuid);
        row.put("direction", "outbound");
        row.put("created", LOCAL.format(created.atZone(core.zone)));
        row.put("created_epoch", Long.toString(ch.createdMicros / 1_000_000));
        row.put("name", ch.name);
        row.put("state", ch.state);
        row.put("cid_name", ch.callerIdName);
        row.put("cid_num", ch.callerIdNumber);
        row.put("ip_addr", "");
        row.put("dest", ch.destination);
        row.put("application", ch.application);
        row.put("application_data", ch.applicationData);
        row.put("dialplan", "XML");
        row.put("context", "default");
        row.put("read_codec", ch.mediaUp ? "PCMA" : "");
        row.put("read_rate", ch.mediaUp ? "8000" : "");
        row.put("read_bit_rate", ch.mediaUp ? "64000" : "");
        row.put("write_codec", ch.mediaUp ? "PCMA" : "");
        row.put("write_rate", ch.mediaUp ? "8000" : "");
        row.put("write_bit_rate", ch.mediaUp ? "64000" : "");
        row.put("secure", "");
        row.put("hostname", core.hostname);
        row.put("presence_id", ch.variables.getOrDefault("presence_id", ""));
        row.put("presence_data", "");
        row.put("accountcode", ch.variables.getOrDefault("accountcode", ""));
        row.put("callstate", ch.callState);
        row.put("callee_name", "Outbound Call");
        row.put("callee_num", ch.destination);
        row.put("callee_direction", "SEND");
        row.put("call_uuid", ch.callUuid);
        row.put("sent_callee_name", "");
        row.put("sent_callee_num", "");
        row.put("initial_cid_name", ch.callerIdName);
        row.put("initial_cid_num", ch.callerIdNumber);
        row.put("initial_ip_addr", "");
        row.put("initial_dest", ch.destination);
        row.put("initial_dialplan", "XML");
        row.put("initial_context", "default");
        return row;
    }
}
