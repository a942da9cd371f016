package cn.suifang.backend.hl7;

import ca.uhn.hl7v2.AcknowledgmentCode;
import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.app.HL7Service;
import ca.uhn.hl7v2.llp.MinLowerLayerProtocol;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.protocol.ReceivingApplication;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import cn.suifang.backend.common.SuifangProperties;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The MLLP listener (HAPI's server, blocking, on its own threads — never an event loop). Each message is handled by
 * {@link Hl7Intake} and answered with an original-mode ACK: AA accepted, AE refused with the reason in MSA-3/ERR, AR
 * for what cannot be read or is not supported. The character set follows MSH-18 (e.g. UNICODE UTF-8, GB 18030-2000),
 * else {@code suifang.hl7.charset}. Off unless {@code suifang.hl7.enabled}.
 */
@Component
public class Hl7Server implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(Hl7Server.class);

    private final Hl7Intake intake;
    private final SuifangProperties properties;
    private HapiContext context;
    private HL7Service server;
    private java.util.concurrent.ExecutorService executor;

    Hl7Server(Hl7Intake intake, SuifangProperties properties) {
        this.intake = intake;
        this.properties = properties;
    }

    @Override
    public void start() {
        if (!properties.hl7().enabled()) {
            return;
        }
        context = new DefaultHapiContext();
        // its own threads: HAPI's default executor is shared JVM-wide, and any other HapiContext closing shuts it down
        java.util.concurrent.atomic.AtomicInteger threads = new java.util.concurrent.atomic.AtomicInteger();
        executor = java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "hl7-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        context.setExecutorService(executor);
        context.setModelClassFactory(new CanonicalModelClassFactory("2.5.1"));
        context.setValidationContext(ValidationContextFactory.noValidation());
        MinLowerLayerProtocol llp = new MinLowerLayerProtocol(true);
        llp.setCharset(properties.hl7().charset());
        context.setLowerLayerProtocol(llp);
        server = context.newServer(properties.hl7().port(), false);
        server.registerApplication("*", "*", new Application());
        // a message HAPI cannot parse never reaches the application: keep it in the log, answer HAPI's rejection
        server.setExceptionHandler((incoming, metadata, outgoing, e) -> {
            intake.reject(incoming, null, "无法解析：" + e.getMessage(), null).block();
            return outgoing;
        });
        try {
            server.startAndWait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("HL7 listener did not start", e);
        }
        log.info("HL7 v2 (MLLP) listening on port {}", properties.hl7().port());
    }

    private final class Application implements ReceivingApplication<Message> {

        @Override
        public Message processMessage(Message message, Map<String, Object> metadata) throws HL7Exception {
            Hl7Intake.Outcome outcome = intake.handle(message, Hl7Mapper.header(message), message.encode(), null).block();
            if (outcome == null || "AA".equals(outcome.ackCode())) {
                return ack(message, AcknowledgmentCode.AA, null);
            }
            return ack(message, "AR".equals(outcome.ackCode()) ? AcknowledgmentCode.AR : AcknowledgmentCode.AE,
                    outcome.detail());
        }

        @Override
        public boolean canProcess(Message message) {
            return true;
        }
    }

    /** The acknowledgement, in the character set the sender used (MSH-18 copied), so its reader can decode it. */
    static Message ack(Message message, AcknowledgmentCode code, String detail) throws HL7Exception {
        try {
            Message ack = code == AcknowledgmentCode.AA ? message.generateACK()
                    : message.generateACK(code, new HL7Exception(detail == null ? "rejected" : detail));
            String charset = new ca.uhn.hl7v2.util.Terser(message).get("/MSH-18");
            if (charset != null && !charset.isBlank()) {
                new ca.uhn.hl7v2.util.Terser(ack).set("/MSH-18", charset);
            }
            return ack;
        } catch (IOException e) {
            throw new HL7Exception(e);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stopAndWait();
            server = null;
        }
        if (context != null) {
            try {
                context.close();
            } catch (IOException e) {
                log.warn("closing the HL7 context: {}", e.getMessage());
            }
            context = null;
        }
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }

    @Override
    public boolean isRunning() {
        return server != null && server.isRunning();
    }

}
