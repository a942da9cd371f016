package cn.suifang.telephony.bridge;

import cn.suifang.telephony.api.CallEvent;
import cn.suifang.telephony.api.CallOutcome;
import cn.suifang.telephony.api.TelephonyStreams;
import cn.suifang.telephony.sim.CallScript;
import cn.suifang.telephony.sim.CallScript.Leg;

import org.junit.jupiter.api.Test;
import org.redisson.api.stream.StreamCreateGroupArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamReadGroupArgs;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static cn.suifang.telephony.api.CallEventType.BRIDGED;
import static cn.suifang.telephony.api.CallEventType.CALL_ENDED;
import static cn.suifang.telephony.api.CallEventType.DOCTOR_ANSWERED;
import static cn.suifang.telephony.api.CallEventType.DOCTOR_RINGING;
import static cn.suifang.telephony.api.CallEventType.ORIGINATE_ACCEPTED;
import static cn.suifang.telephony.api.CallEventType.PATIENT_ANSWERED;
import static cn.suifang.telephony.api.CallEventType.RECORDING_READY;
import static org.assertj.core.api.Assertions.assertThat;

/** Link drops, bridge restarts, redelivered commands, a switch that rejects us. */
class FailureScenariosTest extends BridgeTestSupport {

    private int connectionsAfterDrop(TelephonyBridge bridge) {
        int before = states.size();
        sim.dropConnections();
        awaitDropNoticed(before);
        Poll.until("reconnected", () -> since(before), s -> s.contains(EslClient.State.CONNECTED));
        awaitConnected(bridge);
        return sim.connectionCount();
    }

    private List<EslClient.State> since(int index) {
        List<EslClient.State> snapshot = List.copyOf(states);
        return snapshot.subList(index, snapshot.size());
    }

    private void awaitDropNoticed(int before) {
        Poll.until("bridge noticed the drop", () -> since(before),
                s -> s.contains(EslClient.State.DISCONNECTED));
    }

    @Test
    void linkDroppedWhileTalkingReconnectsAndTheCallEndsOnce() {
        TelephonyBridge bridge = startBridge("bridge-a");
        awaitConnected(bridge);
        String id = uuid();
        dial(id, true, CallScript.defaultScript());
        advance(Duration.ofSeconds(15));
        awaitEvent(id, BRIDGED);

        assertThat(connectionsAfterDrop(bridge)).isEqualTo(1);
        advance(Duration.ofSeconds(60));

        CallEvent ended = awaitEnded(id);
        assertThat(ended.outcome()).isEqualTo(CallOutcome.CONNECTED);
        assertThat(ended.billsec()).isEqualTo(30);
        assertThat(ended.coreUuid()).as("came from the switch, not reconstructed").isEqualTo(sim.coreUuid());
        assertThat(types(id)).containsOnlyOnce(CALL_ENDED, RECORDING_READY, PATIENT_ANSWERED);
    }

    @Test
    void callThatEndedWhileTheLinkWasDownIsReconciledAsConnected() {
        TelephonyBridge bridge = startBridge("bridge-a");
        awaitConnected(bridge);
        String id = uuid();
        dial(id, true, CallScript.defaultScript());
        advance(Duration.ofSeconds(15));
        awaitEvent(id, BRIDGED);

        int before = states.size();
        sim.stopListening();
        sim.dropConnections();
        awaitDropNoticed(before);
        advance(Duration.ofSeconds(60));
        assertThat(sim.channelUuids()).isEmpty();
        sim.startListening();

        CallEvent ended = awaitEnded(id);
        assertThat(ended.outcome()).isEqualTo(CallOutcome.CONNECTED);
        assertThat(ended.coreUuid()).isEqualTo("bridge");
        assertThat(ended.hangupCause()).isEqualTo(CallDriver.LINK_LOST);
        assertThat(ended.billsec()).isNotNull();
        assertThat(types(id)).containsOnlyOnce(CALL_ENDED, RECORDING_READY);
    }

