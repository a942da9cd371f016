package cn.suifang.telephony.esl;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A client → FreeSWITCH command: one command line, optional headers (e.g. {@code Job-UUID} for
 * {@code bgapi}) and an optional body. Every part is checked for line breaks, because a line break
 * inside an argument would end the command early and start another one on the switch.
 */
public final class EslCommand {

    /** Event serialisations mod_event_socket can send. */
    public enum EventFormat { PLAIN, JSON, XML }

    public static final String JOB_UUID = "Job-UUID";

    private final String line;
    private final List<EslHeader> headers;
    private final byte[] body;

    private EslCommand(String line, List<EslHeader> headers, byte[] body) {
        Objects.requireNonNull(line, "line");
        if (line.isBlank() || EslHeader.hasLineBreak(line) || line.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("an ESL command line must be one non-empty line");
        }
        List<EslHeader> all = new ArrayList<>(headers);
        all.forEach(EslHeader::requireSingleLine);
        all.removeIf(h -> h.name().equalsIgnoreCase(EslFrame.CONTENT_LENGTH));
        if (body.length > 0) {
            all.add(new EslHeader(EslFrame.CONTENT_LENGTH, Integer.toString(body.length)));
        }
        this.line = line;
        this.headers = List.copyOf(all);
        this.body = body.clone();
    }

    public static EslCommand of(String line) {
        return new EslCommand(line, List.of(), new byte[0]);
    }

    /** A command with extra headers and a body; {@code Content-Length} is computed from the body. */
    public static EslCommand of(String line, List<EslHeader> headers, byte[] body) {
        return new EslCommand(line, Objects.requireNonNull(headers), Objects.requireNonNull(body));
    }

    public static EslCommand auth(String password) {
        requireText(password, "password");
        return of("auth " + password);
    }

    public static EslCommand events(EventFormat format, Collection<String> eventNames) {
        if (eventNames.isEmpty()) {
            throw new IllegalArgumentException("subscribe to at least one event");
        }
        StringBuilder line = new StringBuilder("event ").append(format.name().toLowerCase(Locale.ROOT));
        for (String name : eventNames) {
            line.append(' ').append(requireWord(name, "event name"));
        }
        return of(line.toString());
    }

    public static EslCommand eventPlain(String... eventNames) {
        return events(EventFormat.PLAIN, Arrays.asList(eventNames));
    }

    public static EslCommand noEvents() {
        return of("noevents");
    }

    /** Only events whose {@code header} equals {@code value} (case-insensitively) are sent from now on. */
    public static EslCommand filter(String header, String value) {
        return of("filter " + requireWord(header, "filter header") + " " + requireText(value, "filter value"));
    }

    public static EslCommand filterDelete(String header, String value) {
        return of("filter delete " + requireWord(header, "filter header") + " " + requireText(value, "filter value"));
    }

    public static EslCommand filterDeleteAll() {
        return of("filter delete all");
    }

    /** Blocking API call; answered by an {@code api/response} frame. */
    public static EslCommand api(String command) {
        return of("api " + requireText(command, "api command"));
    }

    /** Background API call; answered by a {@code command/reply}, the result comes as a BACKGROUND_JOB event. */
    public static EslCommand bgapi(String command) {
        return of("bgapi " + requireText(command, "bgapi command"));
    }

    /** Background API call whose BACKGROUND_JOB will carry the given {@code Job-UUID}. */
    public static EslCommand bgapi(String command, UUID jobUuid) {
        return new EslCommand("bgapi " + requireText(command, "bgapi command"),
                List.of(new EslHeader(JOB_UUID, jobUuid.toString())), new byte[0]);
    }

    public static EslCommand exit() {
        return of("exit");
    }

    public static EslCommand linger() {
        return of("linger");
    }

    public static EslCommand linger(int seconds) {
        if (seconds <= 0) {
            throw new IllegalArgumentException("linger seconds must be positive");
        }
        return of("linger " + seconds);
    }

    public static EslCommand nolinger() {
        return of("nolinger");
    }

    /** The whole command line, e.g. {@code bgapi originate {...}sofia/gateway/gw/123 &park()}. */
    public String line() {
        return line;
    }

    /** The first word, lower-cased: {@code auth}, {@code api}, {@code bgapi}, {@code event} ... */
    public String name() {
        int space = line.indexOf(' ');
        return (space < 0 ? line : line.substring(0, space)).toLowerCase(Locale.ROOT);
    }

    /** Everything after the first space, or an empty string. */
    public String argument() {
        int space = line.indexOf(' ');
        return space < 0 ? "" : line.substring(space + 1);
    }

    public List<EslHeader> headers() {
        return headers;
    }

    public Optional<String> header(String name) {
        return headers.stream().filter(h -> h.name().equalsIgnoreCase(name)).map(EslHeader::value).findFirst();
    }

    public byte[] body() {
        return body.clone();
    }

    byte[] bodyUnsafe() {
        return body;
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    private static String requireText(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isBlank() || EslHeader.hasLineBreak(value)) {
            throw new IllegalArgumentException(what + " must be non-blank and on one line");
        }
        return value;
    }

    private static String requireWord(String value, String what) {
        requireText(value, what);
        if (value.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException(what + " must not contain whitespace: " + value);
        }
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EslCommand other && line.equals(other.line) && headers.equals(other.headers)
                && Arrays.equals(body, other.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(line, headers, Arrays.hashCode(body));
    }

    /** Never prints arguments: an {@code auth} line carries the password. */
    @Override
    public String toString() {
        return "EslCommand[" + name() + "]";
    }
}
