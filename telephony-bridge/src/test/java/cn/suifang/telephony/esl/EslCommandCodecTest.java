package cn.suifang.telephony.esl;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EslCommandCodecTest {

    private static String wire(EslCommand command) {
        EmbeddedChannel channel = new EmbeddedChannel(new EslCommandEncoder());
        channel.writeOutbound(command);
        ByteBuf buf = channel.readOutbound();
        String text = buf.toString(StandardCharsets.UTF_8);
        buf.release();
        channel.finishAndReleaseAll();
        return text;
    }

    @Test
    void commandsAreWrittenAsALineThenHeadersThenAnEmptyLine() {
        UUID job = UUID.fromString("43e14ab9-38b1-4187-9f08-e13f35136bb2");

        assertThat(wire(EslCommand.auth("ClueCon"))).isEqualTo("auth ClueCon\n\n");
        assertThat(wire(EslCommand.eventPlain("CHANNEL_CREATE", "CHANNEL_HANGUP_COMPLETE", "BACKGROUND_JOB")))
                .isEqualTo("event plain CHANNEL_CREATE CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB\n\n");
        assertThat(wire(EslCommand.events(EslCommand.EventFormat.JSON, List.of("ALL")))).isEqualTo("event json ALL\n\n");
        assertThat(wire(EslCommand.filter("variable_suifang_call_id", "42")))
                .isEqualTo("filter variable_suifang_call_id 42\n\n");
        assertThat(wire(EslCommand.filterDelete("Unique-ID", "abc"))).isEqualTo("filter delete Unique-ID abc\n\n");
        assertThat(wire(EslCommand.api("uuid_exists abc"))).isEqualTo("api uuid_exists abc\n\n");
        assertThat(wire(EslCommand.bgapi("originate {a=1}user/1000 &park()", job)))
                .isEqualTo("bgapi originate {a=1}user/1000 &park()\nJob-UUID: 43e14ab9-38b1-4187-9f08-e13f35136bb2\n\n");
        assertThat(wire(EslCommand.bgapi("status"))).isEqualTo("bgapi status\n\n");
        assertThat(wire(EslCommand.exit())).isEqualTo("exit\n\n");
        assertThat(wire(EslCommand.linger())).isEqualTo("linger\n\n");
        assertThat(wire(EslCommand.linger(30))).isEqualTo("linger 30\n\n");
        assertThat(wire(EslCommand.nolinger())).isEqualTo("nolinger\n\n");
        assertThat(wire(EslCommand.noEvents())).isEqualTo("noevents\n\n");
    }

    @Test
    void aBodyGetsItsContentLengthHeader() {
        EslCommand sendmsg = EslCommand.of("sendmsg abc", List.of(new EslHeader("call-command", "hangup")),
                "hi\n".getBytes(StandardCharsets.UTF_8));

        assertThat(wire(sendmsg)).isEqualTo("sendmsg abc\ncall-command: hangup\nContent-Length: 3\n\nhi\n");
    }

    @Test
    void lineBreaksInArgumentsAreRejectedSoNoSecondCommandCanBeInjected() {
        assertThatThrownBy(() -> EslCommand.api("uuid_exists x\n\napi shutdown")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EslCommand.bgapi("originate x\r")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EslCommand.auth("pw\nexit")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EslCommand.filter("Unique-ID", "a\nexit")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EslCommand.filter("Unique ID", "a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EslCommand.eventPlain()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EslCommand.of("sendmsg", List.of(new EslHeader("x", "a\nb")), new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringNeverShowsArgumentsBecauseAuthCarriesThePassword() {
        assertThat(EslCommand.auth("s3cret").toString()).doesNotContain("s3cret").contains("auth");
    }

    @Test
    void commandDecoderReadsWhatTheEncoderWroteSplitAtEveryPosition() {
        List<EslCommand> commands = List.of(EslCommand.auth("ClueCon"),
                EslCommand.bgapi("originate {x='a b'}user/1 &park()", UUID.randomUUID()),
                EslCommand.of("sendmsg u", List.of(new EslHeader("call-command", "hangup")), "body\n\n".getBytes(StandardCharsets.UTF_8)),
                EslCommand.exit());
        StringBuilder all = new StringBuilder();
        commands.forEach(c -> all.append(wire(c)));
        byte[] bytes = all.toString().getBytes(StandardCharsets.UTF_8);

        for (int split = 0; split <= bytes.length; split++) {
            EmbeddedChannel channel = new EmbeddedChannel(new EslCommandDecoder());
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, 0, split));
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, split, bytes.length - split));
            List<EslCommand> decoded = new ArrayList<>();
            for (Object o; (o = channel.readInbound()) != null; ) {
                decoded.add((EslCommand) o);
            }
            assertThat(decoded).as("split at %d", split).isEqualTo(commands);
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void commandNameAndArgumentSplitAtTheFirstSpace() {
        EslCommand command = EslCommand.bgapi("originate a b");

        assertThat(command.name()).isEqualTo("bgapi");
        assertThat(command.argument()).isEqualTo("originate a b");
        assertThat(EslCommand.exit().argument()).isEmpty();
    }
}
