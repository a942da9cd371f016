package cn.suifang.telephony.sim;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What happens to one {@code originate} in the simulator. The doctor leg is the originated A-leg
 * (callback: the doctor's phone rings first); the patient leg is the B-leg the A-leg's
 * {@code &bridge(...)} dials once the doctor answers. A leg that rings sends CHANNEL_PROGRESS
 * {@link Builder#ringDelay ring delay} after its CHANNEL_CREATE and ends its ringing after that.
 */
public final class CallScript {

    public enum Party { DOCTOR, PATIENT }

    /** How a leg ends its setup: answered, or failed with a hang-up cause after an optional ringing phase. */
    public static final class Leg {
        private final boolean rings;
        private final Duration duration;
        private final String failureCause;

        private Leg(boolean rings, Duration duration, String failureCause) {
            if (duration.isNegative()) {
                throw new IllegalArgumentException("negative duration");
            }
            this.rings = rings;
            this.duration = duration;
            this.failureCause = failureCause;
        }

        /** Rings for {@code ringing}, then answers. */
        public static Leg answersAfter(Duration ringing) {
            return new Leg(true, ringing, null);
        }

        /** Rings for {@code ringing}, then gives up with NO_ANSWER (unless the originate timeout hits first). */
        public static Leg noAnswer(Duration ringing) {
            return new Leg(true, ringing, "NO_ANSWER");
        }

        /** Rings for {@code ringing}, then the callee declines: CALL_REJECTED. */
        public static Leg rejected(Duration ringing) {
            return new Leg(true, ringing, "CALL_REJECTED");
        }

        /** USER_BUSY without ringing, {@code after} the leg was created. */
        public static Leg busy(Duration after) {
            return new Leg(false, after, "USER_BUSY");
        }

        /** Fails without ringing with any Q.850 cause name, e.g. UNALLOCATED_NUMBER or SUBSCRIBER_ABSENT. */
        public static Leg fails(String cause, Duration after) {
            return new Leg(false, after, Objects.requireNonNull(cause));
        }

        boolean rings() {
            return rings;
        }

        /** Ringing time, or time to failure for a leg that does not ring. */
        Duration duration() {
            return duration;
        }

        boolean answers() {
            return failureCause == null;
        }

        String failureCause() {
            return failureCause;
        }
    }

    private final Leg doctor;
    private final Leg patient;
    private final Duration talk;
    private final Party hangsUp;
    private final Duration ringDelay;

    private CallScript(Builder b) {
        this.doctor = b.doctor;
        this.patient = b.patient;
        this.talk = b.talk;
        this.hangsUp = b.hangsUp;
        this.ringDelay = b.ringDelay;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Doctor answers after 2 s of ringing, patient after 5 s, they talk 30 s, the patient hangs up. */
    public static CallScript defaultScript() {
        return builder().build();
    }

    Leg doctor() {
        return doctor;
    }

    Leg patient() {
        return patient;
    }

    /** Empty when the call stays up until {@code uuid_kill}. */
    Optional<Duration> talk() {
        return Optional.ofNullable(talk);
    }

    Party hangsUp() {
        return hangsUp;
    }

    Duration ringDelay() {
        return ringDelay;
    }

    public static final class Builder {
        private Leg doctor = Leg.answersAfter(Duration.ofSeconds(2));
        private Leg patient = Leg.answersAfter(Duration.ofSeconds(5));
        private Duration talk = Duration.ofSeconds(30);
        private Party hangsUp = Party.PATIENT;
        private Duration ringDelay = Duration.ofMillis(100);

        private Builder() {
        }

        /** Time from a leg's CHANNEL_CREATE to its 180 Ringing (CHANNEL_PROGRESS); 100 ms by default. */
        public Builder ringDelay(Duration delay) {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("negative ring delay");
            }
            this.ringDelay = delay;
            return this;
        }

        public Builder doctor(Leg leg) {
            this.doctor = Objects.requireNonNull(leg);
            return this;
        }

        public Builder patient(Leg leg) {
            this.patient = Objects.requireNonNull(leg);
            return this;
        }

        /** How long both legs stay bridged before {@link #hangupBy} hangs up. */
        public Builder talk(Duration talk) {
            if (talk.isNegative()) {
                throw new IllegalArgumentException("negative talk time");
            }
            this.talk = talk;
            return this;
        }

        /** Keeps the call up until it is killed with {@code uuid_kill}; handy for reconnect tests. */
        public Builder talkUntilKilled() {
            this.talk = null;
            return this;
        }

        public Builder hangupBy(Party party) {
            this.hangsUp = Objects.requireNonNull(party);
            return this;
        }

        public CallScript build() {
            return new CallScript(this);
        }
    }
}
