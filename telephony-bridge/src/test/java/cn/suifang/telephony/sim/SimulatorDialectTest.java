package cn.suifang.telephony.sim;

import cn.suifang.telephony.esl.EslCommand;
import cn.suifang.telephony.esl.EslEvent;
import cn.suifang.telephony.esl.EslFixtures;
import cn.suifang.telephony.esl.EslFrame;
import cn.suifang.telephony.esl.EslHeader;
import cn.suifang.telephony.esl.EslMessageType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static cn.suifang.telephony.sim.SimCalls.DOCTOR_UUID;
import static cn.suifang.telephony.sim.SimCalls.PATIENT_UUID;
import static org.assertj.core.api.Assertions.assertThat;

/** What the simulator sends must look like what a real FreeSWITCH sent in the captures. */
class SimulatorDialectTest {

    /** Headers the product reads from CHANNEL_HANGUP_COMPLETE. */
    private static final List<String> PRODUCT_HEADERS = List.of("Event-Name", "Unique-ID", "Event-Sequence",
            "Channel-Call-UUID", "Hangup-Cause", "variable_billsec", "variable_duration", "Caller-Caller-ID-Number",
            "Caller-Destination-Number", "Answer-State", "Call-Direction");
    private static final List<String> OUR_VARIABLES = List.of("variable_suifang_call_id", "variable_origination_uuid");

    /** Captured headers the simulator leaves out on purpose (no SIP registration, transfer or presence). */
    private static final Set<String> NOT_SIMULATED = Set.of("Caller-Username", "Caller-Network-Addr",
            "Caller-Orig-Caller-ID-Name", "Caller-Transfer-Source", "Caller-RDNIS", "Other-Leg-Username",
            "Other-Leg-Network-Addr", "Other-Leg-Orig-Caller-ID-Name", "Other-Leg-RDNIS", "Channel-Presence-ID");

    private static final String RECORD_FILE_PATH = "Record-File-Path";

    private static EslSimulator sim;
    private static final List<EslFrame> simulatedFrames = new ArrayList<>();
    private static final List<EslFrame> handshake = new ArrayList<>();
    private static EslFrame apiResponse;
    private static EslFrame bgapiReply;
    private static UUID job;

    @BeforeAll
    static void runOneScriptedCall() {
        sim = SimCalls.manualSimulator();
        try (TestEslClient client = TestEslClient.connect(sim)) {
            handshake.add(client.next());
            handshake.add(client.command(EslCommand.auth(sim.password())));
            handshake.add(client.command(EslCommand.eventPlain("ALL")));
            job = UUID.randomUUID();
            bgapiReply = client.command(EslCommand.bgapi("originate " + SimCalls.originateArgs(), job));
            sim.advance(Duration.ofMinutes(1));
            simulatedFrames.addAll(client.sync());
            apiResponse = client.command(EslCommand.api("uuid_exists " + DOCTOR_UUID));
            handshake.add(client.command(EslCommand.exit()));
            handshake.add(client.next());
        }
    }

    @AfterAll
    static void stopSimulator() {
        sim.close();
    }

    private static List<EslEvent> simulatedEvents() {
        return simulatedFrames.stream().map(EslEvent::parse).toList();
    }

    private static EslEvent simulated(String eventName, String uuid) {
        return simulatedEvents().stream()
                .filter(e -> e.eventName().equals(eventName) && e.uniqueId().orElse("").equals(uuid))
                .findFirst().orElseThrow(() -> new AssertionError("simulator sent no " + eventName + " for " + uuid));
    }

    private static EslEvent captured(String fileName) {
        List<EslFrame> frames = EslFixtures.decode(EslFixtures.wireBytes(fileName));
        return EslEvent.parse(frames.get(frames.size() - 1));
    }

    private static List<String> names(EslEvent event) {
        return event.headers().stream().map(EslHeader::name).filter(n -> !n.startsWith(EslEvent.VARIABLE_PREFIX)).toList();
    }

