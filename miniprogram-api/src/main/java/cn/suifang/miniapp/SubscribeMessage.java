package cn.suifang.miniapp;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fields of a subscribe message within WeChat's limits: {@code thing} at most 20 characters, {@code date} a date,
 * {@code phone_number} at most 17 digits and symbols. Values that would be refused (errcode 47003) are shortened here.
 */
public final class SubscribeMessage {

    static final int THING_MAX = 20;
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy年MM月dd日");

    private final Map<String, String> fields = new LinkedHashMap<>();

    public SubscribeMessage thing(String name, String value) {
        fields.put(name, shorten(value, THING_MAX));
        return this;
    }

    public SubscribeMessage date(String name, LocalDate value) {
        fields.put(name, DATE.format(value));
        return this;
    }

    public SubscribeMessage phoneNumber(String name, String value) {
        String digits = value == null ? "" : value.replaceAll("[^0-9+\\-]", "");
        fields.put(name, digits.length() > 17 ? digits.substring(0, 17) : digits);
        return this;
    }

    public Map<String, String> fields() {
        return Map.copyOf(fields);
    }

    /** Shortens to {@code max} characters (code points), the last one an ellipsis when cut. */
    static String shorten(String value, int max) {
        if (value == null) {
            return "";
        }
        int[] cps = value.strip().codePoints().toArray();
        if (cps.length <= max) {
            return new String(cps, 0, cps.length);
        }
        return new String(cps, 0, max - 1) + "…";
    }
}
