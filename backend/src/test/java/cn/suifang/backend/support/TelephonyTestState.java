package cn.suifang.backend.support;

import java.util.List;
import org.redisson.api.RedissonClient;

/** Telephony state tests share: what a call leaves in Redis, and the properties of a context where calls are driven by hand. */
public final class TelephonyTestState {

    /** The event consumer does not run by itself (tests poll it); recordings live under target/. */
    public static final String CONSUME_BY_HAND = "suifang.telephony.consume-events=false";
    public static final String RECORDINGS_DIR = "suifang.telephony.recordings-dir=target/test-recordings";
    /** Basic credentials of the CDR endpoint (mod_json_cdr's cred). */
    public static final String CDR_USER = "freeswitch";
    public static final String CDR_SECRET = "cdr-secret-for-tests";
    public static final String CDR_USERNAME = "suifang.telephony.cdr.username=" + CDR_USER;
    public static final String CDR_PASSWORD = "suifang.telephony.cdr.password=" + CDR_SECRET;

    private TelephonyTestState() {
    }

    /** Rate limiters, read-audit markers and the telephony streams under this key prefix. */
    public static void clear(RedissonClient redisson, String prefix) {
        // rate limiters keep their state under hash-tagged keys: {prefix:call:rate:…}:permits
        for (String pattern : List.of(prefix + ":call:*", "{" + prefix + ":call:*", prefix + ":telephony:*")) {
            redisson.getKeys().deleteByPattern(pattern);
        }
    }
}