    @Test
    void callThatFailedWhileTheLinkWasDownEndsFailed() {
        TelephonyBridge bridge = startBridge("bridge-a");
        awaitConnected(bridge);
        String id = uuid();
        dial(id, false, CallScript.builder().doctor(Leg.noAnswer(Duration.ofSeconds(10))).build());

        int before = states.size();
        sim.stopListening();
        sim.dropConnections();
        awaitDropNoticed(before);
        advance(Duration.ofSeconds(60));
        sim.startListening();

        CallEvent ended = awaitEnded(id);
        assertThat(ended.outcome()).isEqualTo(CallOutcome.FAILED);
        assertThat(ended.hangupCause()).isEqualTo(CallDriver.LINK_LOST);
        assertThat(types(id)).containsOnlyOnce(CALL_ENDED);
    }

    @Test
    void bridgeRestartedMidCallTakesTheCallOverWithoutDiallingAgain() {
        TelephonyBridge first = startBridge("bridge-a");
        awaitConnected(first);
        String id = uuid();
        dial(id, true, CallScript.defaultScript());
        advance(Duration.ofSeconds(3));
        awaitEvent(id, DOCTOR_ANSWERED);
        first.close();
        bridges.remove(first);

        advance(Duration.ofSeconds(10)); // the patient answers while no bridge listens
        TelephonyBridge second = startBridge("bridge-b");
        awaitConnected(second);
        awaitEvent(id, BRIDGED);
        advance(Duration.ofSeconds(60));

        CallEvent ended = awaitEnded(id);
        assertThat(ended.outcome()).isEqualTo(CallOutcome.CONNECTED);
        assertThat(ended.billsec()).isEqualTo(30);
        assertThat(types(id)).containsOnlyOnce(ORIGINATE_ACCEPTED, DOCTOR_RINGING, PATIENT_ANSWERED, BRIDGED,
                RECORDING_READY, CALL_ENDED);
    }

    @Test
    void commandLeftPendingByADeadConsumerIsReclaimedAndDialledOnce() {
        String id = uuid();
        commandStream().createGroup(StreamCreateGroupArgs.name(TelephonyStreams.BRIDGE_GROUP).makeStream()
                .id(new StreamMessageId(0, 0)));
        send(command(id, false));
        Map<StreamMessageId, Map<String, String>> taken = commandStream().readGroup(TelephonyStreams.BRIDGE_GROUP,
                "crashed-bridge", StreamReadGroupArgs.neverDelivered());
        assertThat(taken).hasSize(1);

        sim.enqueueScript(CallScript.defaultScript());
        TelephonyBridge bridge = startBridge("bridge-b");
        awaitConnected(bridge);
        awaitEvent(id, ORIGINATE_ACCEPTED);
        advance(Duration.ofSeconds(60));

        assertThat(awaitEnded(id).outcome()).isEqualTo(CallOutcome.CONNECTED);
        Poll.until("command acknowledged", () -> commandStream().getPendingInfo(TelephonyStreams.BRIDGE_GROUP)
                .getTotal(), n -> n == 0);
        assertThat(types(id)).containsOnlyOnce(ORIGINATE_ACCEPTED, DOCTOR_RINGING, CALL_ENDED);
    }

    @Test
    void duplicateCommandDeliveryDialsOnce() {
        TelephonyBridge bridge = startBridge("bridge-a");
        awaitConnected(bridge);
        String id = uuid();
        sim.enqueueScript(CallScript.defaultScript());
        send(command(id, true));
        send(command(id, true));
        awaitEvent(id, ORIGINATE_ACCEPTED);
        Poll.until("both acknowledged", () -> commandStream().getPendingInfo(TelephonyStreams.BRIDGE_GROUP)
                .getTotal(), n -> n == 0);
        advance(Duration.ofSeconds(60));
        awaitEnded(id);

        send(command(id, true)); // a late redelivery after the call ended
        Poll.until("late duplicate acknowledged", () -> commandStream().getPendingInfo(TelephonyStreams.BRIDGE_GROUP)
                .getTotal(), n -> n == 0);
        Poll.until("late duplicate consumed", () -> commandStream().size(), n -> n == 3);
        advance(Duration.ofSeconds(60));
        assertThat(sim.channelUuids()).isEmpty();
        assertThat(types(id)).containsOnlyOnce(ORIGINATE_ACCEPTED, DOCTOR_RINGING, CALL_ENDED);
    }

