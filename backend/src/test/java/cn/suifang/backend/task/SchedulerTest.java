package cn.suifang.backend.task;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

class SchedulerTest extends IntegrationTest {

    @Autowired
    TaskScheduler scheduler;

    @Test
    void asTimePasses_schedulerMaterialisesLaterStepsOnce() {
        importBatch(pciDischarge("ZY001", "P001", 0));
        assertThat(count("SELECT count(*) FROM follow_up_task")).isEqualTo(3); // days 3, 7, 14 within 14-day horizon

        clock.setDay(clock.today().plusDays(20)); // day 30 now within horizon
        TaskScheduler.Run run = scheduler.runOnce().block();

        assertThat(run.ran()).isTrue();
        assertThat(run.created()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM follow_up_task")).isEqualTo(4);
        assertThat(scheduler.runOnce().block().created()).isZero();
    }

    @Test
    void openTasksPastTheirWindow_areMarkedOverdue_closedOnesAreNot() {
        importBatch(pciDischarge("ZY001", "P001", 0));
        long day3 = count("SELECT t.id FROM follow_up_task t JOIN pathway_step s ON s.id = t.step_id WHERE s.offset_days = 3");
        db.sql("UPDATE follow_up_task SET status = 'COMPLETED' WHERE id <> " + day3).then().block();

        clock.setDay(clock.today().plusDays(30));
        TaskScheduler.Run run = scheduler.runOnce().block();

        assertThat(run.markedOverdue()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM follow_up_task WHERE overdue")).isEqualTo(1);
        assertThat(count("SELECT id FROM follow_up_task WHERE overdue")).isEqualTo(day3);
    }

    @Test
    void lockHeldElsewhere_passDoesNothing() {
        importBatch(pciDischarge("ZY001", "P001", 0));
        clock.setDay(clock.today().plusDays(20));
        var lock = redisLock();
        assertThat(lock.tryLock(0, 60_000, java.util.concurrent.TimeUnit.MILLISECONDS, 7L).block()).isTrue();
        try {
            TaskScheduler.Run run = scheduler.runOnce().block();
            assertThat(run.ran()).isFalse();
            assertThat(count("SELECT count(*) FROM follow_up_task")).isEqualTo(3);
        } finally {
            lock.unlock(7L).block();
        }
    }

    @Autowired
    org.redisson.api.RedissonReactiveClient redis;
    @Autowired
    cn.suifang.backend.common.SuifangProperties properties;

    private org.redisson.api.RLockReactive redisLock() {
        return redis.getLock(properties.redis().keyPrefix() + ":lock:task-scheduler");
    }
}
