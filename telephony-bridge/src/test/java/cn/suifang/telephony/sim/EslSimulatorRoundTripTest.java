package cn.suifang.telephony.sim;

import cn.suifang.telephony.esl.EslCommand;
import cn.suifang.telephony.esl.EslEvent;
import cn.suifang.telephony.esl.EslFrame;
import cn.suifang.telephony.esl.EslJson;
import cn.suifang.telephony.esl.EslMessageType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static cn.suifang.telephony.sim.SimCalls.CALL_ID;
import static cn.suifang.telephony.sim.SimCalls.DOCTOR_NUMBER;
import static cn.suifang.telephony.sim.SimCalls.DOCTOR_UUID;
import static cn.suifang.telephony.sim.SimCalls.OFFICIAL_NUMBER;
import static cn.suifang.telephony.sim.SimCalls.PATIENT_NUMBER;
import static cn.suifang.telephony.sim.SimCalls.PATIENT_UUID;
import static cn.suifang.telephony.sim.SimCalls.RECORDING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** A client on the production codec talks to the simulator over a real socket. */
class EslSimulatorRoundTripTest {

    private EslSimulator sim;
    private final List<TestEslClient> clients = new ArrayList<>();

    @BeforeEach
    void start() {
        sim = SimCalls.manualSimulator();
    }

    @AfterEach
    void stop() {
        clients.forEach(TestEslClient::close);
        sim.close();
    }

    private TestEslClient login() {
        TestEslClient client = TestEslClient.login(sim);
        clients.add(client);
        return client;
    }

    private TestEslClient subscribed() {
        TestEslClient client = login();
        assertThat(client.command(SimCalls.subscribeAll()).replyText()).hasValue("+OK event listener enabled plain");
        return client;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object json) {
        return (Map<String, Object>) json;
    }

    private static List<String> names(List<EslEvent> events) {
        return events.stream().map(e -> e.eventName() + "/" + e.uniqueId().orElse(e.jobUuid().orElse("?"))).toList();
    }

    @Test
    void goodPasswordIsAcceptedAfterTheAuthRequest() {
        TestEslClient client = TestEslClient.connect(sim);
        clients.add(client);

        assertThat(client.next().headers()).extracting(h -> h.name() + ": " + h.value())
                .containsExactly("Content-Type: auth/request");
        EslFrame reply = client.command(EslCommand.auth("s3cret"));

        assertThat(reply.replyText()).hasValue("+OK accepted");
        assertThat(sim.connectionCount()).isEqualTo(1);
    }

    @Test
    void wrongPasswordIsRejectedWithADisconnectNoticeAndTheConnectionIsClosed() {
        TestEslClient client = TestEslClient.connect(sim);
        clients.add(client);
        client.next();

        EslFrame reply = client.command(EslCommand.auth("wrong"));
        EslFrame notice = client.next();

        assertThat(reply.replyText()).hasValue("-ERR invalid");
        assertThat(notice.type()).isEqualTo(EslMessageType.DISCONNECT_NOTICE);
        assertThat(notice.bodyText()).isEqualTo(Frames.GOODBYE);
        assertThat(client.awaitClosed()).isTrue();
    }

    @Test
    void commandsBeforeAuthAreRefusedButTheConnectionStays() {
        TestEslClient client = TestEslClient.connect(sim);
        clients.add(client);
        client.next();

        assertThat(client.command(EslCommand.api("show channels as json")).replyText()).hasValue("-ERR command not found");
        assertThat(client.command(EslCommand.auth("s3cret")).replyText()).hasValue("+OK accepted");
    }

    @Test
    void subscriptionNeedsAtLeastOneKnownEventName() {
        TestEslClient client = login();

        assertThat(client.command(EslCommand.of("event plain NOT_AN_EVENT")).replyText()).hasValue("-ERR no keywords supplied");
        assertThat(client.command(EslCommand.eventPlain("all")).replyText()).hasValue("+OK event listener enabled plain");
    }

    @Test
    void exitIsAnsweredWithByeAndADisconnectNotice() {
        TestEslClient client = login();

        assertThat(client.command(EslCommand.exit()).replyText()).hasValue("+OK bye");
        assertThat(client.next().type()).isEqualTo(EslMessageType.DISCONNECT_NOTICE);
        assertThat(client.awaitClosed()).isTrue();
    }

