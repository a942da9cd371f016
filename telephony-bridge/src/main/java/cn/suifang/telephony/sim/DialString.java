package cn.suifang.telephony.sim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses FreeSWITCH dial strings such as
 * {@code {origination_uuid=...,suifang_call_id=42}[leg_timeout=30]sofia/gateway/hospital/13800138000}:
 * {@code {...}} sets variables for every leg, {@code [...]} for one leg (and wins); values may be
 * single-quoted to contain commas or spaces. Only the first of several endpoints is dialled.
 */
final class DialString {

    record Leg(Map<String, String> variables, String endpoint) {
    }

    private DialString() {
    }

    static Leg parse(String dial) {
        Map<String, String> global = new LinkedHashMap<>();
        Map<String, String> local = new LinkedHashMap<>();
        String rest = dial.trim();
        while (rest.startsWith("{") || rest.startsWith("<")) {
            int close = closing(rest, 0);
            parseVariables(rest.substring(1, close), global);
            rest = rest.substring(close + 1).trim();
        }
        rest = split(rest, ",|".toCharArray()).get(0).trim();
        while (rest.startsWith("[")) {
            int close = closing(rest, 0);
            parseVariables(rest.substring(1, close), local);
            rest = rest.substring(close + 1).trim();
        }
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("dial string without an endpoint");
        }
        Map<String, String> variables = new LinkedHashMap<>(global);
        local.forEach((k, v) -> {
            variables.remove(k);
            variables.put(k, v);
        });
        return new Leg(variables, rest);
    }

    /** Splits an API argument string on spaces that are outside quotes and brackets. */
    static List<String> arguments(String args) {
        List<String> tokens = new ArrayList<>();
        for (String token : split(args.trim(), new char[] {' '})) {
            if (!token.isEmpty()) {
                tokens.add(token);
            }
        }
        return tokens;
    }

    static void parseVariables(String inside, Map<String, String> into) {
        for (String pair : split(inside, new char[] {','})) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String value = pair.substring(eq + 1).trim();
            if (value.length() >= 2 && value.startsWith("'") && value.endsWith("'")) {
                value = value.substring(1, value.length() - 1);
            }
            into.put(pair.substring(0, eq).trim(), value);
        }
    }

    private static int closing(String s, int open) {
        int depth = 0;
        boolean quoted = false;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            } else if (!quoted && (c == '{' || c == '[' || c == '(' || c == '<')) {
                depth++;
            } else if (!quoted && (c == '}' || c == ']' || c == ')' || c == '>') && --depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("unbalanced brackets in dial string");
    }

    private static List<String> split(String s, char[] separators) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            } else if (!quoted && (c == '{' || c == '[' || c == '(' || c == '<')) {
                depth++;
            } else if (!quoted && (c == '}' || c == ']' || c == ')' || c == '>')) {
                depth--;
            } else if (!quoted && depth == 0 && new String(separators).indexOf(c) >= 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }
}
