package cn.suifang.telephony.sim;

import cn.suifang.telephony.esl.EslCommand;
import cn.suifang.telephony.esl.EslEvent;
import cn.suifang.telephony.esl.EslFrame;
import cn.suifang.telephony.esl.EslJson;
import cn.suifang.telephony.esl.EslMessageType;
import io.netty.channel.ConnectTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static cn.suifang.telephony.sim.SimCalls.DOCTOR_UUID;
import static cn.suifang.telephony.sim.SimCalls.PATIENT_UUID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Link failures: calls live on in the switch while the ESL connection is gone. */
class EslSimulatorReconnectTest {

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

    private TestEslClient subscribed() {
        TestEslClient client = TestEslClient.login(sim);
        clients.add(client);
        client.command(SimCalls.subscribeAll());
        return client;
    }

    @Test
    void droppedConnectionKeepsTheCallSoAReconnectingClientCanFindAndEndIt() {
        sim.enqueueScript(CallScript.builder().talkUntilKilled().build());
        TestEslClient first = subscribed();
        first.command(EslCommand.bgapi("originate " + SimCalls.originateArgs()));
        sim.advance(Duration.ofSeconds(3));
        long lastSeen = first.syncEvents().stream().mapToLong(e -> e.eventSequence().getAsLong()).max().orElseThrow();

        sim.dropConnections();
        assertThat(first.awaitClosed()).isTrue();
        sim.advance(Duration.ofSeconds(10));
        TestEslClient second = subscribed();

        assertThat(second.command(EslCommand.api("uuid_exists " + DOCTOR_UUID)).bodyText()).isEqualTo("true");
        Map<?, ?> channels = (Map<?, ?>) EslJson.parse(second.command(EslCommand.api("show channels as json")).bodyText());
        assertThat(channels.get("row_count")).isEqualTo(2L);
        assertThat(sim.channelVariables(PATIENT_UUID)).get().satisfies(vars ->
                assertThat(vars).containsEntry("suifang_call_id", SimCalls.CALL_ID));

        second.command(EslCommand.api("uuid_kill " + PATIENT_UUID));
        List<EslEvent> after = second.syncEvents();
        assertThat(after).extracting(EslEvent::eventName).containsExactly("CHANNEL_HANGUP", "CHANNEL_HANGUP",
                "CHANNEL_UNBRIDGE", "RECORD_STOP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_HANGUP_COMPLETE");
        assertThat(after.get(0).eventSequence().getAsLong())
                .as("events fired while nobody listened still consumed sequence numbers")
                .isGreaterThan(lastSeen + 1);
        // answered at 7.2 s, killed at 13 s: 5.8 s of talk, but billsec is a difference of whole epoch seconds
        assertThat(after.get(4).billsec()).hasValue(6);
        assertThat(after.get(4).variable("billmsec")).hasValue("5800");
        assertThat(second.command(EslCommand.api("uuid_exists " + DOCTOR_UUID)).bodyText()).isEqualTo("false");
    }

    @Test
    void eventsFiredWhileDisconnectedAreLostLikeOnARealSwitch() {
        TestEslClient first = subscribed();
        first.command(EslCommand.bgapi("originate " + SimCalls.originateArgs()));
        first.syncEvents();
        sim.dropConnections();
        assertThat(first.awaitClosed()).isTrue();

        sim.advance(Duration.ofMinutes(1));
        TestEslClient second = subscribed();

        assertThat(second.syncEvents()).isEmpty();
        assertThat(second.command(EslCommand.api("uuid_exists " + DOCTOR_UUID)).bodyText()).isEqualTo("false");
    }

    @Test
    void unreachableSwitchRefusesConnectionsUntilItListensAgainOnTheSamePort() {
        int port = sim.port();
        sim.stopListening();

        assertThatThrownBy(() -> TestEslClient.connect(sim))
                .isInstanceOfAny(ConnectException.class, ConnectTimeoutException.class, io.netty.channel.ChannelException.class);
        sim.startListening();
        TestEslClient client = subscribed();

        assertThat(sim.port()).isEqualTo(port);
        assertThat(client.command(EslCommand.api("status")).bodyText()).startsWith("UP ");
    }

