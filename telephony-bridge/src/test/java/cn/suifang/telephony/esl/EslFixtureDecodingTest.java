package cn.suifang.telephony.esl;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static cn.suifang.telephony.esl.EslMessageType.API_RESPONSE;
import static cn.suifang.telephony.esl.EslMessageType.AUTH_REQUEST;
import static cn.suifang.telephony.esl.EslMessageType.COMMAND_REPLY;
import static cn.suifang.telephony.esl.EslMessageType.DISCONNECT_NOTICE;
import static cn.suifang.telephony.esl.EslMessageType.EVENT_PLAIN;
import static org.assertj.core.api.Assertions.assertThat;

/** Every real capture decodes into the frames and events its README line and source comment describe. */
class EslFixtureDecodingTest {

    private static final String GOODBYE = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";

    /** What each capture must decode to; a new capture without an entry here fails the suite. */
    private static final Map<String, Consumer<List<EslFrame>>> EXPECTED = Map.ofEntries(
            Map.entry("api-response-err-subscriber-absent.txt", frames -> {
                assertThat(frames).singleElement().satisfies(f -> {
                    assertThat(f.type()).isEqualTo(API_RESPONSE);
                    assertThat(f.bodyText()).isEqualTo("-ERR SUBSCRIBER_ABSENT\n");
                    assertThat(f.isOk()).isFalse();
                });
            }),
            Map.entry("api-response-plus-ok.txt", frames -> {
                assertThat(frames).singleElement().satisfies(f -> {
                    assertThat(f.type()).isEqualTo(API_RESPONSE);
                    assertThat(f.bodyText()).isEqualTo("+OK\n");
                    assertThat(f.isOk()).isTrue();
                });
            }),
            Map.entry("background-job-ok-reloadxml.txt", frames -> {
                EslEvent job = singleEvent(frames, "BACKGROUND_JOB");
                assertThat(job.jobUuid()).hasValue("dcab6b81-ec71-4552-b897-88721870fe16");
                assertThat(job.jobCommand()).hasValue("reloadxml");
                assertThat(job.eventSequence()).hasValue(1041);
                assertThat(job.header("FreeSWITCH-IPv6")).hasValue("::1");
                assertThat(job.header("Event-Date-GMT")).hasValue("Sun, 24 Sep 2023 05:48:28 GMT");
                assertThat(job.bodyText()).isEqualTo("+OK [Success]\n");
            }),
            Map.entry("channel-create-outbound-bleg.txt", frames -> {
                EslEvent e = singleEvent(frames, "CHANNEL_CREATE");
                assertThat(e.uniqueId()).hasValue("9bc34cb7-1d0a-4c89-8d47-9dc25faa160f");
                assertThat(e.channelCallUuid()).hasValue("78b86350-4fb8-4d2b-a629-1eeafd7d2f74");
                assertThat(e.callDirection()).hasValue("outbound");
                assertThat(e.answerState()).hasValue("ringing");
                assertThat(e.channelName()).hasValue("sofia/internal/sip:1003@172.16.50.134:5070");
                assertThat(e.variable("origination_uuid")).hasValue("9bc34cb7-1d0a-4c89-8d47-9dc25faa160f");
                assertThat(e.variable("switch_m_sdp")).get().asString().startsWith("v=0\r\no=- 13065030757513622");
                assertThat(e.eventSequence()).hasValue(5841);
            }),
            Map.entry("channel-progress-outbound-bleg-ringing.txt", frames -> {
                EslEvent e = singleEvent(frames, "CHANNEL_PROGRESS");
                assertThat(e.answerState()).hasValue("ringing");
                assertThat(e.eventSequence()).hasValue(5846);
            }),
            Map.entry("channel-answer-outbound-bleg.txt", frames -> {
                EslEvent e = singleEvent(frames, "CHANNEL_ANSWER");
                assertThat(e.answerState()).hasValue("answered");
                assertThat(e.uniqueId()).hasValue("9bc34cb7-1d0a-4c89-8d47-9dc25faa160f");
                assertThat(e.eventSequence()).hasValue(5851);
            }),
            Map.entry("channel-bridge.txt", frames -> {
                EslEvent e = singleEvent(frames, "CHANNEL_BRIDGE");
                assertThat(e.header("Bridge-A-Unique-ID")).hasValue("78b86350-4fb8-4d2b-a629-1eeafd7d2f74");
                assertThat(e.header("Bridge-B-Unique-ID")).hasValue("9bc34cb7-1d0a-4c89-8d47-9dc25faa160f");
                assertThat(e.eventSequence()).hasValue(5856);
            }),
            Map.entry("channel-hangup-aleg-normal-clearing.txt", frames -> {
                EslEvent e = singleEvent(frames, "CHANNEL_HANGUP");
                assertThat(e.hangupCause()).hasValue("NORMAL_CLEARING");
                assertThat(e.uniqueId()).hasValue("78b86350-4fb8-4d2b-a629-1eeafd7d2f74");
                assertThat(e.billsec()).isEmpty();
                assertThat(e.duration()).isEmpty();
                assertThat(e.eventSequence()).hasValue(5864);
            }),
            Map.entry("channel-hangup-bleg-normal-clearing.txt", frames -> {
                EslEvent e = singleEvent(frames, "CHANNEL_HANGUP");
                assertThat(e.hangupCause()).hasValue("NORMAL_CLEARING");
                assertThat(e.uniqueId()).hasValue("9bc34cb7-1d0a-4c89-8d47-9dc25faa160f");
                assertThat(e.billsec()).isEmpty();
                assertThat(e.eventSequence()).hasValue(5865);
            }),
            Map.entry("channel-hangup-complete-aleg-bridged-billsec5-duration18.txt", frames -> {
                EslEvent e = singleEvent(frames, "CHANNEL_HANGUP_COMPLETE");
                assertThat(e.billsec()).hasValue(5);
                assertThat(e.duration()).hasValue(18);
                assertThat(e.headerValues("Hangup-Cause")).containsExactly("NORMAL_CLEARING", "NORMAL_CLEARING");
                assertThat(e.callerIdNumber()).hasValue("1003");
                assertThat(e.destinationNumber()).hasValue("1002");
                assertThat(e.otherLegUniqueId()).hasValue("b7f3d830-b3a4-4e1c-b600-572eeb462c39");
                assertThat(e.variable("ringback")).hasValue("%(2000,4000,440,480)");
                assertThat(e.variable("cgr_notify")).hasValue("+AUTH_OK");
                assertThat(e.variables()).containsEntry("hangup_cause_q850", "16").containsEntry("billmsec", "5119");
                assertThat(e.eventSequence()).hasValue(3499);
            }),
            Map.entry("channel-unbridge.txt", frames -> {
                EslEvent e = singleEvent(frames, "CHANNEL_UNBRIDGE");
                assertThat(e.answerState()).hasValue("hangup");
                assertThat(e.eventSequence()).hasValue(5867);
            }),
            Map.entry("disconnect-notice-goodbye.txt", frames -> {
                assertThat(frames).singleElement().satisfies(f -> {
                    assertThat(f.type()).isEqualTo(DISCONNECT_NOTICE);
                    assertThat(f.header("Content-Disposition")).hasValue("disconnect");
                    assertThat(f.header("Controlled-Session-UUID")).hasValue("78b86350-4fb8-4d2b-a629-1eeafd7d2f74");
                    assertThat(f.bodyText()).isEqualTo(GOODBYE);
                });
            }),
            Map.entry("disconnect-notice-linger.txt", frames -> {
                assertThat(frames).singleElement().satisfies(f -> {
                    assertThat(f.type()).isEqualTo(DISCONNECT_NOTICE);
                    assertThat(f.header("Content-Disposition")).hasValue("linger");
                    assertThat(f.header("Linger-Time")).hasValue("-1");
                    assertThat(f.header("Channel-Name")).hasValue("sofia/internal/1001@172.16.50.134");
                    assertThat(f.header("Content-Length")).hasValue("0");
                    assertThat(f.bodyLength()).isZero();
                });
            }),
            Map.entry("inbound-handshake-auth-event-bgapi-originate-failed.txt", frames -> {
                assertThat(frames).extracting(EslFrame::type)
                        .containsExactly(AUTH_REQUEST, COMMAND_REPLY, COMMAND_REPLY, COMMAND_REPLY, EVENT_PLAIN);
                assertThat(frames.get(1).replyText()).hasValue("+OK accepted");
                assertThat(frames.get(2).replyText()).hasValue("+OK event listener enabled plain");
                assertThat(frames.get(3).replyText()).hasValue("+OK Job-UUID: 43e14ab9-38b1-4187-9f08-e13f35136bb2");
                assertThat(frames.get(3).header("Job-UUID")).hasValue("43e14ab9-38b1-4187-9f08-e13f35136bb2");
                EslEvent job = EslEvent.parse(frames.get(4));
                assertThat(job.eventName()).isEqualTo("BACKGROUND_JOB");
                assertThat(job.jobUuid()).hasValue("43e14ab9-38b1-4187-9f08-e13f35136bb2");
                assertThat(job.jobCommand()).hasValue("originate");
                assertThat(job.header("Job-Command-Arg"))
                        .hasValue("sofia/external/1000@10.10.10.108:5070 &playback(C:\\\\temp\\\\misc-freeswitch_is_state_of_the_art.wav");
                assertThat(job.bodyText()).isEqualTo("-ERR RECOVERY_ON_TIMER_EXPIRE\n");
            }),
            Map.entry("outbound-socket-full-session-trace.txt", frames -> {
                assertThat(frames).hasSize(27);
                assertThat(frames.stream().filter(f -> f.type() == EVENT_PLAIN)
                        .map(f -> EslEvent.parse(f).eventName())).containsExactly(
                        "CHANNEL_PROGRESS_MEDIA", "CHANNEL_ANSWER", "CHANNEL_EXECUTE_COMPLETE",
                        "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_CREATE", "CHANNEL_PROGRESS",
                        "CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_HANGUP", "CHANNEL_HANGUP", "CHANNEL_UNBRIDGE",
                        "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_EXECUTE_COMPLETE");
                assertThat(frames).filteredOn(f -> f.type() == API_RESPONSE).hasSize(2);
                assertThat(frames).filteredOn(f -> f.type() == DISCONNECT_NOTICE).extracting(EslFrame::bodyText)
                        .containsExactly("", GOODBYE);
                assertThat(frames.get(25).replyText()).hasValue("+OK bye");
                // the outbound "connect" reply: channel data as URL-encoded headers, Content-Type in the middle
                EslFrame connect = frames.get(0);
                assertThat(connect.type()).isEqualTo(COMMAND_REPLY);
                assertThat(connect.headers().get(0).name()).isEqualTo("Event-Name");
                assertThat(connect.replyText()).hasValue("%2BOK%0A");
                EslEvent channelData = EslEvent.fromFrameHeaders(connect);
                assertThat(channelData.eventName()).isEqualTo("CHANNEL_DATA");
                assertThat(channelData.header("Reply-Text")).hasValue("+OK\n");
                assertThat(channelData.uniqueId()).hasValue("78b86350-4fb8-4d2b-a629-1eeafd7d2f74");
            }));

