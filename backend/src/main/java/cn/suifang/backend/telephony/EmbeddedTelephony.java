package cn.suifang.backend.telephony;

import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.telephony.bridge.BridgeProperties;
import cn.suifang.telephony.bridge.TelephonyBridge;
import cn.suifang.telephony.sim.EslSimulator;
import java.nio.file.Path;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Runs the telephony bridge inside the backend ({@code suifang.telephony.embedded-bridge=true}): small hospitals
 * and the demo, where no separate bridge process sits next to FreeSWITCH. It shares the backend's Redisson client
 * and key prefix, so commands and events go through the same streams as with a standalone bridge.
 * <p>
 * With {@code suifang.telephony.simulator=true} (demo only) a FreeSWITCH simulator is started first on
 * {@code suifang.esl.host/port}, in real time, playing {@link DemoScenarios} and writing a short WAV file for
 * every recording ({@link DemoRecordings}).
 */
@Component
@ConditionalOnProperty(prefix = "suifang.telephony", name = "embedded-bridge", havingValue = "true")
public class EmbeddedTelephony implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedTelephony.class);

    private final SuifangProperties properties;
    private final RedissonClient redisson;

    private volatile EslSimulator simulator;
    private volatile TelephonyBridge bridge;

    EmbeddedTelephony(SuifangProperties properties, RedissonClient redisson) {
        this.properties = properties;
        this.redisson = redisson;
    }

    /** The bridge's settings taken from the backend's own configuration. */
    static BridgeProperties bridgeProperties(SuifangProperties p) {
        BridgeProperties d = BridgeProperties.defaults();
        return new BridgeProperties(p.esl().host(), p.esl().port(), p.esl().password(), p.telephony().gateway(),
                d.doctorTimeout(), d.patientTimeout(), recordingsRoot(p).toString(), p.zone(), p.redis().keyPrefix(),
                p.redis().address(), d.consumerName(), d.commandTimeout(), d.connectTimeout(), d.reconnectInitial(),
                d.reconnectMax(), d.reclaimIdle(), d.reclaimInterval(), d.readBlock(),
                Path.of(p.telephony().outboxDir()).toAbsolutePath().normalize().toString(), d.outboxMaxBytes());
    }

    /** Absolute, so the paths the bridge reports resolve under the directory the backend serves recordings from. */
    static Path recordingsRoot(SuifangProperties p) {
        return Path.of(p.telephony().recordingsDir()).toAbsolutePath().normalize();
    }

    @Override
    public synchronized void start() {
        if (bridge != null) {
            return;
        }
        if (properties.telephony().simulator()) {
            simulator = EslSimulator.builder()
                    .host(properties.esl().host())
                    .port(properties.esl().port())
                    .password(properties.esl().password())
                    .zone(properties.zone())
                    .scriptResolver(DemoScenarios::forOriginate)
                    .onRecordingStopped(DemoRecordings.writer(recordingsRoot(properties)))
                    .build()
                    .start();
            log.warn("FreeSWITCH simulator started on {} (demo only: no real calls are made)", simulator.address());
        }
        try {
            bridge = TelephonyBridge.start(bridgeProperties(properties), redisson);
        } catch (RuntimeException e) {
            closeSimulator();
            throw e;
        }
        log.info("embedded telephony bridge started (ESL {}:{})", properties.esl().host(), properties.esl().port());
    }

    @Override
    public synchronized void stop() {
        TelephonyBridge b = bridge;
        bridge = null;
        if (b != null) {
            b.close();
        }
        closeSimulator();
    }

    private void closeSimulator() {
        EslSimulator s = simulator;
        simulator = null;
        if (s != null) {
            s.close();
        }
    }

    @Override
    public boolean isRunning() {
        return bridge != null;
    }
}
