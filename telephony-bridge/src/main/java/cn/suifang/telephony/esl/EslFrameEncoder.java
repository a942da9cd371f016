package cn.suifang.telephony.esl;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

import java.nio.charset.StandardCharsets;

/** Writes {@link EslFrame}s the way mod_event_socket does (server side, used by the simulator). */
@Sharable
public final class EslFrameEncoder extends MessageToByteEncoder<EslFrame> {

    public EslFrameEncoder() {
        super(EslFrame.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, EslFrame frame, ByteBuf out) {
        write(frame, out);
    }

    static void write(EslFrame frame, ByteBuf out) {
        for (EslHeader h : frame.headers()) {
            out.writeCharSequence(h.name(), StandardCharsets.UTF_8);
            out.writeCharSequence(": ", StandardCharsets.US_ASCII);
            out.writeCharSequence(h.value(), StandardCharsets.UTF_8);
            out.writeByte('\n');
        }
        out.writeByte('\n');
        out.writeBytes(frame.bodyUnsafe());
    }
}
