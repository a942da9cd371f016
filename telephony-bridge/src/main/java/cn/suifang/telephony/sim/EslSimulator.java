package cn.suifang.telephony.sim;

import cn.suifang.telephony.esl.EslCommandDecoder;
import cn.suifang.telephony.esl.EslFrameEncoder;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * A FreeSWITCH stand-in that speaks mod_event_socket's inbound protocol (port 8021 on a real
 * switch): {@code auth}, {@code event}, {@code filter}, {@code api}, {@code bgapi}; originates
 * scripted calls ({@link CallScript}) and fires their channel events. Channel state belongs to the
 * switch, not to a connection, so it survives {@link #dropConnections()}.
 *
 * <p>With {@link Builder#manualTime(Instant)} time stands still until {@link #advance(Duration)},
 * which makes tests deterministic; otherwise call scripts play out in real time (demo).
 */
public final class EslSimulator implements AutoCloseable {

    public static final int DEFAULT_PORT = 8021;
    public static final String DEFAULT_PASSWORD = "ClueCon";
    private static final long LOOP_TIMEOUT_SECONDS = 30;

    private final String host;
    private final int requestedPort;
    private final Instant manualStart;
    private final Clock clock;
    private final SimCore core;
    private EventLoopGroup group;
    private EventLoop loop;
    private Channel server;
    private volatile int port;

    private EslSimulator(Builder b) {
        this.host = b.host;
        this.requestedPort = b.port;
        this.manualStart = b.manualStart;
        this.clock = b.clock;
        CallScript fallback = b.defaultScript;
        Function<String, CallScript> resolver = b.resolver != null ? b.resolver : args -> fallback;
        this.core = new SimCore(b.coreUuid, b.hostname, b.zone, b.password, resolver, b.recordingListener);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds the listening socket; with port 0 the system picks a free port, see {@link #port()}. */
    public synchronized EslSimulator start() {
        if (group != null) {
            throw new IllegalStateException("already started");
        }
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        loop = group.next();
        core.time = manualStart != null ? new SimTime.Manual(manualStart) : new SimTime.Real(loop, clock);
        bind(requestedPort);
        return this;
    }

    public int port() {
        return port;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(host, port);
    }

    public String password() {
        return core.password;
    }

    /** The Core-UUID every event carries. */
    public String coreUuid() {
        return core.coreUuid;
    }

    /** Moves virtual time forward, firing every scripted step that falls due, in order. */
    public void advance(Duration duration) {
        onLoop(() -> {
            if (!(core.time instanceof SimTime.Manual manual)) {
                throw new IllegalStateException("advance() needs manualTime()");
            }
            manual.advance(duration.toNanos() / 1_000);
            return null;
        });
    }

    /** The next originate plays this script (scripts queue up; then the default script applies). */
    public void enqueueScript(CallScript script) {
        Objects.requireNonNull(script);
        onLoop(() -> core.scripts.add(script));
    }

    /** Closes every ESL connection without a disconnect notice, as a network failure would; calls go on. */
    public void dropConnections() {
        onLoop(() -> {
            List.copyOf(core.sessions).forEach(SimSession::drop);
            return null;
        });
    }

    /**
     * Stops accepting connections (the switch is unreachable) until {@link #startListening()};
     * open connections stay, see {@link #dropConnections()}. Returns once connects are refused.
     */
    public synchronized void stopListening() {
        if (server != null) {
            server.close().syncUninterruptibly();
            server = null;
            awaitPortClosed();
        }
    }

    /**
     * NIO closes a listening socket that is still registered with a selector only at the loop's next
     * select, so the kernel may briefly go on accepting (and then reset) connections.
     */
    private void awaitPortClosed() {
        for (int i = 0; i < 500 && acceptsConnections(); i++) {
            loop.schedule(() -> { }, 1, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }

    private boolean acceptsConnections() {
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(host, port), 1_000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    /** Listens again on the same port as before. */
    public synchronized void startListening() {
        if (server == null) {
            bind(port);
        }
    }

    public int connectionCount() {
        return onLoop(core.sessions::size);
    }

    /** UUIDs of live channels, oldest first; a channel disappears after its CHANNEL_HANGUP_COMPLETE. */
    public List<String> channelUuids() {
        return onLoop(() -> List.copyOf(core.channels.keySet()));
    }

    /** Channel variables of a live channel. */
    public Optional<Map<String, String>> channelVariables(String uuid) {
        return onLoop(() -> Optional.ofNullable(core.channel(uuid))
                .map(ch -> Collections.unmodifiableMap(new LinkedHashMap<>(ch.variables))));
    }

    @Override
    public synchronized void close() {
        stopListening();
        if (group != null) {
            group.shutdownGracefully(0, 200, TimeUnit.MILLISECONDS).syncUninterruptibly();
            group = null;
        }
    }

    private void bind(int bindPort) {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new EslCommandDecoder(), new EslFrameEncoder(), new SimSession(core));
                    }
                });
        server = bootstrap.bind(host, bindPort).syncUninterruptibly().channel();
        port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    private <T> T onLoop(Callable<T> task) {
        if (loop == null) {
            throw new IllegalStateException("simulator not started");
        }
        try {
            if (loop.inEventLoop()) {
                return task.call();
            }
            return loop.submit(task).get(LOOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("simulator event loop did not answer", e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Demo: {@code java ... EslSimulator [--host=127.0.0.1] [--port=8021] [--password=ClueCon]}, real time. */
    public static void main(String[] args) throws InterruptedException {
        Builder builder = builder().port(DEFAULT_PORT);
        for (String arg : args) {
            if (arg.startsWith("--host=")) {
                builder.host(arg.substring(7));
            } else if (arg.startsWith("--port=")) {
                builder.port(Integer.parseInt(arg.substring(7)));
            } else if (arg.startsWith("--password=")) {
                builder.password(arg.substring(11));
            } else {
                throw new IllegalArgumentException("unknown argument: " + arg);
            }
        }
        EslSimulator simulator = builder.build().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulator.close();
            stopped.countDown();
        }));
        System.out.println("FreeSWITCH ESL simulator listening on " + simulator.address());
        stopped.await();
    }

    public static final class Builder {
        private String host = "127.0.0.1";
        private volatile int port;
        private String password = DEFAULT_PASSWORD;
        private Instant manualStart;
        private Clock clock = Clock.systemUTC();
        private ZoneId zone = ZoneId.of("Asia/Shanghai");
        private String hostname = "suifang-sim";
        private String coreUuid = UUID.randomUUID().toString();
        private CallScript defaultScript = CallScript.defaultScript();
        private Function<String, CallScript> resolver;
        private BiConsumer<String, Duration> recordingListener;

        private Builder() {
        }

        public Builder host(String host) {
            this.host = Objects.requireNonNull(host);
            return this;
        }

        /** 0 (the default) picks a free port. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            this.port = port;
            return this;
        }

        public Builder password(String password) {
            this.password = Objects.requireNonNull(password);
            return this;
        }

        /** Virtual time starting at {@code start}; it only moves with {@link EslSimulator#advance(Duration)}. */
        public Builder manualTime(Instant start) {
            this.manualStart = Objects.requireNonNull(start);
            return this;
        }

        /** Wall clock for event timestamps in real-time mode. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** Zone of Event-Date-Local and the *_stamp variables. */
        public Builder zone(ZoneId zone) {
            this.zone = Objects.requireNonNull(zone);
            return this;
        }

        public Builder hostname(String hostname) {
            this.hostname = Objects.requireNonNull(hostname);
            return this;
        }

        public Builder coreUuid(String coreUuid) {
            this.coreUuid = Objects.requireNonNull(coreUuid);
            return this;
        }

        public Builder defaultScript(CallScript script) {
            this.defaultScript = Objects.requireNonNull(script);
            return this;
        }

        /** Chooses a script from the originate arguments when none is queued (e.g. by patient number). */
        public Builder scriptResolver(Function<String, CallScript> resolver) {
            this.resolver = Objects.requireNonNull(resolver);
            return this;
        }

        /**
         * Told the file path and length of every recording when it stops, just before RECORD_STOP is fired
         * (the simulator writes no audio itself; a demo can write a file there). Runs on the simulator's
         * event loop: it must not block, hand file work to another thread.
         */
        public Builder onRecordingStopped(BiConsumer<String, Duration> listener) {
            this.recordingListener = Objects.requireNonNull(listener);
            return this;
        }

        public EslSimulator build() {
            return new EslSimulator(this);
        }
    }
}
