package cn.suifang.telephony.esl;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** Real FreeSWITCH captures from {@code shared/fixtures/esl}; a missing folder fails the test, never skips it. */
public final class EslFixtures {

    public static final String PROPERTY = "suifang.fixtures";

    private EslFixtures() {
    }

    /** {@code ../../shared/fixtures/esl} from the module (surefire's working directory), else -Dsuifang.fixtures. */
    public static Path directory() {
        List<Path> tried = new ArrayList<>();
        tried.add(Path.of("../../shared/fixtures/esl"));
        tried.add(Path.of("../shared/fixtures/esl"));
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            tried.add(Path.of(property));
        }
        for (Path candidate : tried) {
            if (Files.isDirectory(candidate)) {
                return candidate.toAbsolutePath().normalize();
            }
        }
        throw new AssertionError("ESL fixture folder not found; tried " + tried.stream()
                .map(p -> p.toAbsolutePath().normalize().toString()).toList()
                + " from " + Path.of("").toAbsolutePath() + ". Set -D" + PROPERTY + "=<path to shared/fixtures/esl>.");
    }

    /** Every capture file (*.txt), sorted by name. */
    public static List<Path> files() {
        try (Stream<Path> list = Files.list(directory())) {
            List<Path> files = list.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
            if (files.isEmpty()) {
                throw new AssertionError("no *.txt captures in " + directory());
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The verbatim server→client bytes: the file without its first ("# source: ...") line. */
    public static byte[] wireBytes(String fileName) {
        return wireBytes(directory().resolve(fileName));
    }

    public static byte[] wireBytes(Path file) {
        try {
            byte[] all = Files.readAllBytes(file);
            int firstNewline = indexOf(all, (byte) '\n');
            if (all.length == 0 || all[0] != '#' || firstNewline < 0) {
                throw new AssertionError(file + " does not start with a '# source:' line");
            }
            return Arrays.copyOfRange(all, firstNewline + 1, all.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes bytes delivered in chunks of the given size (1 = a byte at a time). */
    public static List<EslFrame> decode(byte[] bytes, int chunkSize) {
        EmbeddedChannel channel = new EmbeddedChannel(new EslFrameDecoder());
        List<EslFrame> frames = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += chunkSize) {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, i, Math.min(chunkSize, bytes.length - i)));
            drain(channel, frames);
        }
        channel.finishAndReleaseAll();
        return frames;
    }

    /** Decodes bytes delivered in two reads split at {@code split}. */
    public static List<EslFrame> decodeSplit(byte[] bytes, int split) {
        EmbeddedChannel channel = new EmbeddedChannel(new EslFrameDecoder());
        List<EslFrame> frames = new ArrayList<>();
        channel.writeInbound(Unpooled.wrappedBuffer(bytes, 0, split));
        drain(channel, frames);
        channel.writeInbound(Unpooled.wrappedBuffer(bytes, split, bytes.length - split));
        drain(channel, frames);
        channel.finishAndReleaseAll();
        return frames;
    }

    public static List<EslFrame> decode(byte[] bytes) {
        return decode(bytes, Math.max(1, bytes.length));
    }

    /** Writes frames back to bytes with {@link EslFrameEncoder}. */
    public static byte[] encode(List<EslFrame> frames) {
        EmbeddedChannel channel = new EmbeddedChannel(new EslFrameEncoder());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (EslFrame frame : frames) {
            channel.writeOutbound(frame);
            for (ByteBuf buf; (buf = channel.readOutbound()) != null; ) {
                byte[] chunk = new byte[buf.readableBytes()];
                buf.readBytes(chunk);
                buf.release();
                out.writeBytes(chunk);
            }
        }
        channel.finishAndReleaseAll();
        return out.toByteArray();
    }

    private static void drain(EmbeddedChannel channel, List<EslFrame> into) {
        for (Object o; (o = channel.readInbound()) != null; ) {
            into.add((EslFrame) o);
        }
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
