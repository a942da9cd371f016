package cn.suifang.telephony.bridge;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bridge's durable outbox: call events that could not be put on the events stream (Redis unreachable),
 * one JSON object per line in {@code <dir>/<name>.jsonl}, appended and fsync'd per batch, read back in the
 * order they were written. How far it has been published is kept in {@code <dir>/<name>.offset} (the byte
 * offset of the first unpublished line, replaced atomically); once everything is published both files are
 * emptied. Bounded: an append that would grow the file beyond {@code maxBytes} is refused.
 * <p>
 * Not thread-safe: the stream bridge uses it from its single publisher thread. The directory is created on
 * the first append, so a bridge whose Redis never fails never touches the disk. Entries hold call ids,
 * causes and timestamps — never a phone number.
 */
final class EventOutbox implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<LinkedHashMap<String, String>> FIELDS = new TypeReference<>() {
    };
    private static final int READ_CHUNK = 64 * 1024;

    /** One stored event and the offset just after its line (what to commit once it is published). */
    record Entry(Map<String, String> fields, long end) {
    }

    private final Path dir;
    private final Path file;
    private final Path offsetFile;
    private final long maxBytes;
    private FileChannel channel;
    private final long tornBytes;
    private long size;
    private long offset;

    EventOutbox(Path dir, String name, long maxBytes) throws IOException {
        this.dir = dir;
        this.file = dir.resolve(name + ".jsonl");
        this.offsetFile = dir.resolve(name + ".offset");
        this.maxBytes = maxBytes;
        this.size = Files.exists(file) ? Files.size(file) : 0;
        this.tornBytes = size > 0 ? repairTornTail() : 0;
        long stored = readOffset();
        if (stored > size) {
            // emptied after publishing, then a crash before the offset was reset: all that is there is new
            stored = 0;
            writeOffset(0);
        }
        this.offset = stored;
    }

    /** Bytes of a half-written last line (a crash during an append) cut off when the outbox was opened. */
    long tornBytes() {
        return tornBytes;
    }

    /** Cuts a last line that lacks its newline, so the next append does not glue onto it; emits the bytes cut. */
    private long repairTornTail() throws IOException {
        FileChannel ch = channel();
        ByteBuffer last = ByteBuffer.allocate(1);
        ch.read(last, size - 1);
        if (last.get(0) == '\n') {
            return 0;
        }
        long keep = 0;
        ByteBuffer chunk = ByteBuffer.allocate(READ_CHUNK);
        for (long position = 0; position < size; position += READ_CHUNK) {
            chunk.clear();
            int read = ch.read(chunk, position);
            for (int i = 0; i < read; i++) {
                if (chunk.get(i) == '\n') {
                    keep = position + i + 1;
                }
            }
        }
        ch.truncate(keep);
        ch.force(true);
        long cut = size - keep;
        size = keep;
        return cut;
    }

    Path file() {
        return file;
    }

    long maxBytes() {
        return maxBytes;
    }

    /** True when everything appended has been committed as published. */
    boolean isEmpty() {
        return offset >= size;
    }

    /** Bytes appended but not yet committed. */
    long backlogBytes() {
        return Math.max(0, size - offset);
    }

    /**
     * Appends the events in order as one batch and forces them to disk; emits how many were written: the first
     * event that would take the file beyond the bound stops the batch (it and all after it are not written).
     */
    int append(List<Map<String, String>> events) throws IOException {
        if (events.isEmpty()) {
            return 0;
        }
        StringBuilder batch = new StringBuilder();
        int accepted = 0;
        long grown = size;
        for (Map<String, String> fields : events) {
            String line = JSON.writeValueAsString(fields) + "\n";
            long bytes = line.getBytes(StandardCharsets.UTF_8).length;
            if (grown + bytes > maxBytes) {
                break;
            }
            batch.append(line);
            grown += bytes;
            accepted++;
        }
        if (accepted > 0) {
            FileChannel ch = channel();
            ByteBuffer buffer = ByteBuffer.wrap(batch.toString().getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                ch.write(buffer, ch.size());
            }
            ch.force(false);
            size = ch.size();
        }
        return accepted;
    }

    /**
     * Up to {@code max} entries from the first unpublished one, in order. A line that is not a JSON object (a
     * torn write from a crash) is skipped with its offset, so it cannot block the rest; a last line without
     * its newline (written half) is not returned.
     */
    List<Entry> peek(int max, java.util.function.Consumer<Long> skippedLineAt) throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (isEmpty()) {
            return entries;
        }
        FileChannel ch = channel();
        long position = offset;
        byte[] pending = new byte[0];
        while (entries.size() < max && position < size) {
            ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(READ_CHUNK, size - position));
            int read = ch.read(chunk, position);
            if (read <= 0) {
                break;
            }
            byte[] data = new byte[pending.length + read];
            System.arraycopy(pending, 0, data, 0, pending.length);
            System.arraycopy(chunk.array(), 0, data, pending.length, read);
            long dataStart = position - pending.length;
            position += read;
            int lineStart = 0;
            for (int i = 0; i < data.length && entries.size() < max; i++) {
                if (data[i] != '\n') {
                    continue;
                }
                long end = dataStart + i + 1;
                String line = new String(data, lineStart, i - lineStart, StandardCharsets.UTF_8);
                try {
                    entries.add(new Entry(JSON.readValue(line, FIELDS), end));
                } catch (JacksonException e) {
                    skippedLineAt.accept(dataStart + lineStart);
                    entries.add(new Entry(null, end));
                }
                lineStart = i + 1;
            }
            if (entries.size() >= max) {
                break;
            }
            pending = new byte[data.length - lineStart];
            System.arraycopy(data, lineStart, pending, 0, pending.length);
        }
        return entries;
    }

    /** Everything up to {@code end} is published; when that is everything, both files are emptied. */
    void commit(long end) throws IOException {
        offset = end;
        if (offset >= size) {
            // the log first: a crash in between leaves an offset beyond the end, which reads as "empty"
            channel().truncate(0);
            channel().force(true);
            size = 0;
            offset = 0;
        }
        writeOffset(offset);
    }

    private FileChannel channel() throws IOException {
        if (channel == null) {
            Files.createDirectories(dir);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        return channel;
    }

    private long readOffset() throws IOException {
        if (!Files.exists(offsetFile)) {
            return 0;
        }
        String text = Files.readString(offsetFile, StandardCharsets.US_ASCII).trim();
        try {
            return text.isEmpty() ? 0 : Math.max(0, Long.parseLong(text));
        } catch (NumberFormatException e) {
            return 0; // unreadable: publish everything again, the backend deduplicates
        }
    }

    private void writeOffset(long value) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve(offsetFile.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(Long.toString(value).getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, offsetFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }
}
