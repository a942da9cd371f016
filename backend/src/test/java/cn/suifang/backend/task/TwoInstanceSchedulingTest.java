package cn.suifang.backend.task;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.SuifangApplication;
import cn.suifang.backend.discharge.DischargeImportService;
import cn.suifang.backend.discharge.DischargeRecord;
import cn.suifang.backend.organisation.OrganisationService;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.support.IntegrationTest;
import cn.suifang.backend.support.MutableClock;
import cn.suifang.backend.support.TestClockConfig;
import cn.suifang.backend.support.TestHospital;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** Two complete backend instances (two application contexts) against one database and one Redis. */
class TwoInstanceSchedulingTest {

    private static ConfigurableApplicationContext first;
    private static ConfigurableApplicationContext second;

    @BeforeAll
    static void startTwoInstances() {
        first = start();
        second = start();
    }

    @AfterAll
    static void stop() {
        if (first != null) {
            first.close();
        }
        if (second != null) {
            second.close();
        }
    }

    private static ConfigurableApplicationContext start() {
        return new SpringApplicationBuilder(SuifangApplication.class, TestClockConfig.class)
                .profiles("test").properties("server.port=0").run();
    }

    @Test
    void bothInstancesRunningTheSchedulerAtOnce_createEachTaskExactlyOnce() {
        // Setup: 60 PCI discharges imported today through the first instance (days 3, 7, 14 materialised)
        DatabaseClient db = first.getBean(DatabaseClient.class);
        IntegrationTest.resetData(db);
        TestHospital hospital = TestHospital.create(db, first.getBean(cn.suifang.backend.crypto.PiiCipher.class));
        Principal admin = first.getBean(OrganisationService.class).principalOf(hospital.staff("admin")).block();
        first.getBean(MutableClock.class).reset();
        LocalDate today = first.getBean(MutableClock.class).today();
        List<DischargeImportService.Row> rows = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            rows.add(new DischargeImportService.Row(i + 1, new DischargeRecord("ZY" + i,
                    new DischargeRecord.PatientData("P" + i, "患者" + i, DischargeRecord.Gender.MALE, null, null, null, true, true),
                    "CARD", null, today.minusDays(4), today, List.of("I21.0"), List.of("36.07"), null, null, null), null));
        }
        first.getBean(DischargeImportService.class).importNow(admin, "HIS", "JSON", rows).block();
        long before = count(db, "SELECT count(*) FROM follow_up_task");
        // 120 days later the day-30 and day-90 steps fall due for everyone
        first.getBean(MutableClock.class).setDay(today.plusDays(120));
        second.getBean(MutableClock.class).setDay(today.plusDays(120));

        // Act: both schedulers at the same moment, several times over
        List<TaskScheduler.Run> runs = Flux.range(0, 3)
                .concatMap(i -> Flux.merge(
                        first.getBean(TaskScheduler.class).runOnce().subscribeOn(Schedulers.parallel()),
                        second.getBean(TaskScheduler.class).runOnce().subscribeOn(Schedulers.parallel())))
                .collectList().block();

        // Verify: 60 × 2 new tasks, each exactly once, and the runs' own counts add up to exactly that
        long after = count(db, "SELECT count(*) FROM follow_up_task");
        assertThat(after - before).isEqualTo(120);
        assertThat(count(db, "SELECT count(*) FROM (SELECT care_plan_id, step_id FROM follow_up_task GROUP BY 1, 2 HAVING count(*) > 1) d"))
                .isZero();
        assertThat(runs.stream().mapToLong(TaskScheduler.Run::created).sum()).isEqualTo(120);
    }

    @Test
    void withoutTheLock_theUniqueKeyStillPreventsDuplicates() {
        DatabaseClient db = first.getBean(DatabaseClient.class);
        IntegrationTest.resetData(db);
        TestHospital hospital = TestHospital.create(db, first.getBean(cn.suifang.backend.crypto.PiiCipher.class));
        Principal admin = first.getBean(OrganisationService.class).principalOf(hospital.staff("admin")).block();
        first.getBean(MutableClock.class).reset();
        second.getBean(MutableClock.class).reset();
        LocalDate today = first.getBean(MutableClock.class).today();
        first.getBean(DischargeImportService.class).importNow(admin, "HIS", "JSON", List.of(new DischargeImportService.Row(1,
                new DischargeRecord("ZY1", new DischargeRecord.PatientData("P1", "患者", DischargeRecord.Gender.MALE, null, null,
                        null, true, true), "CARD", null, today.minusDays(3), today.minusDays(1), List.of("I21.0"),
                        List.of("36.07"), null, null, null), null))).block();
        long plan = count(db, "SELECT id FROM care_plan");
        db.sql("UPDATE care_plan SET next_step_seq = 1").then().block(); // as if the bookkeeping had been lost

        // Act: both instances' generators on the same plan concurrently, bypassing the scheduler lock
        LocalDate horizon = today.plusDays(400);
        var tx1 = first.getBean(org.springframework.transaction.reactive.TransactionalOperator.class);
        var tx2 = second.getBean(org.springframework.transaction.reactive.TransactionalOperator.class);
        List<Integer> created = Flux.merge(
                tx1.transactional(first.getBean(TaskGenerator.class).materialise(Principal.SYSTEM, plan, horizon)).subscribeOn(Schedulers.parallel()),
                tx2.transactional(second.getBean(TaskGenerator.class).materialise(Principal.SYSTEM, plan, horizon)).subscribeOn(Schedulers.parallel()))
                .collectList().block();

        // Verify: every step of the PCI pathway exactly once
        long steps = count(db, "SELECT count(*) FROM pathway_step s JOIN care_plan cp ON cp.pathway_id = s.pathway_id");
        assertThat(count(db, "SELECT count(*) FROM follow_up_task")).isEqualTo(steps);
        assertThat(count(db, "SELECT count(*) FROM (SELECT step_id FROM follow_up_task GROUP BY 1 HAVING count(*) > 1) d")).isZero();
        assertThat(created.stream().mapToInt(Integer::intValue).sum()).isEqualTo((int) steps - 3);
    }

    private static long count(DatabaseClient db, String sql) {
        return Mono.from(db.sql(sql).map(r -> ((Number) r.get(0)).longValue()).one()).block();
    }
}
