package cn.suifang.backend.task;

import cn.suifang.backend.common.ClusterLock;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.security.Principal;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/**
 * The periodic pass over all plans and tasks: marks overdue tasks and materialises the next steps.
 * Runs in one instance at a time across the cluster (Redisson lock); the database's unique key is
 * the backstop should the lock ever be lost mid-run (lease expiry, Redis failover).
 */
@Component
public class TaskScheduler {

    private static final Logger log = LoggerFactory.getLogger(TaskScheduler.class);
    private static final int BATCH = 500;

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final TaskGenerator generator;
    private final ClusterLock lock;
    private final SuifangProperties properties;
    private final Clock clock;

    TaskScheduler(DatabaseClient db, TransactionalOperator tx, TaskGenerator generator, ClusterLock lock,
                  SuifangProperties properties, Clock clock) {
        this.db = db;
        this.tx = tx;
        this.generator = generator;
        this.lock = lock;
        this.properties = properties;
        this.clock = clock;
    }

    /** Outcome of one pass; {@code ran} is false when another instance held the lock. */
    public record Run(boolean ran, long markedOverdue, long created) {
    }

    @Scheduled(initialDelayString = "${suifang.scheduler.initial-delay:30s}",
            fixedDelayString = "${suifang.scheduler.interval}")
    void scheduled() {
        if (!properties.scheduler().enabled()) {
            return;
        }
        runOnce().subscribe(
                run -> {
                    if (run.ran() && (run.created() > 0 || run.markedOverdue() > 0)) {
                        log.info("scheduler pass: {} tasks created, {} marked overdue", run.created(), run.markedOverdue());
                    }
                },
                e -> log.error("scheduler pass failed", e));
    }

    /** One pass, if this instance wins the cluster-wide lock. */
    public Mono<Run> runOnce() {
        return lock.runExclusive("task-scheduler", Duration.ofMinutes(10), Mono.defer(this::pass), new Run(false, 0, 0));
    }

    private Mono<Run> pass() {
        LocalDate today = LocalDate.now(clock);
        LocalDate horizon = today.plusDays(properties.scheduler().horizonDays());
        Mono<Long> overdue = db.sql("""
                        UPDATE follow_up_task SET overdue = TRUE, changed_at = now()
                        WHERE status IN ('PENDING', 'IN_PROGRESS') AND window_end < :today AND NOT overdue""")
                .bind("today", today).fetch().rowsUpdated();
        // one batch of plans; repeated while batches come back full (a cold Mono re-queries on each repeat)
        Mono<long[]> batch = generator.plansWithDueSteps(horizon, BATCH).collectList()
                .flatMap(plans -> reactor.core.publisher.Flux.fromIterable(plans)
                        .concatMap(plan -> tx.transactional(generator.materialise(Principal.SYSTEM, plan, horizon)))
                        .reduce(0L, (sum, n) -> sum + n)
                        .map(n -> new long[] {plans.size(), n}));
        Mono<Long> created = batch.expand(b -> b[0] == BATCH ? batch : Mono.empty())
                .reduce(0L, (sum, b) -> sum + b[1]);
        return overdue.zipWith(created, (o, c) -> new Run(true, o, c));
    }
}
