package cn.suifang.backend.telephony;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Schedulers;

/**
 * Demo only: the simulator records nothing, so when it stops a recording this writes a short, valid WAV file
 * (a 440 Hz tone, 8 kHz 16-bit mono) at the recording's path, so the workbench can play something.
 */
final class DemoRecordings {

    private static final Logger log = LoggerFactory.getLogger(DemoRecordings.class);
    private static final int SAMPLE_RATE = 8000;
    private static final Duration LENGTH = Duration.ofSeconds(1);

    private DemoRecordings() {
    }

    /** A listener for {@code EslSimulator.Builder#onRecordingStopped}; writes off the simulator's event loop. */
    static BiConsumer<String, Duration> writer(Path root) {
        return (path, length) -> Schedulers.boundedElastic().schedule(() -> write(root, path));
    }

    static void write(Path root, String path) {
        Path target = Path.of(path).toAbsolutePath().normalize();
        if (!target.startsWith(root)) {
            log.warn("demo recording outside the recordings directory not written");
            return;
        }
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), ".rec", ".tmp");
            Files.write(tmp, tone(LENGTH));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("demo recording could not be written: {}", e.toString());
        }
    }

    /** A complete RIFF/WAVE file: PCM, 8 kHz, 16-bit, mono, 440 Hz at a quarter of full scale. */
    static byte[] tone(Duration length) {
        int samples = (int) (SAMPLE_RATE * length.toMillis() / 1000);
        int dataBytes = samples * 2;
        ByteBuffer b = ByteBuffer.allocate(44 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(36 + dataBytes)
                .put("WAVE".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .put("fmt ".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(16)
                .putShort((short) 1).putShort((short) 1).putInt(SAMPLE_RATE).putInt(SAMPLE_RATE * 2)
                .putShort((short) 2).putShort((short) 16)
                .put("data".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(dataBytes);
        for (int i = 0; i < samples; i++) {
            b.putShort((short) Math.round(8000 * Math.sin(2 * Math.PI * 440 * i / SAMPLE_RATE)));
        }
        return b.array();
    }
}
