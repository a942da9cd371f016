package cn.suifang.telephony.esl;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** FreeSWITCH's {@code switch_url_encode}/{@code switch_url_decode} for plain event header values. */
final class PercentCoding {

    /** {@code SWITCH_URL_UNSAFE}; control characters and non-ASCII bytes are encoded as well. */
    private static final String UNSAFE = "\r\n #%&+:;<=>?@[\\]^`{|}\"";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private PercentCoding() {
    }

    /**
     * Unlike {@link java.net.URLDecoder}, '+' stays '+' and a malformed escape is kept literally,
     * as switch_url_decode does. Decoded bytes are read as UTF-8.
     */
    static String decode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < in.length; i++) {
            int hi;
            int lo;
            if (in[i] == '%' && i + 2 < in.length
                    && (hi = Character.digit(in[i + 1], 16)) >= 0 && (lo = Character.digit(in[i + 2], 16)) >= 0) {
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                out.write(in[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * Encodes like switch_url_encode. Quirk kept on purpose: FreeSWITCH does not re-encode a '%'
     * that already starts an upper-case {@code %XX} escape, so such a value does not round-trip.
     */
    static String encode(String s) {
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(in.length + 16);
        for (int i = 0; i < in.length; i++) {
            int b = in[i] & 0xFF;
            boolean escapeStart = b == '%' && i + 2 < in.length && isUpperHex(in[i + 1]) && isUpperHex(in[i + 2]);
            if (!escapeStart && (b < ' ' || b > '~' || UNSAFE.indexOf(b) >= 0)) {
                out.append('%').append(HEX[b >> 4]).append(HEX[b & 0x0F]);
            } else {
                out.append((char) b);
            }
        }
        return out.toString();
    }

    private static boolean isUpperHex(byte b) {
        return b >= '0' && b <= '9' || b >= 'A' && b <= 'F';
    }
}
