package cn.suifang.telephony.esl;

import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * A FreeSWITCH event with decoded header values and an optional body (the result of a
 * BACKGROUND_JOB, for instance). Parsed from {@code text/event-plain} or {@code text/event-json}
 * frames, or built with {@link #builder()} and serialised back the way the switch does it.
 */
public final class EslEvent {

    public static final String EVENT_NAME = "Event-Name";
    public static final String VARIABLE_PREFIX = "variable_";
    static final String JSON_BODY = "_body";

    /** switch_event_serialize writes this for an empty value. */
    static final String UNDEF = "_undef_";

    private final List<EslHeader> headers;
    private final Map<String, List<String>> index;
    private final byte[] body;

    private EslEvent(List<EslHeader> headers, byte[] body) {
        this.headers = List.copyOf(headers);
        this.body = body;
        Map<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (EslHeader h : this.headers) {
            byName.computeIfAbsent(h.name(), k -> new ArrayList<>(1)).add(h.value());
        }
        this.index = byName;
        if (header(EVENT_NAME).isEmpty()) {
            throw new EslProtocolException("event without Event-Name");
        }
    }

    /** Parses an event frame ({@code text/event-plain} or {@code text/event-json}). */
    public static EslEvent parse(EslFrame frame) {
        return switch (frame.type()) {
            case EVENT_PLAIN -> parsePlain(frame.bodyUnsafe());
            case EVENT_JSON -> parseJson(frame.bodyText());
            default -> throw new EslProtocolException("not an event frame: '" + frame.contentType() + "'");
        };
    }

    /**
     * Reads a frame's own header block as an event. The outbound-socket {@code connect} reply is
     * such a frame: a {@code command/reply} whose headers are URL-encoded channel data.
     */
    public static EslEvent fromFrameHeaders(EslFrame frame) {
        List<EslHeader> decoded = new ArrayList<>(frame.headers().size());
        for (EslHeader h : frame.headers()) {
            decoded.add(decoded(h.name(), h.value()));
        }
        return new EslEvent(decoded, new byte[0]);
    }

    /**
     * Parses a plain event: {@code Name: url-encoded value} lines, an empty line, and when the
     * headers include a {@code Content-Length}, exactly that many body bytes.
     */
    public static EslEvent parsePlain(byte[] bytes) {
        List<EslHeader> headers = new ArrayList<>();
        int pos = 0;
        while (pos < bytes.length) {
            int nl = indexOf(bytes, pos);
            int end = nl < 0 ? bytes.length : nl;
            int stop = end > pos && bytes[end - 1] == '\r' ? end - 1 : end;
            String line = new String(bytes, pos, stop - pos, StandardCharsets.UTF_8);
            pos = nl < 0 ? bytes.length : nl + 1;
            if (line.isEmpty()) {
                break;
            }
            EslHeader raw = EslBlockDecoder.parseHeaderLine(line);
            if (raw == null) {
                throw new EslProtocolException("event header line without a name: '" + EslBlockDecoder.abbreviate(line) + "'");
            }
            headers.add(decoded(raw.name(), raw.value()));
        }
        byte[] body = new byte[0];
        String declared = firstValue(headers, EslFrame.CONTENT_LENGTH);
        if (declared != null) {
            int length = parseLength(declared);
            if (length > bytes.length - pos) {
                throw new EslProtocolException("event body Content-Length " + length + " exceeds the "
                        + (bytes.length - pos) + " bytes left in the frame");
            }
            body = Arrays.copyOfRange(bytes, pos, pos + length);
        }
        return new EslEvent(headers, body);
    }

    /**
     * Parses a JSON event: one flat object of strings; FreeSWITCH puts the body under {@code _body}
     * and serialises multi-value headers as arrays, which become {@code ARRAY::a|:b} as in plain events.
     */
    public static EslEvent parseJson(String json) {
        List<Map.Entry<String, Object>> members;
        try {
            members = EslJson.parseObjectMembers(json);
        } catch (IllegalArgumentException e) {
            throw new EslProtocolException("malformed JSON event", e);
        }
        List<EslHeader> headers = new ArrayList<>(members.size());
        byte[] body = new byte[0];
        for (Map.Entry<String, Object> m : members) {
            if (m.getKey().equals(JSON_BODY)) {
                body = String.valueOf(m.getValue()).getBytes(StandardCharsets.UTF_8);
            } else if (m.getValue() instanceof List<?> items) {
                List<String> parts = items.stream().map(String::valueOf).toList();
                headers.add(new EslHeader(m.getKey(), "ARRAY::" + String.join("|:", parts)));
            } else {
                headers.add(new EslHeader(m.getKey(), m.getValue() == null ? "" : String.valueOf(m.getValue())));
            }
        }
        return new EslEvent(headers, body);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        headers.stream().filter(h -> !isContentLength(h)).forEach(h -> b.header(h.name(), h.value()));
        b.body = body;
        return b;
    }

    /** Headers in the order the switch sent them, decoded, repeated names kept. */
    public List<EslHeader> headers() {
        return headers;
    }

    /** First value of a header; names compare case-insensitively as in FreeSWITCH. */
    public Optional<String> header(String name) {
        List<String> values = index.get(name);
        return values == null ? Optional.empty() : Optional.of(values.get(0));
    }

    public List<String> headerValues(String name) {
        return index.getOrDefault(name, List.of());
    }

    public String eventName() {
        return header(EVENT_NAME).orElseThrow();
    }

    public Optional<String> eventSubclass() {
        return header("Event-Subclass");
    }

    public Optional<String> coreUuid() {
        return header("Core-UUID");
    }

    /** Per-switch counter, increasing in firing order; restarts when FreeSWITCH restarts (new Core-UUID). */
    public OptionalLong eventSequence() {
        return longHeader("Event-Sequence");
    }

    /** Microseconds since the epoch at which the switch fired the event. */
    public OptionalLong eventTimestampMicros() {
        return longHeader("Event-Date-Timestamp");
    }

    public Optional<String> uniqueId() {
        return header("Unique-ID");
    }

    public Optional<String> channelCallUuid() {
        return header("Channel-Call-UUID");
    }

    public Optional<String> channelName() {
        return header("Channel-Name");
    }

    public Optional<String> callDirection() {
        return header("Call-Direction");
    }

    /** {@code ringing}, {@code early}, {@code answered} or {@code hangup}. */
    public Optional<String> answerState() {
        return header("Answer-State");
    }

    public Optional<String> hangupCause() {
        return header("Hangup-Cause");
    }

    public Optional<String> callerIdNumber() {
        return header("Caller-Caller-ID-Number");
    }

    public Optional<String> destinationNumber() {
        return header("Caller-Destination-Number");
    }

    public Optional<String> otherLegUniqueId() {
        return header("Other-Leg-Unique-ID");
    }

    public Optional<String> jobUuid() {
        return header("Job-UUID");
    }

    public Optional<String> jobCommand() {
        return header("Job-Command");
    }

    public Optional<String> recordFilePath() {
        return header("Record-File-Path");
    }

    /** A channel variable, e.g. {@code variable("billsec")} reads {@code variable_billsec}. */
    public Optional<String> variable(String name) {
        return header(VARIABLE_PREFIX + name);
    }

    /** All channel variables without the {@code variable_} prefix, in event order (first value wins). */
    public Map<String, String> variables() {
        Map<String, String> vars = new LinkedHashMap<>();
        for (EslHeader h : headers) {
            if (h.name().startsWith(VARIABLE_PREFIX)) {
                vars.putIfAbsent(h.name().substring(VARIABLE_PREFIX.length()), h.value());
            }
        }
        return Collections.unmodifiableMap(vars);
    }

    /** Answered seconds; only CHANNEL_HANGUP_COMPLETE carries it. */
    public OptionalLong billsec() {
        return longHeader(VARIABLE_PREFIX + "billsec");
    }

    /** Seconds from channel creation to hang-up; only CHANNEL_HANGUP_COMPLETE carries it. */
    public OptionalLong duration() {
        return longHeader(VARIABLE_PREFIX + "duration");
    }

    public boolean hasBody() {
        return body.length > 0;
    }

    public byte[] body() {
        return body.clone();
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The body of a {@code text/event-plain} frame for this event, byte for byte as switch_event_serialize writes it. */
    public String serializePlain() {
        StringBuilder out = new StringBuilder(headers.size() * 40 + body.length);
        for (EslHeader h : headers) {
            if (isContentLength(h)) {
                continue;
            }
            String encoded = PercentCoding.encode(h.value());
            out.append(h.name()).append(": ").append(encoded.isEmpty() ? UNDEF : encoded).append('\n');
        }
        if (body.length > 0) {
            out.append(EslFrame.CONTENT_LENGTH).append(": ").append(body.length).append("\n\n").append(bodyText());
        } else {
            out.append('\n');
        }
        return out.toString();
    }

    /** The body of a {@code text/event-json} frame for this event (cJSON keeps repeated names). */
    public String serializeJson() {
        List<Map.Entry<String, Object>> members = new ArrayList<>(headers.size() + 2);
        headers.stream().filter(h -> !isContentLength(h))
                .forEach(h -> members.add(new SimpleImmutableEntry<>(h.name(), h.value())));
        if (body.length > 0) {
            members.add(new SimpleImmutableEntry<>(EslFrame.CONTENT_LENGTH, Integer.toString(body.length)));
            members.add(new SimpleImmutableEntry<>(JSON_BODY, bodyText()));
        }
        return EslJson.write(members);
    }

    /** Frames this event as mod_event_socket does: {@code Content-Length} first, then {@code Content-Type}. */
    public EslFrame toPlainFrame() {
        return eventFrame(serializePlain(), EslMessageType.EVENT_PLAIN);
    }

    public EslFrame toJsonFrame() {
        return eventFrame(serializeJson(), EslMessageType.EVENT_JSON);
    }

    private static EslFrame eventFrame(String serialized, EslMessageType type) {
        byte[] bytes = serialized.getBytes(StandardCharsets.UTF_8);
        return EslFrame.of(List.of(new EslHeader(EslFrame.CONTENT_LENGTH, Integer.toString(bytes.length)),
                new EslHeader(EslFrame.CONTENT_TYPE, type.contentType())), bytes);
    }

    private OptionalLong longHeader(String name) {
        Optional<String> value = header(name);
        if (value.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(value.get().trim()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static boolean isContentLength(EslHeader h) {
        return h.name().equalsIgnoreCase(EslFrame.CONTENT_LENGTH);
    }

    private static String firstValue(List<EslHeader> headers, String name) {
        return headers.stream().filter(h -> h.name().equalsIgnoreCase(name)).map(EslHeader::value)
                .findFirst().orElse(null);
    }

    private static int parseLength(String declared) {
        try {
            int length = Integer.parseInt(declared.trim());
            if (length >= 0) {
                return length;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new EslProtocolException("invalid event body Content-Length: '" + declared + "'");
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static EslHeader decoded(String name, String rawValue) {
        String value = PercentCoding.decode(rawValue);
        return new EslHeader(name, UNDEF.equals(value) ? "" : value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EslEvent other && headers.equals(other.headers) && Arrays.equals(body, other.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(headers, Arrays.hashCode(body));
    }

    /** Identifiers only: events carry phone numbers, which must not reach logs. */
    @Override
    public String toString() {
        return "EslEvent[" + eventName() + " seq=" + header("Event-Sequence").orElse("?")
                + uniqueId().map(u -> " uuid=" + u).orElse("") + jobUuid().map(j -> " job=" + j).orElse("") + "]";
    }

    /** Collects headers in order; values are plain text, encoding happens on serialisation. */
    public static final class Builder {
        private final List<EslHeader> headers = new ArrayList<>();
        private byte[] body = new byte[0];

        private Builder() {
        }

        public Builder header(String name, String value) {
            headers.add(new EslHeader(name, value == null ? "" : value));
            return this;
        }

        public Builder headers(List<EslHeader> more) {
            headers.addAll(more);
            return this;
        }

        public Builder body(String text) {
            this.body = text.getBytes(StandardCharsets.UTF_8);
            return this;
        }

        public EslEvent build() {
            return new EslEvent(headers, body.clone());
        }
    }
}
