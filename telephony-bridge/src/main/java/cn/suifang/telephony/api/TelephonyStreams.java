package cn.suifang.telephony.api;

/**
 * The two Redis Streams between backend and bridge, under the deployment's key prefix.
 * Commands: backend → bridge, consumer group {@link #BRIDGE_GROUP}. Events: bridge → backend, consumer
 * group {@link #BACKEND_GROUP}. Entries are acknowledged only after they were applied; pending entries of
 * a crashed consumer are reclaimed after {@link #RECLAIM_IDLE_MILLIS}.
 */
public final class TelephonyStreams {

    public static final String BRIDGE_GROUP = "bridge";
    public static final String BACKEND_GROUP = "backend";
    public static final long RECLAIM_IDLE_MILLIS = 30_000;
    /** Approximate cap on stream length (XADD MAXLEN ~): entries hold phone numbers, keep them short-lived. */
    public static final int MAX_LENGTH = 100_000;

    private TelephonyStreams() {
    }

    public static String commands(String keyPrefix) {
        return keyPrefix + ":telephony:commands";
    }

    public static String events(String keyPrefix) {
        return keyPrefix + ":telephony:events";
    }
}
