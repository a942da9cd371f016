package cn.suifang.backend.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.suifang.backend.security.Principal;
import cn.suifang.backend.support.IntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

class AuditChainTest extends IntegrationTest {

    @Autowired
    AuditService audit;

    private void appendSome(int n) {
        for (int i = 0; i < n; i++) {
            audit.record(Principal.SYSTEM, "TEST", "thing", i, List.of((long) i), "detail " + i).block();
        }
    }

    /** What someone with database rights could do: bypass the append-only trigger and change the table. */
    private void tamper(String sql) {
        db.sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update").then().block();
        try {
            db.sql(sql).then().block();
        } finally {
            db.sql("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update").then().block();
        }
    }

    @Test
    void untouchedChain_verifies() {
        appendSome(5);

        AuditService.ChainVerification v = audit.verify().block();

        assertThat(v.valid()).isTrue();
        assertThat(v.checked()).isEqualTo(5);
    }

    @Test
    void editedRow_isDetectedAtThatRow() {
        appendSome(5);
        tamper("UPDATE audit_event SET detail = 'nothing to see' WHERE id = 3");

        AuditService.ChainVerification v = audit.verify().block();

        assertThat(v.valid()).isFalse();
        assertThat(v.firstBrokenId()).isEqualTo(3L);
        assertThat(v.reason()).contains("篡改");
    }

    @Test
    void deletedRow_isDetectedAtTheNextRow() {
        appendSome(5);
        tamper("DELETE FROM audit_event WHERE id = 2");

        AuditService.ChainVerification v = audit.verify().block();

        assertThat(v.valid()).isFalse();
        assertThat(v.firstBrokenId()).isEqualTo(3L);
    }

    @Test
    void updateAndDelete_areRefusedByTheDatabase() {
        appendSome(1);

        assertThatThrownBy(() -> db.sql("UPDATE audit_event SET detail = 'x'").then().block())
                .hasMessageContaining("append-only");
        assertThatThrownBy(() -> db.sql("DELETE FROM audit_event").then().block())
                .hasMessageContaining("append-only");
    }

    @Test
    void concurrentAppends_keepTheChainLinear() {
        Flux.range(0, 60)
                .flatMap(i -> audit.record(Principal.SYSTEM, "TEST", "thing", i, List.of(), null)
                        .subscribeOn(Schedulers.parallel()), 16)
                .blockLast();

        AuditService.ChainVerification v = audit.verify().block();

        assertThat(v.valid()).isTrue();
        assertThat(v.checked()).isEqualTo(60);
    }

    @Test
    void verifyEndpoint_isForAdminsAndReportsTampering() {
        appendSome(3);
        get("cardHead", "/api/admin/audit/verify").exchange().expectStatus().isForbidden();
        @SuppressWarnings("unchecked")
        Map<String, Object> ok = get("admin", "/api/admin/audit/verify").exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat(ok).containsEntry("valid", true);

        tamper("UPDATE audit_event SET actor_id = 999 WHERE id = 2");

        @SuppressWarnings("unchecked")
        Map<String, Object> broken = get("admin", "/api/admin/audit/verify").exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat(broken).containsEntry("valid", false).containsEntry("firstBrokenId", 2);
    }
}