    private static Set<String> capturedChannelHeaderNames() {
        Set<String> all = new LinkedHashSet<>();
        for (Path file : EslFixtures.files()) {
            if (file.getFileName().toString().startsWith("channel-")) {
                all.addAll(names(captured(file.getFileName().toString())));
            }
        }
        return all;
    }

    @Test
    void hangupCompleteCarriesEveryHeaderTheProductReliesOn() {
        EslEvent real = captured("channel-hangup-complete-aleg-bridged-billsec5-duration18.txt");
        EslEvent doctor = simulated("CHANNEL_HANGUP_COMPLETE", DOCTOR_UUID);
        EslEvent patient = simulated("CHANNEL_HANGUP_COMPLETE", PATIENT_UUID);

        assertThat(real.headers()).extracting(EslHeader::name).containsAll(PRODUCT_HEADERS);
        for (EslEvent e : List.of(doctor, patient)) {
            assertThat(e.headers()).extracting(EslHeader::name).containsAll(PRODUCT_HEADERS).containsAll(OUR_VARIABLES);
            assertThat(e.headerValues("Hangup-Cause")).as("Hangup-Cause is sent twice, as captured").hasSize(2);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"channel-create-outbound-bleg.txt", "channel-progress-outbound-bleg-ringing.txt",
            "channel-answer-outbound-bleg.txt", "channel-bridge.txt", "channel-hangup-aleg-normal-clearing.txt",
            "channel-hangup-bleg-normal-clearing.txt", "channel-unbridge.txt",
            "channel-hangup-complete-aleg-bridged-billsec5-duration18.txt"})
    void channelEventHasTheCapturedHeaderNamesInTheCapturedOrder(String fixture) {
        EslEvent real = captured(fixture);
        // B-leg captures compare with the patient leg; A-leg captures (bridge, unbridge, hangup-complete) with the doctor
        boolean bLeg = fixture.contains("bleg");
        EslEvent mine = simulated(real.eventName(), bLeg ? PATIENT_UUID : DOCTOR_UUID);
        List<String> realNames = names(real);
        List<String> myNames = names(mine);

        assertThat(capturedChannelHeaderNames()).as("the simulator invents no header names")
                .containsAll(myNames);
        assertThat(realNames.stream().filter(n -> !myNames.contains(n)).collect(Collectors.toSet()))
                .as("captured headers the simulator lacks").isSubsetOf(NOT_SIMULATED);
        assertThat(myNames.stream().filter(realNames::contains).toList()).as("order of the shared headers")
                .isEqualTo(realNames.stream().filter(myNames::contains).toList());
        assertThat(mine.headers().get(mine.headers().size() - 1).name()).startsWith(EslEvent.VARIABLE_PREFIX);
    }

    @Test
    void recordStopHasChannelDataThenRecordFilePathAndPrecedesHangupComplete() {
        EslEvent stop = simulated("RECORD_STOP", PATIENT_UUID);
        EslEvent hangup = simulated("CHANNEL_HANGUP", PATIENT_UUID);

        assertThat(names(stop).subList(0, names(stop).size() - 1)).isEqualTo(names(hangup));
        assertThat(stop.headers().get(stop.headers().size() - 1)).isEqualTo(new EslHeader(RECORD_FILE_PATH, SimCalls.RECORDING));
        assertThat(stop.variables()).containsKeys("record_seconds", "record_ms", "record_samples");
        assertThat(stop.billsec()).as("billing variables arrive only with HANGUP_COMPLETE").isEmpty();
        List<String> order = simulatedEvents().stream().map(EslEvent::eventName).toList();
        assertThat(order.indexOf("RECORD_STOP")).isLessThan(order.indexOf("CHANNEL_HANGUP_COMPLETE"));
    }

