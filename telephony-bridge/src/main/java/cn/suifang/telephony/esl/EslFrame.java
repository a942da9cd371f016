package cn.suifang.telephony.esl;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One ESL message as it travels on the socket: an ordered header block (names may repeat) and an
 * optional body whose size is given by {@code Content-Length}. Header values are raw, i.e. not
 * percent-decoded: only event bodies ({@link EslEvent}) are URL-encoded by FreeSWITCH.
 */
public final class EslFrame {

    public static final String CONTENT_TYPE = "Content-Type";
    public static final String CONTENT_LENGTH = "Content-Length";
    public static final String REPLY_TEXT = "Reply-Text";

    private static final byte[] NO_BODY = new byte[0];

    private final List<EslHeader> headers;
    private final byte[] body;

    private EslFrame(List<EslHeader> headers, byte[] body) {
        this.headers = List.copyOf(headers);
        this.headers.forEach(EslHeader::requireSingleLine);
        this.body = body.length == 0 ? NO_BODY : body.clone();
        String declared = header(CONTENT_LENGTH).orElse(null);
        if (declared == null ? this.body.length > 0 : declaredLength(declared) != this.body.length) {
            throw new IllegalArgumentException(
                    "Content-Length " + declared + " does not match a body of " + this.body.length + " bytes");
        }
    }

    private static long declaredLength(String declared) {
        try {
            return Long.parseLong(declared.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A frame whose headers already contain a matching {@code Content-Length} when there is a body. */
    public static EslFrame of(List<EslHeader> headers, byte[] body) {
        return new EslFrame(Objects.requireNonNull(headers), Objects.requireNonNull(body));
    }

    public static EslFrame of(List<EslHeader> headers) {
        return new EslFrame(Objects.requireNonNull(headers), NO_BODY);
    }

    /** Headers in wire order, duplicates kept. */
    public List<EslHeader> headers() {
        return headers;
    }

    /** First value of a header; names compare case-insensitively as in FreeSWITCH. */
    public Optional<String> header(String name) {
        for (EslHeader h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return Optional.of(h.value());
            }
        }
        return Optional.empty();
    }

    public List<String> headerValues(String name) {
        List<String> values = new ArrayList<>(1);
        for (EslHeader h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                values.add(h.value());
            }
        }
        return values;
    }

    public String contentType() {
        return header(CONTENT_TYPE).orElse("");
    }

    public EslMessageType type() {
        return EslMessageType.of(contentType());
    }

    /** {@code Reply-Text} of a {@code command/reply}, e.g. {@code +OK accepted}. */
    public Optional<String> replyText() {
        return header(REPLY_TEXT);
    }

    /**
     * Whether a {@code command/reply} or {@code api/response} reports success: FreeSWITCH replies
     * start with {@code +OK} on success and {@code -ERR}/{@code -USAGE} on failure.
     */
    public boolean isOk() {
        String text = type() == EslMessageType.COMMAND_REPLY ? replyText().orElse("") : bodyText();
        return text.startsWith("+OK");
    }

    public byte[] body() {
        return body.clone();
    }

    public int bodyLength() {
        return body.length;
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    byte[] bodyUnsafe() {
        return body;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EslFrame other && headers.equals(other.headers) && Arrays.equals(body, other.body);
    }

    @Override
    public int hashCode() {
        return 31 * headers.hashCode() + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "EslFrame[" + contentType() + ", " + headers.size() + " headers, " + body.length + " body bytes]";
    }
}