    @Test
    void answeredCallbackCallProducesEveryEventInOrder() {
        TestEslClient client = subscribed();
        UUID job = UUID.randomUUID();

        EslFrame reply = client.command(EslCommand.bgapi("originate " + SimCalls.originateArgs(), job));
        assertThat(reply.replyText()).hasValue("+OK Job-UUID: " + job);
        assertThat(reply.header("Job-UUID")).hasValue(job.toString());
        assertThat(names(client.syncEvents())).containsExactly("CHANNEL_CREATE/" + DOCTOR_UUID);

        sim.advance(Duration.ofSeconds(2));
        assertThat(names(client.syncEvents())).as("no BACKGROUND_JOB before the doctor answers")
                .containsExactly("CHANNEL_PROGRESS/" + DOCTOR_UUID);

        sim.advance(Duration.ofSeconds(60));
        List<EslEvent> events = client.syncEvents();
        assertThat(names(events)).containsExactly(
                "CHANNEL_ANSWER/" + DOCTOR_UUID,
                "BACKGROUND_JOB/" + job,
                "CHANNEL_CREATE/" + PATIENT_UUID,
                "CHANNEL_PROGRESS/" + PATIENT_UUID,
                "CHANNEL_ANSWER/" + PATIENT_UUID,
                "RECORD_START/" + PATIENT_UUID,
                "CHANNEL_BRIDGE/" + DOCTOR_UUID,
                "CHANNEL_HANGUP/" + PATIENT_UUID,
                "CHANNEL_HANGUP/" + DOCTOR_UUID,
                "CHANNEL_UNBRIDGE/" + DOCTOR_UUID,
                "RECORD_STOP/" + PATIENT_UUID,
                "CHANNEL_HANGUP_COMPLETE/" + PATIENT_UUID,
                "CHANNEL_HANGUP_COMPLETE/" + DOCTOR_UUID);
        assertThat(events).extracting(e -> e.eventSequence().getAsLong()).isSorted().doesNotHaveDuplicates();
        assertThat(events).allSatisfy(e -> assertThat(e.coreUuid()).hasValue(sim.coreUuid()));

        EslEvent backgroundJob = events.get(1);
        assertThat(backgroundJob.jobCommand()).hasValue("originate");
        assertThat(backgroundJob.header("Job-Command-Arg")).hasValue(SimCalls.originateArgs());
        assertThat(backgroundJob.bodyText()).isEqualTo("+OK " + DOCTOR_UUID + "\n");

        EslEvent patientCreate = events.get(2);
        assertThat(patientCreate.channelCallUuid()).hasValue(DOCTOR_UUID);
        assertThat(patientCreate.callerIdNumber()).hasValue(OFFICIAL_NUMBER);
        assertThat(patientCreate.destinationNumber()).hasValue(PATIENT_NUMBER);
        assertThat(patientCreate.header("Other-Type")).hasValue("originator");
        assertThat(patientCreate.otherLegUniqueId()).hasValue(DOCTOR_UUID);
        assertThat(patientCreate.variable("suifang_call_id")).hasValue(CALL_ID);

        EslEvent bridge = events.get(6);
        assertThat(bridge.header("Bridge-A-Unique-ID")).hasValue(DOCTOR_UUID);
        assertThat(bridge.header("Bridge-B-Unique-ID")).hasValue(PATIENT_UUID);
        assertThat(events.get(5).recordFilePath()).hasValue(RECORDING);
        assertThat(events.get(10).recordFilePath()).hasValue(RECORDING);
        assertThat(events.get(10).variable("record_seconds")).hasValue("30");

        assertThat(events.get(7).billsec()).as("CHANNEL_HANGUP carries no billsec").isEmpty();
        EslEvent patientDone = events.get(11);
        assertThat(patientDone.hangupCause()).hasValue("NORMAL_CLEARING");
        assertThat(patientDone.billsec()).hasValue(30);
        assertThat(patientDone.duration()).hasValue(35);
        assertThat(patientDone.variable("sip_hangup_disposition")).hasValue("recv_bye");
        EslEvent doctorDone = events.get(12);
        assertThat(doctorDone.destinationNumber()).hasValue(DOCTOR_NUMBER);
        assertThat(doctorDone.billsec()).hasValue(35);
        assertThat(doctorDone.duration()).hasValue(37);
        assertThat(doctorDone.variable("sip_hangup_disposition")).hasValue("send_bye");
        assertThat(doctorDone.variable("suifang_call_id")).hasValue(CALL_ID);
        assertThat(doctorDone.variable("originate_disposition")).hasValue("SUCCESS");
        assertThat(sim.channelUuids()).isEmpty();
    }

