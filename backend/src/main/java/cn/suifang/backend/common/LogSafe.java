package cn.suifang.backend.common;

/** Makes a value safe to put in a log line: no CR/LF (log forging), bounded length. */
public final class LogSafe {

    private LogSafe() {
    }

    public static String of(Object value) {
        if (value == null) {
            return "null";
        }
        String s = value.toString().replace('\r', '_').replace('\n', '_');
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
