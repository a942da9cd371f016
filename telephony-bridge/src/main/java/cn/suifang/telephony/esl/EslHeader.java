package cn.suifang.telephony.esl;

import java.util.Objects;

/**
 * One header: a name and its value. On the wire ({@link EslFrame}, {@link EslCommand}) values are
 * single lines; decoded event values ({@link EslEvent}) may contain line breaks (SDP, for instance).
 */
public record EslHeader(String name, String value) {

    public EslHeader {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.isEmpty() || name.indexOf(':') >= 0 || hasLineBreak(name)) {
            throw new IllegalArgumentException("invalid ESL header name: " + name);
        }
    }

    static boolean hasLineBreak(String s) {
        return s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0;
    }

    static void requireSingleLine(EslHeader h) {
        if (hasLineBreak(h.value())) {
            throw new IllegalArgumentException("value of ESL header " + h.name() + " contains a line break");
        }
    }

    @Override
    public String toString() {
        return name + ": " + value;
    }
}
