package cn.suifang.backend.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

/** A clock tests can set and move, in the hospital's zone. */
public class MutableClock extends Clock {

    public static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");
    public static final LocalDate DEFAULT_DAY = LocalDate.of(2026, 11, 23);

    private volatile Instant now;

    public MutableClock() {
        reset();
    }

    public final void reset() {
        now = DEFAULT_DAY.atTime(10, 0).atZone(ZONE).toInstant();
    }

    public void setDay(LocalDate day) {
        now = day.atTime(10, 0).atZone(ZONE).toInstant();
    }

    public void advance(Duration d) {
        now = now.plus(d);
    }

    public LocalDate today() {
        return LocalDate.ofInstant(now, ZONE);
    }

    @Override
    public ZoneId getZone() {
        return ZONE;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return Clock.fixed(now, zone);
    }

    @Override
    public Instant instant() {
        return now;
    }
}