    @Test
    void doctorWhoDoesNotAnswerFailsTheOriginateAndThePatientIsNeverDialled() {
        sim.enqueueScript(CallScript.builder().doctor(CallScript.Leg.noAnswer(Duration.ofSeconds(20))).build());
        TestEslClient client = subscribed();
        UUID job = UUID.randomUUID();
        client.command(EslCommand.bgapi("originate " + SimCalls.originateArgs(), job));

        sim.advance(Duration.ofMinutes(2));
        List<EslEvent> events = client.syncEvents();

        assertThat(names(events)).containsExactly("CHANNEL_CREATE/" + DOCTOR_UUID, "CHANNEL_PROGRESS/" + DOCTOR_UUID,
                "CHANNEL_HANGUP/" + DOCTOR_UUID, "BACKGROUND_JOB/" + job, "CHANNEL_HANGUP_COMPLETE/" + DOCTOR_UUID);
        assertThat(events.get(2).hangupCause()).hasValue("NO_ANSWER");
        assertThat(events.get(3).bodyText()).isEqualTo("-ERR NO_ANSWER\n");
        assertThat(events.get(4).billsec()).hasValue(0);
        assertThat(events.get(4).variable("hangup_cause_q850")).hasValue("19");
    }

    @Test
    void patientBusyRejectedOrNotAnsweringHangsUpBothLegsWithThePatientsCause() {
        List<CallScript.Leg> outcomes = List.of(CallScript.Leg.busy(Duration.ofSeconds(1)),
                CallScript.Leg.rejected(Duration.ofSeconds(4)), CallScript.Leg.noAnswer(Duration.ofSeconds(25)));
        List<String> causes = List.of("USER_BUSY", "CALL_REJECTED", "NO_ANSWER");
        // the doctor answers at 2.1 s; the patient leg ends 3.1 s, 6.2 s and 27.2 s after the originate
        List<Long> doctorBillsec = List.of(1L, 4L, 25L);
        TestEslClient client = subscribed();

        for (int i = 0; i < outcomes.size(); i++) {
            sim.enqueueScript(CallScript.builder().patient(outcomes.get(i)).build());
            String a = UUID.randomUUID().toString();
            String b = UUID.randomUUID().toString();
            client.command(EslCommand.bgapi("originate " + SimCalls.originateArgs(a, b, "c" + i)));
            sim.advance(Duration.ofMinutes(2));

            List<EslEvent> events = client.syncEvents();
            assertThat(events).extracting(EslEvent::eventName).doesNotContain("CHANNEL_BRIDGE", "RECORD_START")
                    .endsWith("CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE");
            assertThat(events).filteredOn(e -> e.eventName().equals("CHANNEL_HANGUP_COMPLETE"))
                    .extracting(e -> e.uniqueId().orElseThrow(), e -> e.hangupCause().orElseThrow(),
                            e -> e.billsec().getAsLong())
                    .containsExactly(tuple(b, causes.get(i), 0L), tuple(a, causes.get(i), doctorBillsec.get(i)));
            assertThat(events.get(events.size() - 1).variable("originate_disposition")).hasValue(causes.get(i));
        }
    }

    @Test
    void legTimeoutEndsRingingWithNoAnswerBeforeThePatientWouldHaveAnswered() {
        sim.enqueueScript(CallScript.builder().patient(CallScript.Leg.answersAfter(Duration.ofSeconds(50))).build());
        TestEslClient client = subscribed();
        String args = SimCalls.originateArgs().replace("sofia/gateway/hospital/" + PATIENT_NUMBER,
                "[leg_timeout=10]sofia/gateway/hospital/" + PATIENT_NUMBER);
        client.command(EslCommand.bgapi("originate " + args));

        sim.advance(Duration.ofSeconds(13));
        List<EslEvent> events = client.syncEvents();

        assertThat(events).filteredOn(e -> e.uniqueId().orElse("").equals(PATIENT_UUID))
                .extracting(EslEvent::eventName, e -> e.hangupCause().orElse(""))
                .containsExactly(tuple("CHANNEL_CREATE", ""), tuple("CHANNEL_PROGRESS", ""),
                        tuple("CHANNEL_HANGUP", "NO_ANSWER"), tuple("CHANNEL_HANGUP_COMPLETE", "NO_ANSWER"));
        assertThat(sim.channelUuids()).isEmpty();
    }

