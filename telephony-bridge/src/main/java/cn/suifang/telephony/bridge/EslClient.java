package cn.suifang.telephony.bridge;

import cn.suifang.telephony.esl.EslCommand;
import cn.suifang.telephony.esl.EslCommandEncoder;
import cn.suifang.telephony.esl.EslEvent;
import cn.suifang.telephony.esl.EslFrame;
import cn.suifang.telephony.esl.EslFrameDecoder;
import cn.suifang.telephony.esl.EslMessageType;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Inbound ESL client (FreeSWITCH mod_event_socket, port 8021) on Netty and our own codec.
 * <p>
 * Decision: our codec instead of {@code link.thingscloud:freeswitch-esl}: it is tested byte-for-byte
 * against real captures, it has no blocking calls (the library's synchronous API can hang forever on a
 * dropped link), no shared executor (which would reorder a call's events), and no compile-scope logback.
 * <p>
 * Everything runs on one event-loop thread per client: events are handed to the {@link Listener} in
 * wire order, so one call's events stay in order. Commands are answered strictly in the order they were
 * sent (one {@code command/reply} or {@code api/response} each), which is how replies are correlated; a
 * reply that does not come within the command timeout closes the link (the FIFO could no longer be
 * trusted) and the client reconnects with bounded, jittered exponential back-off, then authenticates
 * and subscribes again.
 */
public final class EslClient implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(EslClient.class.getName());

    /** Exactly the events the bridge maps; nothing else, so a busy switch has little to send us. */
    static final List<String> EVENTS = List.of("CHANNEL_CREATE", "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA",
            "CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "RECORD_STOP",
            "BACKGROUND_JOB");

    /**
     * A half-open TCP link (switch host gone without FIN) would otherwise look alive for hours: after this
     * long without any frame, a cheap {@code api status} must be answered within the command timeout.
     */
    static final int HEARTBEAT_SECONDS = 15;

    public enum State { CONNECTING, CONNECTED, DISCONNECTED, AUTH_FAILED, CLOSED }

    /** Called on the client's event-loop thread; must not block. */
    public interface Listener {
        void onEvent(EslEvent event);

        /** CONNECTED means authenticated and subscribed (again, after a reconnect). */
        default void onState(State state, String detail) {
        }
    }

    private final BridgeProperties props;
    private final Listener listener;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private Channel channel;
    private volatile State state = State.DISCONNECTED;
    private int attempt;
    private boolean closed;
    private ScheduledFuture<?> reconnect;

    private record Pending(EslCommand command, CompletableFuture<EslFrame> reply, ScheduledFuture<?> timeout) {
    }

    public EslClient(BridgeProperties props, Listener listener) {
        this.props = Objects.requireNonNull(props);
        this.listener = Objects.requireNonNull(listener);
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.loop = group.next();
    }

    /** Starts connecting (and keeps reconnecting) in the background. */
    public EslClient start() {
        loop.execute(this::connect);
        return this;
    }

    /** The single thread every event and reply is handled on; callers may confine their state to it. */
    public EventLoop executor() {
        return loop;
    }

    public State state() {
        return state;
    }

    /** Blocking-on-the-switch API call, answered by an {@code api/response}; keep these short. */
    public CompletableFuture<EslFrame> api(String command) {
        return send(EslCommand.api(command));
    }

    /** Background API call; completes with the {@code command/reply}, the result comes as BACKGROUND_JOB. */
    public CompletableFuture<EslFrame> bgapi(String command, UUID jobUuid) {
        return send(EslCommand.bgapi(command, jobUuid));
    }

    CompletableFuture<EslFrame> send(EslCommand command) {
        CompletableFuture<EslFrame> reply = new CompletableFuture<>();
        loop.execute(() -> {
            if (state != State.CONNECTED || channel == null || !channel.isActive()) {
                reply.completeExceptionally(new IOException("ESL link is not connected (" + state + ")"));
                return;
            }
            write(channel, command, reply);
        });
        return reply;
    }

    private void write(Channel ch, EslCommand command, CompletableFuture<EslFrame> reply) {
        ScheduledFuture<?> timeout = loop.schedule(() -> {
            if (!reply.isDone()) {
                LOG.log(System.Logger.Level.WARNING, "no reply to ESL " + command + " within "
                        + props.commandTimeout().toMillis() + " ms; closing the link");
                ch.close();
            }
        }, props.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
        pending.add(new Pending(command, reply, timeout));
        ch.writeAndFlush(command).addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
            }
        });
    }

    private void connect() {
        if (closed) {
            return;
        }
        reconnect = null;
        setState(State.CONNECTING, null);
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) props.connectTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new IdleStateHandler(HEARTBEAT_SECONDS, 0, 0), new EslFrameDecoder(),
                                new EslCommandEncoder(), new Handler());
                    }
                });
        ChannelFuture future = bootstrap.connect(props.eslHost(), props.eslPort());
        channel = future.channel();
        future.addListener(f -> {
            if (!f.isSuccess()) {
                LOG.log(System.Logger.Level.WARNING, "cannot reach FreeSWITCH ESL at " + props.eslHost() + ":"
                        + props.eslPort() + ": " + f.cause().getMessage());
                scheduleReconnect(State.DISCONNECTED, f.cause().getMessage());
            }
        });
    }

    private void scheduleReconnect(State why, String detail) {
        if (closed) {
            return;
        }
        if (state != State.AUTH_FAILED) {
            setState(why, detail);
        }
        if (reconnect != null) {
            return;
        }
        long delay = backoffMillis(attempt++);
        reconnect = loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    /** Exponential from the initial delay, capped, with "equal jitter" (half fixed, half random). */
    long backoffMillis(int attempt) {
        long initial = props.reconnectInitial().toMillis();
        long max = props.reconnectMax().toMillis();
        long exp = initial << Math.min(attempt, 20);
        long capped = Math.max(1, Math.min(max, exp));
        return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    }

    private void setState(State next, String detail) {
        if (state == next && next != State.CONNECTED) {
            return;
        }
        state = next;
        try {
            listener.onState(next, detail);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "ESL state listener failed", e);
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<EslFrame> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, EslFrame frame) {
            switch (frame.type()) {
                case AUTH_REQUEST -> authenticate(ctx.channel());
                case COMMAND_REPLY, API_RESPONSE -> {
                    Pending p = pending.poll();
                    if (p == null) {
                        LOG.log(System.Logger.Level.WARNING, "ESL reply without a pending command; ignored");
                        return;
                    }
                    p.timeout().cancel(false);
                    p.reply().complete(frame);
                }
                case EVENT_PLAIN, EVENT_JSON -> {
                    EslEvent event;
                    try {
                        event = EslEvent.parse(frame);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "unreadable ESL event skipped: " + e.getClass().getSimpleName());
                        return;
                    }
                    try {
                        listener.onEvent(event);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.ERROR, "handling ESL event " + event.eventName() + " failed", e);
                    }
                }
                case DISCONNECT_NOTICE -> LOG.log(System.Logger.Level.INFO, "FreeSWITCH sent a disconnect notice");
                case RUDE_REJECTION -> LOG.log(System.Logger.Level.ERROR,
                        "FreeSWITCH rejected the connection (check event_socket.conf apply-inbound-acl)");
                default -> LOG.log(System.Logger.Level.DEBUG, "ignored ESL frame " + frame.contentType());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() != channel) {
                return;
            }
            IOException lost = new IOException("ESL link lost");
            for (Pending p; (p = pending.poll()) != null; ) {
                p.timeout().cancel(false);
                p.reply().completeExceptionally(lost);
            }
            LOG.log(System.Logger.Level.WARNING, "ESL link to " + props.eslHost() + ":" + props.eslPort() + " closed");
            scheduleReconnect(State.DISCONNECTED, "link closed");
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent && state == State.CONNECTED && ctx.channel() == channel) {
                write(ctx.channel(), EslCommand.api("status"), new CompletableFuture<>());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // after a malformed frame the byte stream cannot be trusted: start over on a fresh connection
            LOG.log(System.Logger.Level.WARNING, "ESL protocol/IO error, reconnecting: "
                    + cause.getClass().getSimpleName() + ": " + cause.getMessage());
            ctx.close();
        }
    }

    private void authenticate(Channel ch) {
        CompletableFuture<EslFrame> auth = new CompletableFuture<>();
        write(ch, EslCommand.auth(props.eslPassword()), auth);
        auth.thenAccept(reply -> {
            if (!reply.isOk()) {
                LOG.log(System.Logger.Level.ERROR, "FreeSWITCH rejected the ESL password (suifang.esl.password) at "
                        + props.eslHost() + ":" + props.eslPort() + "; retrying with back-off");
                setState(State.AUTH_FAILED, "authentication rejected");
                ch.close();
                return;
            }
            subscribe(ch);
        });
    }

    /**
     * Filters: FreeSWITCH sends an event if any filter matches, and a filter on a channel variable hides
     * every event without that header, BACKGROUND_JOB included; so BACKGROUND_JOB gets its own filter.
     */
    private void subscribe(Channel ch) {
        CompletableFuture<EslFrame> events = new CompletableFuture<>();
        write(ch, EslCommand.events(EslCommand.EventFormat.PLAIN, EVENTS), events);
        CompletableFuture<EslFrame> jobs = new CompletableFuture<>();
        write(ch, EslCommand.filter("Event-Name", "BACKGROUND_JOB"), jobs);
        CompletableFuture<EslFrame> ours = new CompletableFuture<>();
        write(ch, EslCommand.filter("variable_" + CallDriver.VAR_CALL_ID, "/.+/"), ours);
        CompletableFuture.allOf(events, jobs, ours).thenRun(() -> {
            if (!events.join().isOk() || !jobs.join().isOk() || !ours.join().isOk()) {
                LOG.log(System.Logger.Level.ERROR, "FreeSWITCH refused the event subscription; reconnecting");
                ch.close();
                return;
            }
            attempt = 0;
            setState(State.CONNECTED, null);
        });
    }

    @Override
    public void close() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            closed = true;
            if (reconnect != null) {
                reconnect.cancel(false);
            }
            setState(State.CLOSED, null);
            if (channel != null) {
                channel.close();
            }
            done.complete(null);
        });
        try {
            done.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "ESL client did not close cleanly: " + e);
        }
        group.shutdownGracefully(0, 200, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
}
