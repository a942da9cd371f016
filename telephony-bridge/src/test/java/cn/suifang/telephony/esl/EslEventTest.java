package cn.suifang.telephony.esl;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EslEventTest {

    private static EslEvent plain(String body) {
        return EslEvent.parsePlain(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void valuesArePercentDecodedAsUtf8ButPlusStaysPlusAndBrokenEscapesStayLiteral() {
        EslEvent event = plain("Event-Name: CUSTOM\nvariable_dept: %E5%BF%83%E5%86%85%E7%A7%91\n"
                + "Reply-Text: %2BOK a+b\nvariable_odd: 100%zz%4\nvariable_empty: _undef_\n\n");

        assertThat(event.variable("dept")).hasValue("心内科");
        assertThat(event.header("Reply-Text")).hasValue("+OK a+b");
        assertThat(event.variable("odd")).hasValue("100%zz%4");
        assertThat(event.variable("empty")).hasValue("");
        assertThat(event.variables()).containsOnlyKeys("dept", "odd", "empty");
    }

    @Test
    void nestedContentLengthSeparatesTheBodyFromTheHeaders() {
        EslEvent job = plain("Event-Name: BACKGROUND_JOB\nJob-UUID: 1-2\nContent-Length: 9\n\n+OK abc\n\n");

        assertThat(job.jobUuid()).hasValue("1-2");
        assertThat(job.bodyText()).isEqualTo("+OK abc\n\n");
        assertThat(job.hasBody()).isTrue();
    }

    @Test
    void nestedContentLengthLongerThanTheFrameIsAProtocolError() {
        assertThatThrownBy(() -> plain("Event-Name: BACKGROUND_JOB\nContent-Length: 50\n\n+OK\n"))
                .isInstanceOf(EslProtocolException.class)
                .hasMessageContaining("exceeds");
    }

    @Test
    void anEventNeedsAnEventName() {
        assertThatThrownBy(() -> plain("Unique-ID: x\n\n")).isInstanceOf(EslProtocolException.class);
    }

    @Test
    void serialisationEncodesLikeSwitchUrlEncode() {
        EslEvent event = EslEvent.builder()
                .header("Event-Name", "CHANNEL_CREATE")
                .header("Channel-Name", "sofia/external/sip:13800138000@gw")
                .header("variable_note", "a b&c=d;e,f/g(h)'i+j%k")
                .header("variable_dept", "随访")
                .header("variable_blank", "")
                .build();

        assertThat(event.serializePlain()).isEqualTo("Event-Name: CHANNEL_CREATE\n"
                + "Channel-Name: sofia/external/sip%3A13800138000%40gw\n"
                + "variable_note: a%20b%26c%3Dd%3Be,f/g(h)'i%2Bj%25k\n"
                + "variable_dept: %E9%9A%8F%E8%AE%BF\n"
                + "variable_blank: _undef_\n\n");
        assertThat(EslEvent.parse(event.toPlainFrame())).isEqualTo(event);
    }

    @Test
    void anExistingUpperCaseEscapeIsNotEncodedAgainSoItDoesNotRoundTrip() {
        EslEvent event = EslEvent.builder().header("Event-Name", "X").header("variable_v", "%41%zz").build();

        assertThat(event.serializePlain()).contains("variable_v: %41%25zz\n");
        assertThat(EslEvent.parse(event.toPlainFrame()).variable("v")).hasValue("A%zz");
    }

    @Test
    void plainFrameHasContentLengthBeforeContentTypeAndTheNestedBody() {
        EslEvent job = EslEvent.builder().header("Event-Name", "BACKGROUND_JOB").header("Job-UUID", "j")
                .body("+OK 9bc34cb7\n").build();
        EslFrame frame = job.toPlainFrame();

        assertThat(frame.headers()).extracting(EslHeader::name).containsExactly("Content-Length", "Content-Type");
        assertThat(frame.bodyText()).isEqualTo("Event-Name: BACKGROUND_JOB\nJob-UUID: j\nContent-Length: 13\n\n+OK 9bc34cb7\n");
        assertThat(EslEvent.parse(frame).bodyText()).isEqualTo("+OK 9bc34cb7\n");
    }

    @Test
    void jsonFrameRoundTripsWithRepeatedHeadersAndBody() {
        EslEvent event = EslEvent.builder().header("Event-Name", "CHANNEL_HANGUP_COMPLETE")
                .header("Hangup-Cause", "USER_BUSY").header("Unique-ID", "u\"1\\")
                .header("Hangup-Cause", "USER_BUSY").header("variable_dept", "心内科").body("line\n").build();
        EslFrame frame = event.toJsonFrame();

        assertThat(frame.type()).isEqualTo(EslMessageType.EVENT_JSON);
        assertThat(frame.bodyText()).startsWith("{\"Event-Name\":\"CHANNEL_HANGUP_COMPLETE\",\"Hangup-Cause\":\"USER_BUSY\"")
                .endsWith(",\"Content-Length\":\"5\",\"_body\":\"line\\n\"}");
        EslEvent parsed = EslEvent.parse(frame);
        assertThat(parsed.headerValues("Hangup-Cause")).containsExactly("USER_BUSY", "USER_BUSY");
        assertThat(parsed.uniqueId()).hasValue("u\"1\\");
        assertThat(parsed.variable("dept")).hasValue("心内科");
        assertThat(parsed.bodyText()).isEqualTo("line\n");
    }

    @Test
    void jsonArrayHeadersBecomeFreeSwitchArrayStrings() {
        EslEvent event = EslEvent.parseJson("{\"Event-Name\":\"X\",\"variable_legs\":[\"a\",\"b\"],\"n\":5}");

        assertThat(event.variable("legs")).hasValue("ARRAY::a|:b");
        assertThat(event.header("n")).hasValue("5");
    }

    @Test
    void fixtureEventExposesWhatTheCallFlowNeeds() {
        EslEvent complete = EslEvent.parse(EslFixtures.decode(EslFixtures.wireBytes(
                "channel-hangup-complete-aleg-bridged-billsec5-duration18.txt")).get(0));

        assertThat(complete.eventName()).isEqualTo("CHANNEL_HANGUP_COMPLETE");
        assertThat(complete.uniqueId()).hasValue("37e9b766-5256-4e4b-b1ed-3767b930fec8");
        assertThat(complete.channelCallUuid()).hasValue("37e9b766-5256-4e4b-b1ed-3767b930fec8");
        assertThat(complete.coreUuid()).hasValue("bb890f9e-0aae-476d-8292-91b434eb4f73");
        assertThat(complete.eventTimestampMicros()).hasValue(1398442126033605L);
        assertThat(complete.hangupCause()).hasValue("NORMAL_CLEARING");
        assertThat(complete.callDirection()).hasValue("inbound");
        assertThat(complete.answerState()).hasValue("hangup");
        assertThat(complete.toString()).doesNotContain("1003").contains("CHANNEL_HANGUP_COMPLETE", "3499");
        assertThat(complete.headers().get(0)).isEqualTo(new EslHeader("Event-Name", "CHANNEL_HANGUP_COMPLETE"));
        assertThat(complete.toBuilder().build()).isEqualTo(complete);
        assertThat(List.of(complete.billsec().getAsLong(), complete.duration().getAsLong())).containsExactly(5L, 18L);
    }

    @Test
    void onlyEventFramesParseAsEvents() {
        EslFrame reply = EslFrame.of(List.of(new EslHeader("Content-Type", "command/reply")));

        assertThatThrownBy(() -> EslEvent.parse(reply)).isInstanceOf(EslProtocolException.class)
                .hasMessageContaining("command/reply");
    }
}
