package cn.suifang.telephony.esl;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

import java.nio.charset.StandardCharsets;

/** Writes {@link EslCommand}s: the command line, headers, an empty line, then the body if any. */
@Sharable
public final class EslCommandEncoder extends MessageToByteEncoder<EslCommand> {

    public EslCommandEncoder() {
        super(EslCommand.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, EslCommand command, ByteBuf out) {
        out.writeCharSequence(command.line(), StandardCharsets.UTF_8);
        out.writeByte('\n');
        for (EslHeader h : command.headers()) {
            out.writeCharSequence(h.name(), StandardCharsets.UTF_8);
            out.writeCharSequence(": ", StandardCharsets.US_ASCII);
            out.writeCharSequence(h.value(), StandardCharsets.UTF_8);
            out.writeByte('\n');
        }
        out.writeByte('\n');
        out.writeBytes(command.bodyUnsafe());
    }
}