    @Test
    void commandsWaitWhileTheSwitchIsUnreachableAndAreRetriedLater() {
        sim.stopListening();
        TelephonyBridge bridge = startBridge("bridge-a");
        String id = uuid();
        sim.enqueueScript(CallScript.defaultScript());
        send(command(id, false));
        Poll.until("command delivered and left pending", () -> commandStream()
                .getPendingInfo(TelephonyStreams.BRIDGE_GROUP).getTotal(), n -> n == 1);
        assertThat(types(id)).isEmpty();

        sim.startListening();
        awaitConnected(bridge);
        awaitEvent(id, ORIGINATE_ACCEPTED);
        advance(Duration.ofSeconds(60));
        assertThat(awaitEnded(id).outcome()).isEqualTo(CallOutcome.CONNECTED);
        assertThat(types(id)).containsOnlyOnce(ORIGINATE_ACCEPTED, CALL_ENDED);
    }

    @Test
    void wrongPasswordIsReportedAndRetriedWithBackOff() {
        TelephonyBridge bridge = startBridge(props("bridge-a").withEsl("127.0.0.1", sim.port(), "wrong"));
        Poll.until("three rejected attempts", () -> states.stream().filter(s -> s == EslClient.State.AUTH_FAILED)
                .count(), n -> n >= 3);
        assertThat(bridge.eslState()).isNotEqualTo(EslClient.State.CONNECTED);
        assertThat(states).doesNotContain(EslClient.State.CONNECTED);
    }

    @Test
    void bridgeCrashedAfterDiallingButBeforeAcknowledgingDoesNotDialAgain() {
        TelephonyBridge first = startBridge("bridge-a");
        awaitConnected(first);
        String id = uuid();
        dial(id, false, CallScript.defaultScript());
        advance(Duration.ofSeconds(3));
        awaitEvent(id, DOCTOR_ANSWERED);
        first.close();
        bridges.remove(first);
        // the same command pending at a consumer that died before its XACK (the stopped bridge's last
        // blocking read may take it itself, which is the same situation)
        send(command(id, false));
        Poll.until("the command pending at a dead consumer", () -> {
            if (commandStream().getPendingInfo(TelephonyStreams.BRIDGE_GROUP).getTotal() == 0) {
                commandStream().readGroup(TelephonyStreams.BRIDGE_GROUP, "crashed-bridge",
                        StreamReadGroupArgs.neverDelivered());
            }
            return commandStream().getPendingInfo(TelephonyStreams.BRIDGE_GROUP).getTotal();
        }, n -> n == 1);

        TelephonyBridge second = startBridge("bridge-b");
        awaitConnected(second);
        Poll.until("pending command reclaimed and acknowledged", () -> commandStream()
                .getPendingInfo(TelephonyStreams.BRIDGE_GROUP).getTotal(), n -> n == 0);
        advance(Duration.ofSeconds(60));

        assertThat(awaitEnded(id).outcome()).isEqualTo(CallOutcome.CONNECTED);
        assertThat(types(id)).containsOnlyOnce(ORIGINATE_ACCEPTED, DOCTOR_RINGING, CALL_ENDED);
    }

    @Test
    void switchRestartedMidCallEndsTheCallFromTheBridgesOwnRecord() {
        TelephonyBridge bridge = startBridge("bridge-a");
        awaitConnected(bridge);
        String id = uuid();
        dial(id, true, CallScript.builder().talkUntilKilled().build());
        advance(Duration.ofSeconds(15));
        awaitEvent(id, BRIDGED);

        int port = sim.port();
        sim.stopListening();
        sim.dropConnections(); // the old process's sockets die with it
        sim.close();
        sim = cn.suifang.telephony.sim.EslSimulator.builder().port(port).manualTime(START).password("s3cret")
                .build().start();

        CallEvent ended = awaitEnded(id);
        assertThat(ended.outcome()).isEqualTo(CallOutcome.CONNECTED);
        assertThat(ended.coreUuid()).isEqualTo("bridge");
        assertThat(ended.hangupCause()).isEqualTo(CallDriver.LINK_LOST);
        assertThat(types(id)).containsOnlyOnce(CALL_ENDED, RECORDING_READY);
    }
}