    @Test
    void backgroundJobOfAnOriginateHasTheCapturedHeadersAndComesAfterTheFirstLegAnswers() {
        EslEvent real = captured("inbound-handshake-auth-event-bgapi-originate-failed.txt");
        List<EslEvent> events = simulatedEvents();
        EslEvent mine = events.stream().filter(e -> e.eventName().equals("BACKGROUND_JOB")).findFirst().orElseThrow();

        assertThat(mine.headers()).extracting(EslHeader::name)
                .isEqualTo(real.headers().stream().map(EslHeader::name).toList());
        assertThat(mine.jobUuid()).hasValue(job.toString());
        assertThat(events.indexOf(mine)).isEqualTo(events.indexOf(simulated("CHANNEL_ANSWER", DOCTOR_UUID)) + 1);
        assertThat(events.subList(0, events.indexOf(mine))).extracting(EslEvent::eventName)
                .doesNotContain("CHANNEL_HANGUP_COMPLETE");
    }

    @Test
    void everySimulatedEventIsFramedAndUrlEncodedExactlyLikeTheSwitchDoesIt() {
        assertThat(simulatedFrames).isNotEmpty().allSatisfy(frame -> {
            assertThat(frame.headers()).extracting(EslHeader::name).containsExactly("Content-Length", "Content-Type");
            assertThat(frame.type()).isEqualTo(EslMessageType.EVENT_PLAIN);
            assertThat(EslEvent.parse(frame).serializePlain()).isEqualTo(frame.bodyText());
        });
        EslEvent create = simulated("CHANNEL_CREATE", PATIENT_UUID);
        assertThat(simulatedFrames.get(simulatedEvents().indexOf(create)).bodyText())
                .contains("\nChannel-Name: sofia/external/sip%3A" + SimCalls.PATIENT_NUMBER + "%40hospital\n")
                .contains("\nvariable_execute_on_answer: record_session%20/var/lib/suifang/recordings/$%7Bsuifang_call_id%7D-$%7Buuid%7D.wav\n");
    }

    @Test
    void timestampsAndSequenceLookLikeTheCaptured() {
        EslEvent real = captured("channel-answer-outbound-bleg.txt");
        EslEvent mine = simulated("CHANNEL_ANSWER", PATIENT_UUID);

        for (String header : List.of("Event-Date-Local", "Event-Date-GMT", "Event-Date-Timestamp", "Caller-Channel-Answered-Time")) {
            String shape = real.header(header).orElseThrow().replaceAll("[0-9]", "9").replaceAll("[A-Z][a-z]{2}", "Aaa");
            assertThat(mine.header(header).orElseThrow().replaceAll("[0-9]", "9").replaceAll("[A-Z][a-z]{2}", "Aaa"))
                    .as(header).isEqualTo(shape);
        }
        assertThat(mine.header("Event-Date-Local")).hasValue("2025-03-03 10:00:05");
        assertThat(simulatedEvents()).extracting(e -> e.eventSequence().getAsLong()).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void repliesHaveTheCapturedShape() {
        List<EslFrame> real = EslFixtures.decode(EslFixtures.wireBytes("inbound-handshake-auth-event-bgapi-originate-failed.txt"));

        assertThat(handshake.subList(0, 3)).as("auth/request, +OK accepted, +OK event listener enabled plain")
                .isEqualTo(real.subList(0, 3));
        assertThat(bgapiReply.headers()).extracting(EslHeader::name)
                .isEqualTo(real.get(3).headers().stream().map(EslHeader::name).toList());
        assertThat(bgapiReply.replyText()).hasValue("+OK Job-UUID: " + job);
        EslFrame realApi = EslFixtures.decode(EslFixtures.wireBytes("api-response-plus-ok.txt")).get(0);
        assertThat(apiResponse.headers()).extracting(EslHeader::name)
                .isEqualTo(realApi.headers().stream().map(EslHeader::name).toList());
        EslFrame realGoodbye = EslFixtures.decode(EslFixtures.wireBytes("disconnect-notice-goodbye.txt")).get(0);
        assertThat(handshake.get(3).replyText()).hasValue("+OK bye");
        assertThat(handshake.get(4).type()).isEqualTo(EslMessageType.DISCONNECT_NOTICE);
        assertThat(handshake.get(4).bodyText()).isEqualTo(realGoodbye.bodyText());
    }
}
