package cn.suifang.telephony.sim;

import cn.suifang.telephony.esl.EslCommand;
import cn.suifang.telephony.esl.EslEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static cn.suifang.telephony.sim.SimCalls.DOCTOR_UUID;
import static cn.suifang.telephony.sim.SimCalls.PATIENT_UUID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Demo mode: scripts play out on the event loop's timer instead of virtual time. */
class EslSimulatorRealTimeTest {

    @Test
    void scriptedCallPlaysOutWithoutAnyoneAdvancingTime() {
        CallScript instant = CallScript.builder().ringDelay(Duration.ZERO)
                .doctor(CallScript.Leg.answersAfter(Duration.ZERO)).patient(CallScript.Leg.answersAfter(Duration.ZERO))
                .talk(Duration.ZERO).build();
        try (EslSimulator sim = EslSimulator.builder().defaultScript(instant).build().start();
             TestEslClient client = TestEslClient.login(sim)) {
            client.command(SimCalls.subscribeAll());
            client.command(EslCommand.bgapi("originate " + SimCalls.originateArgs()));

            List<EslEvent> events = new ArrayList<>();
            while (events.stream().filter(e -> e.eventName().equals("CHANNEL_HANGUP_COMPLETE")).count() < 2) {
                events.add(client.nextEvent());
            }

            assertThat(events).extracting(e -> e.eventName() + "/" + e.uniqueId().orElse("job")).containsExactly(
                    "CHANNEL_CREATE/" + DOCTOR_UUID, "CHANNEL_PROGRESS/" + DOCTOR_UUID, "CHANNEL_ANSWER/" + DOCTOR_UUID,
                    "BACKGROUND_JOB/job", "CHANNEL_CREATE/" + PATIENT_UUID, "CHANNEL_PROGRESS/" + PATIENT_UUID,
                    "CHANNEL_ANSWER/" + PATIENT_UUID, "RECORD_START/" + PATIENT_UUID, "CHANNEL_BRIDGE/" + DOCTOR_UUID,
                    "CHANNEL_HANGUP/" + PATIENT_UUID, "CHANNEL_HANGUP/" + DOCTOR_UUID, "CHANNEL_UNBRIDGE/" + DOCTOR_UUID,
                    "RECORD_STOP/" + PATIENT_UUID, "CHANNEL_HANGUP_COMPLETE/" + PATIENT_UUID,
                    "CHANNEL_HANGUP_COMPLETE/" + DOCTOR_UUID);
            assertThatThrownBy(() -> sim.advance(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);
        }
    }
}
