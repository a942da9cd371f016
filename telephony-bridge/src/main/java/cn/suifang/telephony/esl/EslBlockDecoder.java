package cn.suifang.telephony.esl;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Framing shared by both directions of ESL: a block of lines closed by an empty line, then as many
 * body bytes as its {@code Content-Length} line says. Frames may arrive split over many reads or
 * several in one read. After a protocol error every further byte is discarded: the stream cannot be
 * resynchronised and the connection has to be closed.
 */
abstract class EslBlockDecoder<T> extends ByteToMessageDecoder {

    static final int DEFAULT_MAX_HEADER_BYTES = 1024 * 1024;
    static final int DEFAULT_MAX_CONTENT_LENGTH = 64 * 1024 * 1024;

    private final int maxHeaderBytes;
    private final int maxContentLength;

    private List<String> pendingLines;
    private int pendingLength;
    private int scanned;
    private boolean failed;

    EslBlockDecoder(int maxHeaderBytes, int maxContentLength) {
        if (maxHeaderBytes < 64 || maxContentLength < 0) {
            throw new IllegalArgumentException("limits too small");
        }
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxContentLength = maxContentLength;
    }

    /** Builds a message from the block's non-empty lines (CR already stripped) and its body. */
    abstract T toMessage(List<String> lines, byte[] body);

    /** The raw {@code Content-Length} value of the block, or null when it has none. */
    abstract String contentLengthOf(List<String> lines);

    static String firstValue(List<String> lines, int from, String name) {
        for (int i = from; i < lines.size(); i++) {
            EslHeader h = parseHeaderLine(lines.get(i));
            if (h != null && h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }

    @Override
    protected final void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            T message = decodeOne(in);
            if (message != null) {
                out.add(message);
            }
        } catch (EslProtocolException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    private T decodeOne(ByteBuf in) {
        if (pendingLines == null) {
            skipLeadingLineBreaks(in);
            int end = findBlockEnd(in);
            if (end < 0) {
                if (in.readableBytes() > maxHeaderBytes) {
                    throw new EslProtocolException("ESL header block longer than " + maxHeaderBytes
                            + " bytes without a terminating empty line");
                }
                return null;
            }
            int blockLength = end - in.readerIndex();
            if (blockLength > maxHeaderBytes) {
                throw new EslProtocolException("ESL header block of " + blockLength + " bytes exceeds the limit of "
                        + maxHeaderBytes);
            }
            List<String> lines = splitLines(in.toString(in.readerIndex(), blockLength, StandardCharsets.UTF_8));
            in.skipBytes(blockLength);
            scanned = 0;
            int length = parseContentLength(contentLengthOf(lines));
            if (length == 0) {
                return toMessage(lines, new byte[0]);
            }
            pendingLines = lines;
            pendingLength = length;
        }
        if (in.readableBytes() < pendingLength) {
            return null;
        }
        byte[] body = new byte[pendingLength];
        in.readBytes(body);
        List<String> lines = pendingLines;
        pendingLines = null;
        return toMessage(lines, body);
    }

    private static void skipLeadingLineBreaks(ByteBuf in) {
        while (in.isReadable()) {
            byte b = in.getByte(in.readerIndex());
            if (b != '\n' && b != '\r') {
                return;
            }
            in.skipBytes(1);
        }
    }

    /** Returns the index just past the empty line closing the block, or -1; remembers how far it looked. */
    private int findBlockEnd(ByteBuf in) {
        int start = in.readerIndex();
        int limit = in.writerIndex();
        for (int i = start + scanned; i < limit; i++) {
            if (in.getByte(i) != '\n') {
                continue;
            }
            if (i + 1 >= limit) {
                scanned = i - start;
                return -1;
            }
            byte next = in.getByte(i + 1);
            if (next == '\n') {
                return i + 2;
            }
            if (next == '\r') {
                if (i + 2 >= limit) {
                    scanned = i - start;
                    return -1;
                }
                if (in.getByte(i + 2) == '\n') {
                    return i + 3;
                }
            }
        }
        scanned = Math.max(0, limit - start);
        return -1;
    }

    private static List<String> splitLines(String block) {
        List<String> lines = new ArrayList<>();
        int from = 0;
        while (from < block.length()) {
            int nl = block.indexOf('\n', from);
            int to = nl < 0 ? block.length() : nl;
            int stop = to > from && block.charAt(to - 1) == '\r' ? to - 1 : to;
            if (stop > from) {
                lines.add(block.substring(from, stop));
            }
            from = to + 1;
        }
        return lines;
    }

    private int parseContentLength(String raw) {
        if (raw == null) {
            return 0;
        }
        String value = raw.trim();
        if (value.isEmpty() || value.length() > 10 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new EslProtocolException("invalid Content-Length: '" + raw + "'");
        }
        long length = Long.parseLong(value);
        if (length > maxContentLength) {
            throw new EslProtocolException("Content-Length " + length + " exceeds the limit of "
                    + maxContentLength + " bytes");
        }
        return (int) length;
    }

    /** Splits {@code Name: value}; FreeSWITCH skips any spaces after the colon. Null if there is no colon. */
    static EslHeader parseHeaderLine(String line) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        int v = colon + 1;
        while (v < line.length() && line.charAt(v) == ' ') {
            v++;
        }
        String name = line.substring(0, colon).trim();
        if (name.isEmpty()) {
            return null;
        }
        String value = line.substring(v);
        if (EslHeader.hasLineBreak(name) || EslHeader.hasLineBreak(value)) {
            throw new EslProtocolException("stray carriage return in ESL header line: " + abbreviate(line));
        }
        return new EslHeader(name, value);
    }

    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
