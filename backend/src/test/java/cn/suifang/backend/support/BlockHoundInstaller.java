package cn.suifang.backend.support;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import reactor.blockhound.BlockHound;

/**
 * Installs BlockHound for the whole test JVM: any blocking call made on a Reactor non-blocking thread
 * (Netty event loop, parallel scheduler) throws, so the test that triggers it fails.
 */
public class BlockHoundInstaller implements LauncherSessionListener {

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        BlockHound.install(builder -> builder
                // Redisson's worker pool ("redisson-N-M") is a plain ThreadPoolExecutor whose threads are Netty
                // FastThreadLocalThreads, which Netty's integration would treat as event loops; its I/O threads
                // ("redisson-netty-…") stay checked
                .nonBlockingThreadPredicate(p -> p.and(t -> !isRedissonWorker(t)))
                // JDK's SecureRandom (NativePRNG) may read /dev/urandom; the read never blocks on Linux
                .allowBlockingCallsInside("java.security.SecureRandom", "nextBytes")
                // Netty 4.2's adaptive allocator briefly takes a StampedLock when it grows its magazines under
                // contention; bounded and internal to Netty (its own integration does not list it in 4.2.18)
                .allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines")
                .allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free")
                // Redisson's connection pool guards its waiters with a lock held for a few instructions; under
                // contention a Redisson I/O thread parks briefly. Flagging that aborted the connection's release inside
                // Redisson and left later commands waiting for ever (a hung @BeforeEach, a stalled bridge in CI)
                .allowBlockingCallsInside("org.redisson.misc.WrappedLock", "execute")
                // class loading and logging configuration on first use
                .allowBlockingCallsInside("java.util.zip.InflaterInputStream", "read")
                .allowBlockingCallsInside("ch.qos.logback.classic.spi.LoggingEvent", "getCallerData"));
    }

    private static boolean isRedissonWorker(Thread t) {
        String name = t.getName();
        return name.startsWith("redisson-") && !name.startsWith("redisson-netty");
    }
}
