package cn.suifang.telephony.sim;

import cn.suifang.telephony.esl.EslCommand;
import cn.suifang.telephony.esl.EslEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static cn.suifang.telephony.sim.SimCalls.RECORDING;
import static org.assertj.core.api.Assertions.assertThat;

class EslSimulatorRecordingListenerTest {

    @Test
    void listenerIsToldThePathAndLengthOfEachRecording_beforeRecordStopIsFired() {
        List<Map.Entry<String, Duration>> stopped = new CopyOnWriteArrayList<>();
        try (EslSimulator sim = EslSimulator.builder().manualTime(SimCalls.START).password("s3cret")
                .onRecordingStopped((path, length) -> stopped.add(Map.entry(path, length))).build().start();
             TestEslClient client = TestEslClient.login(sim)) {
            client.command(SimCalls.subscribeAll());
            client.command(EslCommand.bgapi("originate " + SimCalls.originateArgs(), UUID.randomUUID()));

            sim.advance(Duration.ofSeconds(60));
            List<EslEvent> events = client.syncEvents();

            assertThat(events).anyMatch(e -> e.eventName().equals("RECORD_STOP"));
            assertThat(stopped).containsExactly(Map.entry(RECORDING, Duration.ofSeconds(30)));
        }
    }
}
