package cn.suifang.telephony.bridge;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Bounded polling: an upper limit for something to happen, never a timing assertion. */
final class Poll {

    static final Duration LIMIT = Duration.ofSeconds(20);

    private Poll() {
    }

    static <T> T until(String what, Supplier<T> probe, Predicate<T> done) {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        T last = null;
        while (System.nanoTime() < deadline) {
            last = probe.get();
            if (done.test(last)) {
                return last;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("gave up waiting for " + what + " after " + LIMIT.toSeconds() + " s; last: " + last);
    }
}