    @Test
    void originateWithTheUuidOfALiveChannelFailsWithoutDiallingAgain() {
        sim.enqueueScript(CallScript.builder().talkUntilKilled().build());
        TestEslClient client = subscribed();
        client.command(EslCommand.bgapi("originate " + SimCalls.originateArgs()));
        sim.advance(Duration.ofSeconds(10));
        client.syncEvents();

        UUID retry = UUID.randomUUID();
        client.command(EslCommand.bgapi("originate " + SimCalls.originateArgs(), retry));
        List<EslEvent> events = client.syncEvents();

        assertThat(events).singleElement().satisfies(job -> {
            assertThat(job.jobUuid()).hasValue(retry.toString());
            assertThat(job.bodyText()).isEqualTo("-ERR DESTINATION_OUT_OF_ORDER\n");
        });
        assertThat(sim.channelUuids()).containsExactly(DOCTOR_UUID, PATIENT_UUID);
    }

    @Test
    void blockingApiOriginateAnswersWhenTheDoctorAnswersAndHoldsBackLaterCommands() {
        TestEslClient client = TestEslClient.login(sim);
        clients.add(client);
        client.send(EslCommand.api("originate " + SimCalls.originateArgs()));
        client.send(EslCommand.api("uuid_exists " + DOCTOR_UUID));
        // no reply comes before the doctor answers, so wait for the switch to have taken the command
        // before moving virtual time; advancing first would race the socket and never ring
        awaitChannel(DOCTOR_UUID);
        sim.advance(Duration.ofSeconds(3));

        EslFrame originate = client.next();
        EslFrame exists = client.next();

        assertThat(originate.type()).isEqualTo(EslMessageType.API_RESPONSE);
        assertThat(originate.bodyText()).isEqualTo("+OK " + DOCTOR_UUID + "\n");
        assertThat(exists.bodyText()).isEqualTo("true");
    }

    @Test
    void killingTheDoctorWhileThePatientRingsCancelsThePatientLeg() {
        TestEslClient client = subscribed();
        client.command(EslCommand.bgapi("originate " + SimCalls.originateArgs()));
        sim.advance(Duration.ofSeconds(3));
        client.syncEvents();

        assertThat(client.command(EslCommand.api("uuid_kill " + DOCTOR_UUID + " normal_clearing")).bodyText()).isEqualTo("+OK\n");
        List<EslEvent> events = client.syncEvents();

        assertThat(events).extracting(EslEvent::eventName, e -> e.uniqueId().orElseThrow(), e -> e.hangupCause().orElseThrow())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("CHANNEL_HANGUP", DOCTOR_UUID, "NORMAL_CLEARING"),
                        org.assertj.core.groups.Tuple.tuple("CHANNEL_HANGUP", PATIENT_UUID, "ORIGINATOR_CANCEL"),
                        org.assertj.core.groups.Tuple.tuple("CHANNEL_HANGUP_COMPLETE", DOCTOR_UUID, "NORMAL_CLEARING"),
                        org.assertj.core.groups.Tuple.tuple("CHANNEL_HANGUP_COMPLETE", PATIENT_UUID, "ORIGINATOR_CANCEL"));
        sim.advance(Duration.ofMinutes(1));
        assertThat(client.syncEvents()).as("no scripted step fires after the hang-up").isEmpty();
    }

    @Test
    void jsonSubscriptionDeliversTheSameEventsAsJson() {
        TestEslClient client = TestEslClient.login(sim);
        clients.add(client);
        assertThat(client.command(EslCommand.events(EslCommand.EventFormat.JSON, List.of("ALL"))).replyText())
                .hasValue("+OK event listener enabled json");
        client.command(EslCommand.bgapi("originate " + SimCalls.originateArgs()));
        sim.advance(Duration.ofMinutes(1));

        List<EslFrame> frames = client.sync();

        assertThat(frames).allSatisfy(f -> assertThat(f.type()).isEqualTo(EslMessageType.EVENT_JSON));
        assertThat(frames.stream().map(EslEvent::parse).map(EslEvent::eventName)).contains("BACKGROUND_JOB")
                .endsWith("CHANNEL_HANGUP_COMPLETE", "CHANNEL_HANGUP_COMPLETE");
        EslEvent last = EslEvent.parse(frames.get(frames.size() - 1));
        assertThat(last.headerValues("Hangup-Cause")).hasSize(2);
        assertThat(last.billsec()).hasValue(35);
    }

    private void awaitChannel(String uuid) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!sim.channelUuids().contains(uuid)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the simulator never created channel " + uuid);
            }
            Thread.onSpinWait();
        }
    }
}
