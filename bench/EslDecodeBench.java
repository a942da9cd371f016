import cn.suifang.telephony.esl.EslEvent;
import cn.suifang.telephony.esl.EslFrame;
import cn.suifang.telephony.esl.EslFrameDecoder;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * ESL decoding throughput against a raw socket read of the same bytes (docs/benchmarks.md, telephony).
 * <p>
 * The byte stream is made of real FreeSWITCH frames ({@code shared/fixtures/esl}), in the order and number one
 * answered, bridged call-back produces on the subscription the bridge uses (no RECORD_STOP: there is no real
 * capture of one), repeated to the requested size. A loopback server thread writes it in 64 KiB blocks; the
 * client is a Netty NIO channel with the bridge's options, and one of three pipelines:
 * <ul>
 * <li>{@code raw}: counts and releases the bytes, nothing else;</li>
 * <li>{@code frames}: {@link EslFrameDecoder} only;</li>
 * <li>{@code decoded}: what {@code EslClient} runs: {@link EslFrameDecoder}, then {@link EslEvent#parse} for every
 * event frame, reading the fields {@code CallDriver} reads.</li>
 * </ul>
 * Plain harness, not JMH: each measurement is one whole transfer (tens of MB, over a second) after warm-up
 * transfers; the modes are interleaved and the order rotates, so drift of the shared machine hits all alike.
 * <p>
 * {@code java -cp "<backend jar>/BOOT-INF/lib/*" bench/EslDecodeBench.java <fixtures dir> [MB] [reps] [warmups]}
 */
public class EslDecodeBench {

    /** One answered call as the bridge's subscription sees it, per leg where a leg has its own event. */
    static final String[] ONE_CALL = {
            "channel-create-outbound-bleg.txt",                            // doctor leg created
            "channel-progress-outbound-bleg-ringing.txt",                  // doctor ringing
            "channel-answer-outbound-bleg.txt",                            // doctor answers
            "background-job-ok-reloadxml.txt",                             // originate result, after the A-leg answered
            "channel-create-outbound-bleg.txt",                            // patient leg created
            "channel-progress-outbound-bleg-ringing.txt",                  // patient ringing
            "channel-answer-outbound-bleg.txt",                            // patient answers
            "channel-bridge.txt",                                          // bridged
            "channel-hangup-bleg-normal-clearing.txt",                     // patient hangs up
            "channel-hangup-aleg-normal-clearing.txt",                     // doctor leg follows
            "channel-hangup-complete-aleg-bridged-billsec5-duration18.txt",
            "channel-hangup-complete-aleg-bridged-billsec5-duration18.txt",
    };
    static final int BLOCK = 64 * 1024;

    record Result(String mode, long bytes, long events, long nanos, long cpuNanos) {
        double seconds() {
            return nanos / 1e9;
        }

        double mbPerSecond() {
            return bytes / 1e6 / seconds();
        }

        double eventsPerSecond() {
            return events / seconds();
        }
    }

    public static void main(String[] args) throws Exception {
        Path fixtures = Path.of(args[0]);
        int megabytes = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int warmups = args.length > 3 ? Integer.parseInt(args[3]) : 3;

        ByteArrayOutputStream call = new ByteArrayOutputStream();
        for (String name : ONE_CALL) {
            call.writeBytes(wireBytes(fixtures.resolve(name)));
        }
        byte[] oneCall = call.toByteArray();
        int calls = (int) Math.max(1, (long) megabytes * 1_000_000 / oneCall.length);
        byte[] stream = new byte[oneCall.length * calls];
        for (int i = 0; i < calls; i++) {
            System.arraycopy(oneCall, 0, stream, i * oneCall.length, oneCall.length);
        }
        long expectedEvents = (long) calls * ONE_CALL.length;
        System.out.printf(Locale.ROOT, "stream: %d calls x %d frames (%d bytes per call, %.1f KB per event) = %.1f MB, %d events%n",
                calls, ONE_CALL.length, oneCall.length, oneCall.length / 1000.0 / ONE_CALL.length, stream.length / 1e6,
                expectedEvents);

        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread writer = new Thread(() -> serve(server, stream), "esl-bench-server");
            writer.setDaemon(true);
            writer.start();
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            try {
                String[] modes = {"raw", "decoded", "frames"};
                for (int w = 0; w < warmups; w++) {
                    for (String mode : modes) {
                        Result r = transfer(group, server.getLocalPort(), mode, threads);
                        System.out.printf(Locale.ROOT, "warm-up %-7s %8.1f MB/s%n", mode, r.mbPerSecond());
                    }
                }
                List<Result[]> rounds = new ArrayList<>();
                for (int rep = 0; rep < reps; rep++) {
                    Result[] round = new Result[modes.length];
                    for (int k = 0; k < modes.length; k++) {
                        int m = (k + rep) % modes.length;   // rotate the order every round
                        Result r = transfer(group, server.getLocalPort(), modes[m], threads);
                        if (!modes[m].equals("raw") && r.events() != expectedEvents) {
                            throw new IllegalStateException(modes[m] + " decoded " + r.events() + " events, expected "
                                    + expectedEvents);
                        }
                        if (r.bytes() != stream.length) {
                            throw new IllegalStateException(modes[m] + " read " + r.bytes() + " of " + stream.length + " bytes");
                        }
                        round[m] = r;
                    }
                    rounds.add(round);
                    System.out.printf(Locale.ROOT, "round %d: raw %.1f MB/s, decoded %.1f MB/s (%.0f events/s), frames only %.1f MB/s;"
                                    + " decoded/raw %.3f%n", rep + 1, round[0].mbPerSecond(), round[1].mbPerSecond(),
                            round[1].eventsPerSecond(), round[2].mbPerSecond(), round[1].mbPerSecond() / round[0].mbPerSecond());
                }
                report(rounds, stream.length, expectedEvents, oneCall.length);
            } finally {
                group.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS).syncUninterruptibly();
            }
        }
    }

    static void report(List<Result[]> rounds, long bytes, long events, int bytesPerCall) {
        double[] raw = rounds.stream().mapToDouble(r -> r[0].mbPerSecond()).toArray();
        double[] dec = rounds.stream().mapToDouble(r -> r[1].mbPerSecond()).toArray();
        double[] decEv = rounds.stream().mapToDouble(r -> r[1].eventsPerSecond()).toArray();
        double[] frm = rounds.stream().mapToDouble(r -> r[2].mbPerSecond()).toArray();
        double[] frmEv = rounds.stream().mapToDouble(r -> r[2].eventsPerSecond()).toArray();
        double[] ratio = rounds.stream().mapToDouble(r -> r[1].mbPerSecond() / r[0].mbPerSecond()).toArray();
        double[] fratio = rounds.stream().mapToDouble(r -> r[2].mbPerSecond() / r[0].mbPerSecond()).toArray();
        // client event-loop CPU per event: how much of one core the decoding costs, independent of the server thread
        double[] decCpu = rounds.stream().mapToDouble(r -> r[1].cpuNanos() / 1e3 / r[1].events()).toArray();
        double[] rawCpu = rounds.stream().mapToDouble(r -> r[0].cpuNanos() / 1e3 / events).toArray();
        double[] frmCpu = rounds.stream().mapToDouble(r -> r[2].cpuNanos() / 1e3 / r[2].events()).toArray();
        double perCall = (double) events / (bytes / bytesPerCall);
        System.out.println();
        System.out.println("| mode | MB/s (median) | events/s (median) | client loop CPU µs/event (median) | ratio to raw, per round | median ratio |");
        System.out.println("|---|---:|---:|---:|---|---:|");
        System.out.printf(Locale.ROOT, "| raw socket read | %.1f | (%.0f) | %.2f | – | 1 |%n", median(raw),
                median(raw) * 1e6 / (bytes / (double) events), median(rawCpu));
        System.out.printf(Locale.ROOT, "| EslFrameDecoder only | %.1f | %.0f | %.2f | %s | %.3f |%n", median(frm), median(frmEv),
                median(frmCpu), list(fratio), median(fratio));
        System.out.printf(Locale.ROOT, "| **decoded** (EslFrameDecoder + EslEvent.parse) | %.1f | %.0f | %.2f | %s | **%.3f** |%n",
                median(dec), median(decEv), median(decCpu), list(ratio), median(ratio));
        System.out.println();
        System.out.printf(Locale.ROOT, "%.1f events and %.1f KB per call; decoded median %.0f events/s = %.0f calls/s on one event-loop "
                        + "thread; 200 calls/s need %.0f events/s (%.1f MB/s), i.e. %.1f %% of that thread%n",
                perCall, bytesPerCall / 1000.0, median(decEv), median(decEv) / perCall, 200 * perCall,
                200 * bytesPerCall / 1e6, 100 * 200 * perCall / median(decEv));
    }

    static String list(double[] v) {
        StringBuilder s = new StringBuilder();
        for (double d : v) {
            s.append(s.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", d));
        }
        return s.toString();
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Serves the whole stream to every connection, in 64 KiB writes, then closes it. */
    static void serve(ServerSocket server, byte[] stream) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setTcpNoDelay(true);
                OutputStream out = s.getOutputStream();
                for (int off = 0; off < stream.length; off += BLOCK) {
                    out.write(stream, off, Math.min(BLOCK, stream.length - off));
                }
                out.flush();
            } catch (Exception e) {
                if (!server.isClosed()) {
                    System.err.println("server: " + e);
                }
            }
        }
    }

    static Result transfer(EventLoopGroup group, int port, String mode, ThreadMXBean threads) throws Exception {
        CompletableFuture<Result> done = new CompletableFuture<>();
        long[] counts = new long[2];   // bytes, events; touched only on the channel's event loop
        long[] start = new long[2];    // wall nanos, thread CPU nanos at connect
        ChannelHandler last = switch (mode) {
            case "raw" -> new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ByteBuf buf = (ByteBuf) msg;
                    counts[0] += buf.readableBytes();
                    buf.release();
                }
            };
            case "frames" -> new SimpleChannelInboundHandler<EslFrame>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, EslFrame frame) {
                    counts[1]++;
                }
            };
            case "decoded" -> new SimpleChannelInboundHandler<EslFrame>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, EslFrame frame) {
                    // as EslClient.Handler and CallDriver.onEvent: the frame type, then the event and its fields
                    switch (frame.type()) {
                        case EVENT_PLAIN, EVENT_JSON -> {
                            EslEvent e = EslEvent.parse(frame);
                            if (e.eventName().equals("BACKGROUND_JOB")) {
                                counts[1] += e.jobUuid().isPresent() ? 1 : 0;
                                counts[1] += e.bodyText().isEmpty() ? 1 : 0;   // never: keeps the body read
                            } else {
                                counts[1] += e.uniqueId().isPresent() && e.eventSequence().isPresent()
                                        && e.coreUuid().isPresent() && e.eventTimestampMicros().isPresent() ? 1 : 0;
                                e.hangupCause();
                                e.billsec();
                            }
                        }
                        default -> throw new IllegalStateException("unexpected frame " + frame);
                    }
                }
            };
            default -> throw new IllegalArgumentException(mode);
        };
        // the bridge's channel options; in front of the decoder a counter of the bytes it is given
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (!mode.equals("raw")) {
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    counts[0] += ((ByteBuf) msg).readableBytes();
                                    ctx.fireChannelRead(msg);
                                }
                            });
                            ch.pipeline().addLast(new EslFrameDecoder());
                        }
                        ch.pipeline().addLast(last);
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                start[0] = System.nanoTime();
                                start[1] = threads.getCurrentThreadCpuTime();
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                long wall = System.nanoTime() - start[0];
                                long cpu = threads.getCurrentThreadCpuTime() - start[1];
                                done.complete(new Result(mode, counts[0], counts[1], wall, cpu));
                            }
                        });
                    }
                });
        bootstrap.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).syncUninterruptibly();
        return done.get(300, TimeUnit.SECONDS);
    }

    /** The capture without its first ("# source: ...") line, see shared/fixtures/esl/README.md. */
    static byte[] wireBytes(Path file) throws Exception {
        byte[] all = Files.readAllBytes(file);
        int nl = 0;
        while (nl < all.length && all[nl] != '\n') {
            nl++;
        }
        if (all.length == 0 || all[0] != '#' || nl == all.length) {
            throw new IllegalStateException(file + " does not start with a '# source:' line");
        }
        return Arrays.copyOfRange(all, nl + 1, all.length);
    }
}
