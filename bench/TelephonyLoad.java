import cn.suifang.telephony.api.CallEventType;
import cn.suifang.telephony.api.OriginateCommand;
import cn.suifang.telephony.api.TelephonyStreams;
import cn.suifang.telephony.sim.CallScript;
import cn.suifang.telephony.sim.EslSimulator;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.redisson.Redisson;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamReadArgs;
import org.redisson.api.stream.StreamTrimArgs;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * End-to-end telephony load (docs/benchmarks.md): EslSimulator → TelephonyBridge (embedded in the backend) → Redis
 * Streams → CallEventConsumer/CallEventApplier → PostgreSQL, at fixed offered rates (open loop), against the raw
 * database doing the same writes at the same rate in the same run.
 * <p>
 * This process plays FreeSWITCH (an {@link EslSimulator} in real time, short answered calls) and the backend's
 * CallService (call_record rows in REQUESTED, then the originate command with XADD exactly as CallService sends it);
 * it starts the backend jar as a child process with the embedded bridge pointed at the simulator. Measured per call:
 * command XADD → the bridge's CALL_ENDED on the events stream (stream ids, Redis clock), and → the commit that set
 * call_record.status = 'ENDED' (a bench-only trigger NOTIFYs at commit; this process LISTENs).
 * <p>
 * The raw-database runs execute, on one JDBC connection (the consumer applies events one at a time), the statements
 * CallEventApplier runs for every event (SELECT … FOR UPDATE, INSERT call_event … ON CONFLICT DO NOTHING RETURNING,
 * UPDATE call_record, COMMIT), for the same events per call, offered at the same call rate.
 * <p>
 * Arguments are key=value, see {@link #main}. Run by {@code scripts/bench.sh telephony}.
 */
public class TelephonyLoad {

    static final String CHANNEL = "bench_call_ended";
    /** What an answered, recorded call delivers to the backend, in order (checked against the run: events/call). */
    static final CallEventType[] EVENTS = {CallEventType.ORIGINATE_ACCEPTED, CallEventType.DOCTOR_RINGING,
            CallEventType.DOCTOR_ANSWERED, CallEventType.PATIENT_RINGING, CallEventType.PATIENT_ANSWERED,
            CallEventType.BRIDGED, CallEventType.HANGUP, CallEventType.HANGUP, CallEventType.RECORDING_READY,
            CallEventType.CALL_ENDED};

    final Map<String, String> opt;
    final String jdbcUrl;
    final String prefix;
    final long hz;
    RedissonClient redis;
    RStream<String, String> commands;
    RStream<String, String> events;
    EslSimulator simulator;
    Process backend;
    List<long[]> targets = new ArrayList<>();   // task, patient, patient department, staff, staff department
    /** The calls of the step being measured: callId → [xadd ms, bridge CALL_ENDED ms, DB ENDED ms, offered ms]. */
    volatile Map<String, long[]> current = new ConcurrentHashMap<>();
    final AtomicLong eventsSeen = new AtomicLong();
    final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
    volatile boolean stopping;
    final List<String> rows = new ArrayList<>();
    final List<String> notes = new ArrayList<>();

    TelephonyLoad(Map<String, String> opt) throws Exception {
        this.opt = opt;
        this.jdbcUrl = "jdbc:postgresql://127.0.0.1:5432/" + opt.get("db") + "?user=" + opt.get("user") + "&password="
                + opt.get("password");
        this.prefix = opt.get("prefix");
        this.hz = Long.parseLong(opt.getOrDefault("hz", "100"));
    }

    /**
     * jar= db= user= password= prefix= work= rates=50,100,200,400 seconds=20 drain=15 simPort=18021 httpPort=18081
     * hz=100 (CLK_TCK) profileRate=200 dbMaxConnections=4 dbRuns=true consume=true
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            opt.put(a.substring(0, eq), a.substring(eq + 1));
        }
        if (!opt.get("db").startsWith("suifang_bench")) {
            throw new IllegalArgumentException("only suifang_bench* databases");
        }
        TelephonyLoad load = new TelephonyLoad(opt);
        try {
            load.run();
        } finally {
            load.shutdown();
        }
        System.exit(0);
    }

    void run() throws Exception {
        int seconds = Integer.parseInt(opt.getOrDefault("seconds", "20"));
        int[] rates = Arrays.stream(opt.getOrDefault("rates", "50,100,200,400").split(",")).mapToInt(Integer::parseInt).toArray();

        Config config = new Config();
        config.useSingleServer().setAddress("redis://127.0.0.1:6379");
        redis = Redisson.create(config);
        long deleted = redis.getKeys().deleteByPattern(prefix + ":*");
        say("deleted " + deleted + " leftover Redis keys under " + prefix + ":*");
        commands = redis.getStream(TelephonyStreams.commands(prefix), StringCodec.INSTANCE);
        events = redis.getStream(TelephonyStreams.events(prefix), StringCodec.INSTANCE);

        // FreeSWITCH: short answered calls. Doctor rings 20 ms, patient 20 ms, 50 ms of talk, recorded.
        CallScript script = CallScript.builder().ringDelay(Duration.ofMillis(5))
                .doctor(CallScript.Leg.answersAfter(Duration.ofMillis(20)))
                .patient(CallScript.Leg.answersAfter(Duration.ofMillis(20)))
                .talk(Duration.ofMillis(50)).build();
        simulator = EslSimulator.builder().port(Integer.parseInt(opt.getOrDefault("simPort", "18021")))
                .defaultScript(script).build().start();
        say("simulator on " + simulator.address());

        startBackend();
        loadTargets();
        installTrigger();
        Thread reader = daemon("events-reader", this::readEvents);
        Thread listener = daemon("db-listener", this::listen);
        reader.start();
        listener.start();

        say("warm-up (not recorded): end-to-end 50 calls/s for 15 s, raw database 50 calls/s for 10 s");
        e2e("warm-up", 50, 15, false);
        db("warm-up", 50, 10, 1, false);

        boolean dbRuns = !"false".equals(opt.get("dbRuns"));
        for (int rate : rates) {
            e2e("E2E-" + rate, rate, seconds, true);
            if (dbRuns) {
                db("DB1-" + rate, rate, seconds, 1, true);
            }
        }
        int top = Arrays.stream(rates).max().orElse(400);
        int conns = Integer.parseInt(opt.getOrDefault("dbMaxConnections", "4"));
        if (dbRuns) {
            db("DB" + conns + "-" + (top * 2), top * 2, seconds / 2, conns, true);
        }

        String jfr = opt.get("work") + "/telephony.jfr";
        int profileRate = Integer.parseInt(opt.getOrDefault("profileRate", "200"));
        say("profiling: end-to-end " + profileRate + " calls/s for 15 s under Java Flight Recorder (not in the table)");
        exec("jcmd", Long.toString(backend.pid()), "JFR.start", "name=tel", "settings=profile", "filename=" + jfr);
        e2e("profile", profileRate, 15, false);
        exec("jcmd", Long.toString(backend.pid()), "JFR.stop", "name=tel");

        System.out.println();
        System.out.println("| run | offered calls/s | calls | bridge ended/s | DB ended/s | completed | bridge latency p50 / p95 / p99 / max ms "
                + "| DB latency p50 / p95 / p99 / max ms | max backlog: commands→bridge / bridge→DB (calls) | events/call "
                + "| CPU ms/call: backend JVM | sim+load JVM | PostgreSQL | Redis | other | machine busy |");
        System.out.println("|---|---:|---:|---:|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
        rows.forEach(System.out::println);
        System.out.println();
        notes.forEach(n -> System.out.println("- " + n));
        System.out.println("- outcomes of all calls seen on the events stream: " + outcomes);
        System.out.println("- JFR recording of the profile run: " + jfr);
    }

    // ------------------------------------------------------------------ setup

    void startBackend() throws Exception {
        String work = opt.get("work");
        int http = Integer.parseInt(opt.getOrDefault("httpPort", "18081"));
        String db = opt.get("db");
        ProcessBuilder pb = new ProcessBuilder("java", "-jar", opt.get("jar"));
        Map<String, String> env = pb.environment();
        env.put("SPRING_PROFILES_ACTIVE", "demo");
        env.put("SUIFANG_DEMO_SEED", "true");                   // a small hospital: tasks, patients, staff to call for
        env.put("SUIFANG_DEMO_PATIENTS", "300");
        env.put("SUIFANG_SCHEDULER_ENABLED", "false");
        env.put("SPRING_R2DBC_URL", "r2dbc:postgresql://127.0.0.1:5432/" + db);
        env.put("SPRING_FLYWAY_URL", "jdbc:postgresql://127.0.0.1:5432/" + db);
        env.put("SERVER_PORT", Integer.toString(http));
        env.put("SERVER_ADDRESS", "127.0.0.1");
        env.put("SUIFANG_REDIS_KEY_PREFIX", prefix);
        env.put("SUIFANG_TELEPHONY_SIMULATOR", "false");      // the simulator is this process
        env.put("SUIFANG_TELEPHONY_EMBEDDED_BRIDGE", "true");
        // diagnostic: consume=false leaves the events on the stream, to see the bridge without the consumer beside it
        env.put("SUIFANG_TELEPHONY_CONSUME_EVENTS", opt.getOrDefault("consume", "true"));
        env.put("SUIFANG_ESL_HOST", "127.0.0.1");
        env.put("SUIFANG_ESL_PORT", Integer.toString(simulator.port()));
        env.put("SUIFANG_ESL_PASSWORD", simulator.password());
        env.put("SUIFANG_TELEPHONY_RECORDINGS_DIR", work + "/recordings");
        pb.redirectErrorStream(true).redirectOutput(new File(work, "backend.log"));
        backend = pb.start();
        say("backend pid " + backend.pid() + " starting (log " + work + "/backend.log)");
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (true) {
            if (!backend.isAlive()) {
                throw new IllegalStateException("backend exited, see " + work + "/backend.log");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("backend not up within 240 s");
            }
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http
                        + "/actuator/health")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && simulator.connectionCount() > 0 && taskCount() > 0) {
                    break;
                }
            } catch (Exception notYet) {
                // starting
            }
            Thread.sleep(500);
        }
        Thread.sleep(2000);   // subscription and consumer groups settle
        say("backend up, bridge connected to the simulator");
    }

    long taskCount() throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM follow_up_task WHERE assignee_id IS NOT NULL")) {
            r.next();
            return r.getLong(1);
        } catch (Exception e) {
            return 0;
        }
    }

    void loadTargets() throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("""
                     SELECT t.id, t.patient_id, p.department_id, st.id, st.department_id
                     FROM follow_up_task t JOIN patient p ON p.id = t.patient_id JOIN staff st ON st.id = t.assignee_id
                     ORDER BY t.id LIMIT 2000""")) {
            while (r.next()) {
                targets.add(new long[]{r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5)});
            }
        }
        say(targets.size() + " tasks to call for");
    }

    /** Bench database only: a NOTIFY when a call record turns ENDED, delivered to listeners at commit. */
    void installTrigger() throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement()) {
            s.execute("""
                    CREATE OR REPLACE FUNCTION bench_call_ended() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN PERFORM pg_notify('bench_call_ended', NEW.id::text); RETURN NULL; END $$""");
            s.execute("DROP TRIGGER IF EXISTS bench_call_ended ON call_record");
            s.execute("""
                    CREATE TRIGGER bench_call_ended AFTER UPDATE OF status ON call_record FOR EACH ROW
                    WHEN (NEW.status = 'ENDED' AND OLD.status <> 'ENDED') EXECUTE FUNCTION bench_call_ended()""");
        }
    }

    void listen() {
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement()) {
            s.execute("LISTEN " + CHANNEL);
            PGConnection pg = c.unwrap(PGConnection.class);
            while (!stopping) {
                PGNotification[] ns = pg.getNotifications(200);
                if (ns == null) {
                    continue;
                }
                long now = System.currentTimeMillis();
                Map<String, long[]> calls = current;
                for (PGNotification n : ns) {
                    long[] t = calls.get(n.getParameter());
                    if (t != null && t[2] == 0) {
                        t[2] = now;
                    }
                }
            }
        } catch (Exception e) {
            if (!stopping) {
                e.printStackTrace();
            }
        }
    }

    void readEvents() {
        StreamMessageId last = new StreamMessageId(0, 0);
        while (!stopping) {
            try {
                Map<StreamMessageId, Map<String, String>> batch = events.read(StreamReadArgs.greaterThan(last).count(1000)
                        .timeout(Duration.ofMillis(500)));
                if (batch == null) {
                    continue;
                }
                Map<String, long[]> calls = current;
                for (Map.Entry<StreamMessageId, Map<String, String>> e : batch.entrySet()) {
                    last = e.getKey();
                    Map<String, String> f = e.getValue();
                    long[] t = calls.get(f.get("callId"));
                    if (t != null) {
                        eventsSeen.incrementAndGet();
                        if ("CALL_ENDED".equals(f.get("type")) && t[1] == 0) {
                            t[1] = e.getKey().getId0();
                            outcomes.computeIfAbsent(String.valueOf(f.get("outcome")), k -> new AtomicLong()).incrementAndGet();
                        }
                    }
                }
            } catch (Exception e) {
                if (!stopping) {
                    System.err.println("events reader: " + e);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
                }
            }
        }
    }

    // ------------------------------------------------------------------ steps

    /** Inserts the step's call records (REQUESTED), as CallService does before it sends the command. */
    List<UUID> insertCalls(int n) throws Exception {
        List<UUID> ids = new ArrayList<>(n);
        try (Connection c = DriverManager.getConnection(jdbcUrl)) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO call_record (id, task_id, patient_id, staff_id, staff_department_id, department_id,
                        caller_id_number, recording_requested, status, requested_at)
                    VALUES (?, ?, ?, ?, ?, ?, '02000000000', true, 'REQUESTED', now())""")) {
                for (int i = 0; i < n; i++) {
                    long[] t = targets.get(i % targets.size());
                    UUID id = UUID.randomUUID();
                    ids.add(id);
                    ps.setObject(1, id);
                    ps.setLong(2, t[0]);
                    ps.setLong(3, t[1]);
                    ps.setLong(4, t[3]);
                    ps.setLong(5, t[4]);
                    ps.setLong(6, t[2]);
                    ps.addBatch();
                    if (i % 1000 == 999) {
                        ps.executeBatch();
                    }
                }
                ps.executeBatch();
            }
            c.commit();
            try (Statement s = c.createStatement()) {
                c.setAutoCommit(true);
                s.execute("VACUUM ANALYZE call_record");
            }
        }
        return ids;
    }

    interface Offer {
        void send(int i, long[] times) throws Exception;
    }

    /** Open loop: call i is offered at start + i / rate, whatever happened to the ones before. */
    void offer(List<UUID> ids, Map<String, long[]> calls, int rate, Offer how) throws Exception {
        long start = System.nanoTime();
        for (int i = 0; i < ids.size(); i++) {
            long due = start + (long) (i * 1e9 / rate);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            long[] t = calls.get(ids.get(i).toString());
            t[3] = System.currentTimeMillis();
            how.send(i, t);
        }
    }

    void e2e(String name, int rate, int seconds, boolean record) throws Exception {
        List<UUID> ids = insertCalls(rate * seconds);
        Map<String, long[]> calls = new ConcurrentHashMap<>();
        ids.forEach(id -> calls.put(id.toString(), new long[4]));
        current = calls;
        long eventsBefore = eventsSeen.get();
        say(name + ": offering " + ids.size() + " calls at " + rate + "/s for " + seconds + " s");
        Cpu before = Cpu.now(this);
        long t0 = System.currentTimeMillis();
        long[] maxBacklog = new long[2];
        Thread sampler = daemon("backlog", () -> {
            while (!Thread.currentThread().isInterrupted()) {
                long offered = 0;
                long bridged = 0;
                long stored = 0;
                for (long[] t : calls.values()) {
                    offered += t[0] > 0 ? 1 : 0;
                    bridged += t[1] > 0 ? 1 : 0;
                    stored += t[2] > 0 ? 1 : 0;
                }
                maxBacklog[0] = Math.max(maxBacklog[0], offered - bridged);
                maxBacklog[1] = Math.max(maxBacklog[1], bridged - stored);
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        offer(ids, calls, rate, (i, t) -> {
            long[] target = targets.get(i % targets.size());
            String callId = ids.get(i).toString();
            OriginateCommand cmd = new OriginateCommand(callId, target[0], "1390000" + String.format("%04d", i % 10_000),
                    "1380000" + String.format("%04d", (i * 7) % 10_000 / 10 * 10 + 5), "02000000000", null, true, "hospital");
            commands.addAsync(StreamAddArgs.entries(cmd.toFields()).trimNonStrict().maxLen(TelephonyStreams.MAX_LENGTH).noLimit())
                    .whenComplete((id, e) -> {
                        if (id != null) {
                            t[0] = id.getId0();
                        }
                    });
        });
        long offerEnd = System.currentTimeMillis();
        int drain = Integer.parseInt(opt.getOrDefault("drain", "15"));
        long end = awaitDrain(calls, offerEnd, drain);
        Cpu after = Cpu.now(this);
        sampler.interrupt();
        long incomplete = calls.values().stream().filter(t -> t[2] == 0).count();
        if (incomplete > 0) {
            discardBacklog(name, incomplete);
        }
        if (!record) {
            return;
        }
        long window = offerEnd - t0;
        long bridgedInWindow = calls.values().stream().filter(t -> t[1] > 0 && t[1] <= offerEnd).count();
        long storedInWindow = calls.values().stream().filter(t -> t[2] > 0 && t[2] <= offerEnd).count();
        long completed = calls.size() - incomplete;
        long[] bridgeLat = latencies(calls, 1);
        long[] dbLat = latencies(calls, 2);
        long endedBridge = calls.values().stream().filter(t -> t[1] > 0).count();
        double eventsPerCall = endedBridge == 0 ? 0 : (eventsSeen.get() - eventsBefore) / (double) endedBridge;
        rows.add(String.format(Locale.ROOT, "| %s | %d | %d | %.1f | %.1f | %d%s | %s | %s | %d / %d | %.1f | %s |", name, rate,
                calls.size(), bridgedInWindow * 1000.0 / window, storedInWindow * 1000.0 / window, completed,
                incomplete > 0 ? " (" + incomplete + " not within " + drain + " s)" : "", pct(bridgeLat, drain),
                pct(dbLat, drain), maxBacklog[0], maxBacklog[1], eventsPerCall, after.minus(before, completed, end - t0)));
        say(name + ": " + rows.get(rows.size() - 1));
    }

    /** Above capacity the backlog would run into the next step: drop what is left on the bench streams. */
    void discardBacklog(String name, long incomplete) throws Exception {
        long c = commands.trim(StreamTrimArgs.maxLen(0).noLimit());
        long e = events.trim(StreamTrimArgs.maxLen(0).noLimit());
        notes.add(name + ": " + incomplete + " calls had not reached ENDED in the database when the drain time ran out; "
                + "the streams were emptied before the next run (XTRIM MAXLEN 0: " + c + " command and " + e
                + " event entries, applied or not)");
        Thread.sleep(3000);
    }

    /** The raw database: CallEventApplier's statements for every event of every call, offered at the same rate. */
    void db(String name, int rate, int seconds, int connections, boolean record) throws Exception {
        List<UUID> ids = insertCalls(rate * seconds);
        Map<String, long[]> calls = new ConcurrentHashMap<>();
        ids.forEach(id -> calls.put(id.toString(), new long[4]));
        current = calls;
        say(name + ": " + ids.size() + " calls' events at " + rate + " calls/s for " + seconds + " s on " + connections
                + " connection(s)");
        List<BlockingQueue<UUID>> queues = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        UUID poison = new UUID(0, 0);
        for (int w = 0; w < connections; w++) {
            BlockingQueue<UUID> q = new ArrayBlockingQueue<>(ids.size() + 1);
            queues.add(q);
            Connection c = DriverManager.getConnection(jdbcUrl);
            workers.add(daemon("db-" + w, () -> apply(c, q, poison)));
        }
        Cpu before = Cpu.now(this);
        long t0 = System.currentTimeMillis();
        workers.forEach(Thread::start);
        offer(ids, calls, rate, (i, t) -> {
            t[0] = t[3];
            t[1] = t[3];
            queues.get(i % connections).add(ids.get(i));
        });
        long offerEnd = System.currentTimeMillis();
        int drain = Integer.parseInt(opt.getOrDefault("drain", "15"));
        long end = awaitDrain(calls, offerEnd, drain);
        Cpu after = Cpu.now(this);
        queues.forEach(q -> {
            q.clear();
            q.add(poison);
        });
        for (Thread w : workers) {
            w.join(30_000);
        }
        if (!record) {
            return;
        }
        long incomplete = calls.values().stream().filter(t -> t[2] == 0).count();
        long window = offerEnd - t0;
        long storedInWindow = calls.values().stream().filter(t -> t[2] > 0 && t[2] <= offerEnd).count();
        long completed = calls.size() - incomplete;
        rows.add(String.format(Locale.ROOT, "| %s | %d | %d | – | %.1f | %d%s | – | %s | – | %d | %s |", name, rate, calls.size(),
                storedInWindow * 1000.0 / window, completed, incomplete > 0 ? " (" + incomplete + " not within " + drain + " s)" : "",
                pct(latencies(calls, 2), drain), EVENTS.length, after.minus(before, completed, end - t0)));
        say(name + ": " + rows.get(rows.size() - 1));
    }

    void apply(Connection c, BlockingQueue<UUID> queue, UUID poison) {
        String[] status = {"DIALING_DOCTOR", "DIALING_DOCTOR", "RINGING_PATIENT", "RINGING_PATIENT", "IN_CALL", "IN_CALL",
                "IN_CALL", "IN_CALL", "IN_CALL", "ENDED"};
        try (c; PreparedStatement lock = c.prepareStatement("SELECT * FROM call_record WHERE id = ? FOR UPDATE");
             PreparedStatement insert = c.prepareStatement("""
                     INSERT INTO call_event (call_id, core_uuid, sequence, type, leg, channel_uuid, hangup_cause, outcome,
                         billsec, duration_sec, occurred_at, received_at, stream_id)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                     ON CONFLICT (call_id, core_uuid, sequence, type) DO NOTHING
                     RETURNING id""");
             PreparedStatement update = c.prepareStatement("""
                     UPDATE call_record SET status = ?, outcome = ?, hangup_cause = ?,
                         doctor_answered_at = ?, patient_answered_at = ?, ended_at = ?,
                         billsec = ?, duration_sec = ?, recording_path = ?,
                         recording_ready_at = ?, last_event_rank = ?, last_event_at = ?,
                         changed_at = ?
                     WHERE id = ?""")) {
            c.setAutoCommit(false);
            String core = UUID.randomUUID().toString();
            long seq = 1;
            while (true) {
                UUID id = queue.take();
                if (id == poison) {
                    return;
                }
                Timestamp start = Timestamp.from(Instant.now());
                for (int k = 0; k < EVENTS.length; k++) {
                    CallEventType type = EVENTS[k];
                    Timestamp now = Timestamp.from(Instant.now());
                    lock.setObject(1, id);
                    try (ResultSet r = lock.executeQuery()) {
                        r.next();
                    }
                    insert.setObject(1, id);
                    insert.setString(2, core);
                    insert.setLong(3, seq++);
                    insert.setString(4, type.name());
                    insert.setString(5, k == 0 || k == 5 || k == 9 ? "CALL" : k % 2 == 1 ? "DOCTOR" : "PATIENT");
                    insert.setString(6, UUID.nameUUIDFromBytes(id.toString().getBytes()).toString());
                    insert.setString(7, type == CallEventType.HANGUP || k == 9 ? "NORMAL_CLEARING" : null);
                    insert.setString(8, k == 9 ? "CONNECTED" : null);
                    insert.setObject(9, k == 9 ? 1 : null, java.sql.Types.INTEGER);
                    insert.setObject(10, k == 9 ? 1 : null, java.sql.Types.INTEGER);
                    insert.setTimestamp(11, now);
                    insert.setTimestamp(12, now);
                    insert.setString(13, System.currentTimeMillis() + "-" + k);
                    try (ResultSet r = insert.executeQuery()) {
                        r.next();
                    }
                    update.setString(1, status[k]);
                    update.setString(2, k == 9 ? "CONNECTED" : null);
                    update.setString(3, k == 9 ? "NORMAL_CLEARING" : null);
                    update.setTimestamp(4, k >= 2 ? start : null);
                    update.setTimestamp(5, k >= 4 ? start : null);
                    update.setTimestamp(6, k == 9 ? now : null);
                    update.setObject(7, k == 9 ? 1 : null, java.sql.Types.INTEGER);
                    update.setObject(8, k == 9 ? 1 : null, java.sql.Types.INTEGER);
                    update.setString(9, k >= 8 ? "/var/lib/suifang/recordings/2026/11/24/" + id + ".wav" : null);
                    update.setTimestamp(10, k >= 8 ? now : null);
                    update.setInt(11, type.rank());
                    update.setTimestamp(12, now);
                    update.setTimestamp(13, now);
                    update.setObject(14, id);
                    update.executeUpdate();
                    c.commit();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            e.printStackTrace();
        }
    }

    // ------------------------------------------------------------------ measurement helpers

    /** Latencies (ms) from the XADD (or offer) to column k; calls that never got there count as infinitely late. */
    /** Waits after the offering window until every call is done or the drain time is up; returns when it stopped. */
    static long awaitDrain(Map<String, long[]> calls, long offerEnd, int drainSeconds) throws InterruptedException {
        long drainUntil = offerEnd + drainSeconds * 1000L;
        while (System.currentTimeMillis() < drainUntil && calls.values().stream().anyMatch(t -> t[2] == 0)) {
            Thread.sleep(100);
        }
        return System.currentTimeMillis();
    }

    static long[] latencies(Map<String, long[]> calls, int k) {
        return calls.values().stream().mapToLong(t -> t[k] > 0 && t[0] > 0 ? Math.max(0, t[k] - t[0]) : Long.MAX_VALUE)
                .sorted().toArray();
    }

    static String pct(long[] sorted, int drain) {
        if (sorted.length == 0) {
            return "–";
        }
        StringBuilder s = new StringBuilder();
        for (double p : new double[]{50, 95, 99, 100}) {
            int i = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p / 100) - 1));
            s.append(s.isEmpty() ? "" : " / ").append(sorted[i] == Long.MAX_VALUE ? "> drain" : Long.toString(sorted[i]));
        }
        return s.toString();
    }

    /** CPU ticks from /proc: backend JVM, this JVM (simulator + load), PostgreSQL (all), Redis, whole machine. */
    record Cpu(long backend, long self, long pg, long redis, long busy, long total, TelephonyLoad load) {

        static Cpu now(TelephonyLoad load) throws Exception {
            long pg = 0;
            long redis = 0;
            Map<Long, long[]> postgres = new HashMap<>();   // pid → ppid, ticks, children's ticks
            for (File p : new File("/proc").listFiles()) {
                if (!p.getName().chars().allMatch(Character::isDigit)) {
                    continue;
                }
                String[] f = stat(Long.parseLong(p.getName()));
                if (f == null) {
                    continue;
                }
                if (f[1].equals("(postgres)")) {
                    postgres.put(Long.parseLong(p.getName()), new long[]{Long.parseLong(f[3]),
                            Long.parseLong(f[13]) + Long.parseLong(f[14]), Long.parseLong(f[15]) + Long.parseLong(f[16])});
                } else if (f[1].equals("(redis-server)")) {
                    redis += Long.parseLong(f[13]) + Long.parseLong(f[14]);
                }
            }
            for (long[] v : postgres.values()) {
                // the postmaster (parent is not postgres) also owns the time of backends that exited meanwhile
                pg += v[1] + (postgres.containsKey(v[0]) ? 0 : v[2]);
            }
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = Long.parseLong(cpu[1]) + Long.parseLong(cpu[2]) + Long.parseLong(cpu[3]) + Long.parseLong(cpu[6])
                    + Long.parseLong(cpu[7]) + Long.parseLong(cpu[8]);
            long total = busy + Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]);
            return new Cpu(ticks(load.backend.pid()), ticks(ProcessHandle.current().pid()), pg, redis, busy, total, load);
        }

        static String[] stat(long pid) {
            try {
                String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
                int close = s.lastIndexOf(')');
                String[] rest = s.substring(close + 2).split(" ");
                String[] f = new String[rest.length + 2];
                f[0] = s.substring(0, s.indexOf(' '));
                f[1] = s.substring(s.indexOf(' ') + 1, close + 1);
                System.arraycopy(rest, 0, f, 2, rest.length);
                return f;
            } catch (Exception gone) {
                return null;
            }
        }

        static long ticks(long pid) {
            String[] f = stat(pid);
            return f == null ? 0 : Long.parseLong(f[13]) + Long.parseLong(f[14]);
        }

        String minus(Cpu b, long calls, long millis) {
            double f = 1000.0 / load.hz / Math.max(1, calls);
            long j = backend - b.backend;
            long s = self - b.self;
            long p = pg - b.pg;
            long r = redis - b.redis;
            long m = busy - b.busy;
            long other = Math.max(0, m - j - s - p - r);
            return String.format(Locale.ROOT, "%.2f | %.2f | %.2f | %.2f | %.2f | %.0f%%", j * f, s * f, p * f, r * f,
                    other * f, 100.0 * m / Math.max(1, total - b.total));
        }
    }

    // ------------------------------------------------------------------ plumbing

    static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(() -> {
            try {
                r.run();
            } catch (RuntimeException e) {
                e.printStackTrace();
            }
        }, name);
        t.setDaemon(true);
        return t;
    }

    static void exec(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed");
        }
    }

    static void say(String s) {
        System.out.println("[telephony] " + s);
    }

    void shutdown() {
        stopping = true;
        if (backend != null && backend.isAlive()) {
            backend.destroy();
            try {
                if (!backend.waitFor(30, TimeUnit.SECONDS)) {
                    backend.destroyForcibly();
                }
            } catch (InterruptedException e) {
                backend.destroyForcibly();
            }
        }
        if (simulator != null) {
            simulator.close();
        }
        if (redis != null) {
            redis.shutdown();
        }
    }
}
