package cn.suifang.backend.wecom;

import java.util.Set;

/**
 * A WeCom API call that failed: the platform's {@code errcode} (0 for transport failures, which carry
 * {@link #TRANSPORT}) and its {@code errmsg}. The message never holds request data.
 */
public class WecomException extends RuntimeException {

    /** Not an errcode WeCom sends: the request did not get an answer (timeout, connection refused, pool exhausted). */
    public static final int TRANSPORT = -2;
    /** errcode -1: system busy. */
    public static final int BUSY = -1;
    /** errcode 45009: API call frequency limit. */
    public static final int FREQUENCY_LIMIT = 45009;

    private static final Set<Integer> TRANSIENT = Set.of(TRANSPORT, BUSY, FREQUENCY_LIMIT, 45033 /* concurrency limit */);

    private final String operation;
    private final int errcode;

    public WecomException(String operation, int errcode, String errmsg, Throwable cause) {
        super("WeCom " + operation + " failed: errcode " + errcode + (errmsg == null ? "" : " (" + firstPart(errmsg) + ")"),
                cause);
        this.operation = operation;
        this.errcode = errcode;
    }

    public String operation() {
        return operation;
    }

    public int errcode() {
        return errcode;
    }

    /** Worth trying again later: the platform was busy, rate-limited us, or did not answer. */
    public boolean isTransient() {
        return TRANSIENT.contains(errcode);
    }

    /** WeCom appends ", hint: [...], from ip: ..., more info at ..." to errmsg: keep the human part. */
    private static String firstPart(String errmsg) {
        int cut = errmsg.indexOf(", hint:");
        return cut < 0 ? errmsg : errmsg.substring(0, cut);
    }
}
