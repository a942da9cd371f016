package cn.suifang.telephony.sim;

import cn.suifang.telephony.esl.EslCommand;
import cn.suifang.telephony.esl.EslCommandEncoder;
import cn.suifang.telephony.esl.EslEvent;
import cn.suifang.telephony.esl.EslFrame;
import cn.suifang.telephony.esl.EslFrameDecoder;
import cn.suifang.telephony.esl.EslMessageType;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** A bare ESL client on the production codec; every wait is bounded (an upper limit, never a timing assertion). */
final class TestEslClient implements AutoCloseable {

    private static final long WAIT_SECONDS = 10;
    private static final String NO_SUCH_UUID = "00000000-0000-0000-0000-000000000000";

    private final EventLoopGroup group;
    private final Channel channel;
    private final BlockingQueue<EslFrame> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    private TestEslClient(InetSocketAddress address) {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new EslFrameDecoder(), new EslCommandEncoder(), new Collector());
                        }
                    })
                    .connect(address).syncUninterruptibly().channel();
        } catch (Throwable connectFailure) {
            group.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS);
            throw connectFailure;
        }
    }

    private final class Collector extends SimpleChannelInboundHandler<EslFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, EslFrame frame) {
            frames.add(frame);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closed.complete(null);
        }
    }

    static TestEslClient connect(EslSimulator simulator) {
        return new TestEslClient(simulator.address());
    }

    /** Connects and authenticates; the auth/request must come first. */
    static TestEslClient login(EslSimulator simulator) {
        TestEslClient client = connect(simulator);
        assertThat(client.next().type()).isEqualTo(EslMessageType.AUTH_REQUEST);
        assertThat(client.command(EslCommand.auth(simulator.password())).replyText()).hasValue("+OK accepted");
        return client;
    }

    void send(EslCommand command) {
        channel.writeAndFlush(command).syncUninterruptibly();
    }

    /** Sends a command and returns the very next frame, which must be its reply. */
    EslFrame command(EslCommand command) {
        send(command);
        EslFrame reply = next();
        assertThat(reply.type()).as("reply to %s", command).isIn(EslMessageType.COMMAND_REPLY, EslMessageType.API_RESPONSE);
        return reply;
    }

    EslFrame next() {
        try {
            EslFrame frame = frames.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            if (frame == null) {
                fail("no ESL frame within " + WAIT_SECONDS + " s");
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    EslEvent nextEvent() {
        EslFrame frame = next();
        assertThat(frame.type().isEvent()).as("expected an event but got %s", frame).isTrue();
        return EslEvent.parse(frame);
    }

    /**
     * Everything the simulator sent before the reply to a harmless api command: a sync point that
     * makes "nothing else arrived" assertions deterministic.
     */
    List<EslFrame> sync() {
        send(EslCommand.api("uuid_exists " + NO_SUCH_UUID));
        List<EslFrame> before = new ArrayList<>();
        for (EslFrame f = next(); ; f = next()) {
            if (f.type() == EslMessageType.API_RESPONSE && f.bodyText().equals("false")) {
                return before;
            }
            before.add(f);
        }
    }

    List<EslEvent> syncEvents() {
        return sync().stream().map(f -> {
            assertThat(f.type().isEvent()).as("unexpected %s", f).isTrue();
            return EslEvent.parse(f);
        }).toList();
    }

    boolean awaitClosed() {
        try {
            closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
}
