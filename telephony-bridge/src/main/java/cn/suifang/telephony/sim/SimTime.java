package cn.suifang.telephony.sim;

import io.netty.channel.EventLoop;

import java.time.Clock;
import java.time.Instant;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/** The simulator's clock and timer. Every method runs on the simulator's event loop. */
interface SimTime {

    long nowMicros();

    void schedule(long delayMicros, Runnable task);

    /** Runs tasks that are due now (manual time only). */
    default void runDue() {
    }

    static long micros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
    }

    /** Wall-clock time; delays really elapse (demo mode). */
    final class Real implements SimTime {
        private final EventLoop loop;
        private final Clock clock;

        Real(EventLoop loop, Clock clock) {
            this.loop = loop;
            this.clock = clock;
        }

        @Override
        public long nowMicros() {
            return micros(clock.instant());
        }

        @Override
        public void schedule(long delayMicros, Runnable task) {
            loop.schedule(task, Math.max(0, delayMicros), TimeUnit.MICROSECONDS);
        }
    }

    /** Virtual time that only moves when the test calls {@link #advance}; tasks due together run in scheduling order. */
    final class Manual implements SimTime {
        private record Due(long at, long order, Runnable task) {
        }

        private final PriorityQueue<Due> queue = new PriorityQueue<>(
                (x, y) -> x.at != y.at ? Long.compare(x.at, y.at) : Long.compare(x.order, y.order));
        private long now;
        private long order;

        Manual(Instant start) {
            this.now = micros(start);
        }

        @Override
        public long nowMicros() {
            return now;
        }

        @Override
        public void schedule(long delayMicros, Runnable task) {
            queue.add(new Due(now + Math.max(0, delayMicros), order++, task));
        }

        @Override
        public void runDue() {
            advance(0);
        }

        void advance(long micros) {
            long target = now + Math.max(0, micros);
            while (!queue.isEmpty() && queue.peek().at <= target) {
                Due next = queue.poll();
                now = Math.max(now, next.at);
                next.task.run();
            }
            now = target;
        }
    }
}
