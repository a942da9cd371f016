package cn.suifang.telephony.bridge;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ESL client against a hand-written peer that misbehaves in ways the simulator does not. */
class EslClientTest {

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    /** A line-based fake switch: the first connection gets garbage, later ones a minimal honest dialogue. */
    private static final class RawSwitch implements AutoCloseable {
        final ServerSocket server;
        final AtomicInteger connections = new AtomicInteger();
        final List<String> commands = new CopyOnWriteArrayList<>();
        final Thread thread;

        RawSwitch(boolean silentApi) throws IOException {
            server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            thread = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        serve(s, connections.incrementAndGet(), silentApi);
                    } catch (IOException e) {
                        // next connection
                    }
                }
            });
            thread.setDaemon(true);
            thread.start();
        }

        private void serve(Socket s, int n, boolean silentApi) throws IOException {
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            write(out, "Content-Type: auth/request\n\n");
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isEmpty()) {
                    continue;
                }
                commands.add(line);
                if (n == 1) {
                    write(out, "Content-Type: command/reply\nContent-Length: twelve\n\n\u0000\u0001garbage");
                } else if (line.startsWith("api ") && silentApi) {
                    // never answers
                } else if (line.startsWith("api ")) {
                    write(out, "Content-Type: api/response\nContent-Length: 5\n\nfalse");
                } else {
                    write(out, "Content-Type: command/reply\nReply-Text: +OK\n\n");
                }
            }
        }

        private static void write(OutputStream out, String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private EslClient client(int port, List<EslClient.State> states) {
        BridgeProperties props = BridgeProperties.defaults().withEsl("127.0.0.1", port, "ClueCon")
                .withReconnect(Duration.ofMillis(20), Duration.ofMillis(100));
        props = new BridgeProperties(props.eslHost(), props.eslPort(), props.eslPassword(), props.gateway(),
                props.doctorTimeout(), props.patientTimeout(), props.recordingsDir(), props.zone(), props.keyPrefix(),
                props.redisAddress(), props.consumerName(), Duration.ofMillis(500), props.connectTimeout(),
                props.reconnectInitial(), props.reconnectMax(), props.reclaimIdle(), props.reclaimInterval(),
                props.readBlock(), props.outboxDir(), props.outboxMaxBytes());
        EslClient client = new EslClient(props, new EslClient.Listener() {
            @Override
            public void onEvent(cn.suifang.telephony.esl.EslEvent event) {
            }

            @Override
            public void onState(EslClient.State state, String detail) {
                states.add(state);
            }
        }).start();
        closeables.add(client);
        return client;
    }

    @Test
    void malformedFrameClosesTheLinkAndTheClientReconnectsAndSubscribesAgain() throws Exception {
        RawSwitch fake = new RawSwitch(false);
        closeables.add(fake);
        List<EslClient.State> states = new CopyOnWriteArrayList<>();
        EslClient client = client(fake.server.getLocalPort(), states);

        Poll.until("connected after the garbage", client::state, s -> s == EslClient.State.CONNECTED);
        assertThat(fake.connections.get()).isGreaterThanOrEqualTo(2);
        assertThat(client.api("uuid_exists x").get(5, TimeUnit.SECONDS).bodyText()).isEqualTo("false");
        assertThat(fake.commands).contains("event plain CHANNEL_CREATE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA "
                        + "CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE RECORD_STOP BACKGROUND_JOB",
                "filter Event-Name BACKGROUND_JOB", "filter variable_suifang_call_id /.+/");
    }

    @Test
    void aCommandWithoutReplyTimesOutInsteadOfWaitingForever() throws Exception {
        RawSwitch fake = new RawSwitch(true);
        closeables.add(fake);
        List<EslClient.State> states = new CopyOnWriteArrayList<>();
        EslClient client = client(fake.server.getLocalPort(), states);
        Poll.until("connected", client::state, s -> s == EslClient.State.CONNECTED);
        int before = fake.connections.get();

        assertThatThrownBy(() -> client.api("status").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasMessageContaining("ESL link lost");
        Poll.until("reconnected", fake.connections::get, n -> n > before);
    }

    @Test
    void commandsFailFastWhileDisconnected() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        EslClient client = client(port, new CopyOnWriteArrayList<>());
        assertThatThrownBy(() -> client.api("status").get(5, TimeUnit.SECONDS))
                .hasMessageContaining("not connected");
    }

    @Test
    void backOffGrowsIsJitteredAndBounded() {
        BridgeProperties props = BridgeProperties.defaults().withReconnect(Duration.ofMillis(100), Duration.ofSeconds(5));
        EslClient client = new EslClient(props, event -> { });
        closeables.add(client);
        for (int attempt = 0; attempt < 40; attempt++) {
            long cap = Math.min(5000, 100L << Math.min(attempt, 20));
            assertThat(client.backoffMillis(attempt)).isBetween(cap / 2, cap);
        }
    }
}