    @Test
    void filterPassesOnlyMatchingEventsSoBackgroundJobsWithoutTheHeaderAreFilteredOutToo() {
        TestEslClient client = subscribed();
        assertThat(client.command(EslCommand.filter("variable_suifang_call_id", "42")).replyText())
                .hasValue("+OK filter added. [variable_suifang_call_id]=[42]");
        client.command(EslCommand.bgapi("originate " + SimCalls.originateArgs(UUID.randomUUID().toString(),
                UUID.randomUUID().toString(), "77")));
        client.command(EslCommand.bgapi("originate " + SimCalls.originateArgs()));

        sim.advance(Duration.ofMinutes(1));
        List<EslEvent> events = client.syncEvents();

        assertThat(events).isNotEmpty().allSatisfy(e -> assertThat(e.variable("suifang_call_id")).hasValue("42"));
        assertThat(events).extracting(EslEvent::eventName).doesNotContain("BACKGROUND_JOB");
        assertThat(client.command(EslCommand.filterDelete("variable_suifang_call_id", "42")).replyText())
                .hasValue("+OK filter deleted. [variable_suifang_call_id][42]");
    }

    @Test
    void apiQueriesReportLiveChannels() {
        sim.enqueueScript(CallScript.builder().talkUntilKilled().build());
        TestEslClient client = login();
        client.command(EslCommand.bgapi("originate " + SimCalls.originateArgs()));
        Map<?, ?> ringing = (Map<?, ?>) EslJson.parse(client.command(EslCommand.api("show channels as json")).bodyText());
        assertThat(ringing.get("row_count")).isEqualTo(1L);
        assertThat((List<?>) ringing.get("rows")).singleElement().satisfies(row -> assertThat(map(row))
                .containsEntry("uuid", DOCTOR_UUID).containsEntry("callstate", "DOWN").containsEntry("dest", DOCTOR_NUMBER)
                .containsEntry("cid_num", OFFICIAL_NUMBER).containsEntry("created_epoch", Long.toString(SimCalls.START.getEpochSecond())));
        sim.advance(Duration.ofSeconds(10));

        assertThat(client.command(EslCommand.api("uuid_exists " + PATIENT_UUID)).bodyText()).isEqualTo("true");
        assertThat(client.command(EslCommand.api("uuid_getvar " + PATIENT_UUID + " suifang_call_id")).bodyText()).isEqualTo(CALL_ID);
        assertThat(client.command(EslCommand.api("uuid_getvar " + PATIENT_UUID + " nope")).bodyText()).isEqualTo("_undef_");
        String dump = client.command(EslCommand.api("uuid_dump " + PATIENT_UUID)).bodyText();
        assertThat(dump).startsWith("Event-Name: CHANNEL_DATA\n").contains("Unique-ID: " + PATIENT_UUID + "\n")
                .contains("Channel-Name: sofia/external/sip%3A" + PATIENT_NUMBER + "%40hospital\n").endsWith("\n\n");
        assertThat(EslEvent.parsePlain(dump.getBytes(java.nio.charset.StandardCharsets.UTF_8)).variable("suifang_call_id"))
                .hasValue(CALL_ID);

        Map<?, ?> channels = (Map<?, ?>) EslJson.parse(client.command(EslCommand.api("show channels as json")).bodyText());
        assertThat(channels.get("row_count")).isEqualTo(2L);
        assertThat((List<?>) channels.get("rows")).extracting(r -> ((Map<?, ?>) r).get("uuid"), r -> ((Map<?, ?>) r).get("call_uuid"),
                r -> ((Map<?, ?>) r).get("callstate")).containsExactly(tuple(DOCTOR_UUID, DOCTOR_UUID, "ACTIVE"),
                tuple(PATIENT_UUID, DOCTOR_UUID, "ACTIVE"));

        assertThat(client.command(EslCommand.api("uuid_kill " + DOCTOR_UUID)).bodyText()).isEqualTo("+OK\n");
        assertThat(client.command(EslCommand.api("uuid_kill " + DOCTOR_UUID)).bodyText()).isEqualTo("-ERR No such channel!\n");
        assertThat(client.command(EslCommand.api("uuid_exists " + PATIENT_UUID)).bodyText()).isEqualTo("false");
        assertThat(client.command(EslCommand.api("show channels as json")).bodyText()).isEqualTo("{\"row_count\": 0}\n");
        assertThat(client.command(EslCommand.api("no_such_command x")).bodyText()).isEqualTo("-ERR no_such_command Command not found!\n");
    }
}