    @Test
    void everyCaptureInTheFixtureFolderHasAnExpectation() {
        List<String> names = EslFixtures.files().stream().map(p -> p.getFileName().toString()).toList();
        assertThat(names).as("captures in %s", EslFixtures.directory()).containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
    }

    @TestFactory
    Stream<DynamicTest> eachCaptureDecodesAsDescribed() {
        return EslFixtures.files().stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            byte[] wire = EslFixtures.wireBytes(file);
            List<EslFrame> frames = EslFixtures.decode(wire);
            assertThat(EXPECTED).as("expectation for %s", file.getFileName()).containsKey(file.getFileName().toString());
            EXPECTED.get(file.getFileName().toString()).accept(frames);
            assertThat(EslFixtures.encode(frames)).as("frames re-encode to the captured bytes").isEqualTo(wire);
            frames.stream().filter(f -> f.type().isEvent()).forEach(f -> assertThat(EslEvent.parse(f)).isNotNull());
        }));
    }

    @TestFactory
    Stream<DynamicTest> eachCaptureDecodesTheSameWhenItArrivesOneByteAtATime() {
        return EslFixtures.files().stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            byte[] wire = EslFixtures.wireBytes(file);
            assertThat(EslFixtures.decode(wire, 1)).isEqualTo(EslFixtures.decode(wire));
        }));
    }

    @ParameterizedTest
    @ValueSource(strings = {"inbound-handshake-auth-event-bgapi-originate-failed.txt", "background-job-ok-reloadxml.txt",
            "api-response-plus-ok.txt", "disconnect-notice-goodbye.txt", "disconnect-notice-linger.txt"})
    void captureDecodesTheSameWhenSplitIntoTwoReadsAtEveryPosition(String fileName) {
        byte[] wire = EslFixtures.wireBytes(fileName);
        List<EslFrame> whole = EslFixtures.decode(wire);
        for (int split = 0; split <= wire.length; split++) {
            assertThat(EslFixtures.decodeSplit(wire, split)).as("split at byte %d", split).isEqualTo(whole);
        }
    }

    @Test
    void allCapturesConcatenatedInOneReadDecodeToAllTheirFrames() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        List<EslFrame> expected = new ArrayList<>();
        for (Path file : EslFixtures.files()) {
            byte[] wire = EslFixtures.wireBytes(file);
            all.writeBytes(wire);
            expected.addAll(EslFixtures.decode(wire));
        }
        assertThat(EslFixtures.decode(all.toByteArray())).isEqualTo(expected);
        assertThat(EslFixtures.decode(all.toByteArray(), 7)).isEqualTo(expected);
    }

    @TestFactory
    Stream<DynamicTest> plainEventsReserialiseByteForByteAsFreeSwitchEncodedThem() {
        return EslFixtures.files().stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            for (EslFrame frame : EslFixtures.decode(EslFixtures.wireBytes(file))) {
                if (frame.type() == EVENT_PLAIN) {
                    EslEvent event = EslEvent.parse(frame);
                    assertThat(event.serializePlain()).isEqualTo(frame.bodyText());
                    assertThat(event.toPlainFrame()).isEqualTo(frame);
                }
            }
        }));
    }

    private static EslEvent singleEvent(List<EslFrame> frames, String name) {
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0).headers()).extracting(EslHeader::name).containsExactly("Content-Length", "Content-Type");
        EslEvent event = EslEvent.parse(frames.get(0));
        assertThat(event.eventName()).isEqualTo(name);
        return event;
    }
}
