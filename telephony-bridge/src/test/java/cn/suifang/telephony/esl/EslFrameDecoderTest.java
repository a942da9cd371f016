package cn.suifang.telephony.esl;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EslFrameDecoderTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void headerOnlyFrameEndsAtTheEmptyLine() {
        List<EslFrame> frames = EslFixtures.decode(bytes("Content-Type: command/reply\nReply-Text: +OK accepted\n\n"));

        assertThat(frames).singleElement().satisfies(f -> {
            assertThat(f.type()).isEqualTo(EslMessageType.COMMAND_REPLY);
            assertThat(f.replyText()).hasValue("+OK accepted");
            assertThat(f.isOk()).isTrue();
            assertThat(f.bodyLength()).isZero();
        });
    }

    @Test
    void bodyIsReadByContentLengthEvenWhenItContainsEmptyLinesAndMultiByteCharacters() {
        String body = "第一行\n\n\n+OK 随访\n";
        byte[] utf8 = bytes(body);
        List<EslFrame> frames = EslFixtures.decode(bytes("Content-Type: api/response\nContent-Length: " + utf8.length
                + "\n\n" + body + "Content-Type: command/reply\nReply-Text: -ERR invalid\n\n"));

        assertThat(frames).hasSize(2);
        assertThat(frames.get(0).bodyText()).isEqualTo(body);
        assertThat(frames.get(1).replyText()).hasValue("-ERR invalid");
        assertThat(frames.get(1).isOk()).isFalse();
    }

    @Test
    void framesSplitAtEveryPositionDecodeLikeTheWholeStream() {
        byte[] wire = bytes("Content-Type: auth/request\n\nContent-Type: api/response\nContent-Length: 5\n\ntrue\n"
                + "Content-Length: 3\nContent-Type: text/event-plain\n\nA\n\n");
        List<EslFrame> whole = EslFixtures.decode(wire);
        assertThat(whole).hasSize(3);

        for (int split = 0; split <= wire.length; split++) {
            assertThat(EslFixtures.decodeSplit(wire, split)).as("split at %d", split).isEqualTo(whole);
        }
        assertThat(EslFixtures.decode(wire, 1)).isEqualTo(whole);
    }

    @Test
    void crLfLineEndingsAndStrayEmptyLinesBetweenFramesAreTolerated() {
        List<EslFrame> frames = EslFixtures.decode(bytes(
                "\n\r\nContent-Type: command/reply\r\nReply-Text: +OK\r\n\r\n\nContent-Type: auth/request\n\n"));

        assertThat(frames).extracting(EslFrame::type)
                .containsExactly(EslMessageType.COMMAND_REPLY, EslMessageType.AUTH_REQUEST);
        assertThat(frames.get(0).replyText()).hasValue("+OK");
    }

    @Test
    void repeatedHeadersAreKeptInOrderAndLookedUpCaseInsensitively() {
        EslFrame frame = EslFixtures.decode(bytes("Content-Type: x/y\nX-A: 1\nx-a: 2\n\n")).get(0);

        assertThat(frame.headerValues("X-A")).containsExactly("1", "2");
        assertThat(frame.header("content-type")).hasValue("x/y");
        assertThat(frame.type()).isEqualTo(EslMessageType.UNKNOWN);
    }

    @Test
    void absurdContentLengthIsRejectedWithAClearErrorAndTheRestOfTheStreamIsDiscarded() {
        EmbeddedChannel channel = new EmbeddedChannel(new EslFrameDecoder(1024, 1000));

        assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(
                bytes("Content-Type: api/response\nContent-Length: 999999999\n\n"))))
                .isInstanceOf(EslProtocolException.class)
                .hasMessageContaining("Content-Length 999999999 exceeds the limit of 1000 bytes");
        channel.writeInbound(Unpooled.wrappedBuffer(bytes("Content-Type: auth/request\n\n")));
        assertThat(channel.<EslFrame>readInbound()).isNull();
        channel.finishAndReleaseAll();
    }

    @Test
    void nonNumericOrNegativeContentLengthIsRejected() {
        for (String bad : List.of("-1", "12abc", "", "99999999999")) {
            EmbeddedChannel channel = new EmbeddedChannel(new EslFrameDecoder());
            assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(
                    bytes("Content-Type: api/response\nContent-Length: " + bad + "\n\n"))))
                    .as("Content-Length '%s'", bad)
                    .isInstanceOf(EslProtocolException.class);
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void headerBlockWithoutEmptyLineBeyondTheLimitIsRejected() {
        EmbeddedChannel channel = new EmbeddedChannel(new EslFrameDecoder(128, 1000));

        assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(bytes("X: " + "y".repeat(200) + "\n"))))
                .isInstanceOf(EslProtocolException.class)
                .hasMessageContaining("header block");
        channel.finishAndReleaseAll();
    }

    @Test
    void headerLineWithoutColonIsAProtocolError() {
        EmbeddedChannel channel = new EmbeddedChannel(new EslFrameDecoder());

        assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(bytes("garbage line\n\n"))))
                .isInstanceOf(EslProtocolException.class)
                .hasMessageContaining("garbage line");
        channel.finishAndReleaseAll();
    }

    @Test
    void incompleteBodyWaitsForMoreBytes() {
        EmbeddedChannel channel = new EmbeddedChannel(new EslFrameDecoder());

        channel.writeInbound(Unpooled.wrappedBuffer(bytes("Content-Type: api/response\nContent-Length: 10\n\n12345")));
        assertThat(channel.<EslFrame>readInbound()).isNull();
        channel.writeInbound(Unpooled.wrappedBuffer(bytes("67890")));
        EslFrame frame = channel.readInbound();

        assertThat(frame.bodyText()).isEqualTo("1234567890");
        channel.finishAndReleaseAll();
    }

    @Test
    void frameRejectsAContentLengthThatDoesNotMatchItsBody() {
        assertThatThrownBy(() -> EslFrame.of(List.of(new EslHeader("Content-Length", "3")), bytes("ab")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EslFrame.of(List.of(new EslHeader("Content-Type", "x")), bytes("ab")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EslFrame.of(List.of(new EslHeader("Reply-Text", "+OK\nauth x"))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
