package cn.suifang.backend.miniapp;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.patient.PatientAccess;
import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * Family members acting for a patient in the mini-program, seen from the workbench: who asked, and the patient's
 * consent recorded by staff (many elderly patients have no WeChat of their own: the nurse asks them by phone).
 */
@RestController
@Validated
@Tag(name = "家属代办", description = "患者家属在小程序中的代办申请；随访人员电话征得患者同意后确认")
class PatientProxyController {

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final PatientAccess access;
    private final AuditService audit;
    private final Clock clock;

    PatientProxyController(DatabaseClient db, TransactionalOperator tx, PatientAccess access, AuditService audit, Clock clock) {
        this.db = db;
        this.tx = tx;
        this.access = access;
        this.audit = audit;
        this.clock = clock;
    }

    record Proxy(long id, String relation, String relationLabel, String status, String consentBy, String consentNote,
                 OffsetDateTime createdAt, OffsetDateTime consentedAt) {
    }

    @GetMapping("/api/patients/{patientId}/proxies")
    @Operation(summary = "患者的家属代办", description = "申请中与已生效的代办关系，以及同意方式（患者在小程序中同意，或医护电话确认）")
    Mono<List<Proxy>> list(@AuthenticationPrincipal Principal principal, @PathVariable long patientId) {
        principal.requireStaff();
        return access.require(principal, patientId)
                .then(db.sql("""
                                SELECT * FROM patient_binding WHERE patient_id = :p AND kind = 'PROXY' AND status <> 'REVOKED'
                                ORDER BY id""")
                        .bind("p", patientId)
                        .map(r -> new Proxy(r.get("id", Long.class), r.get("relation", String.class),
                                MiniappAccountsAdapter.relationLabel(r.get("relation", String.class)),
                                r.get("status", String.class), r.get("consent_by", String.class),
                                r.get("consent_note", String.class), r.get("created_at", OffsetDateTime.class),
                                r.get("consented_at", OffsetDateTime.class)))
                        .all().collectList())
                .flatMap(list -> audit.record(principal, "PROXY_LIST", "patient", patientId, List.of(patientId), null)
                        .thenReturn(list));
    }

    record Consent(@NotBlank @Size(max = 200) String note) {
    }

    @PostMapping("/api/patients/{patientId}/proxies/{bindingId}/approve")
    @Operation(summary = "确认患者同意家属代办", description = "随访人员电话征得患者本人同意后确认；note 写明如何确认（如“2026-12-05 电话，患者本人同意女儿代办”）")
    Mono<Proxy> approve(@AuthenticationPrincipal Principal principal, @PathVariable long patientId,
                        @PathVariable long bindingId, @Valid @RequestBody Consent body) {
        principal.requireStaff();
        OffsetDateTime now = OffsetDateTime.now(clock);
        return access.require(principal, patientId)
                .then(tx.transactional(db.sql("""
                                UPDATE patient_binding SET status = 'ACTIVE', consent_by = 'STAFF', consent_by_id = :me,
                                    consent_note = :note, consented_at = :now
                                WHERE id = :id AND patient_id = :p AND kind = 'PROXY' AND status = 'PENDING'
                                RETURNING *""")
                        .bind("id", bindingId).bind("p", patientId).bind("me", principal.id()).bind("note", body.note().strip())
                        .bind("now", now)
                        .map(r -> new Proxy(r.get("id", Long.class), r.get("relation", String.class),
                                MiniappAccountsAdapter.relationLabel(r.get("relation", String.class)), "ACTIVE", "STAFF",
                                r.get("consent_note", String.class), r.get("created_at", OffsetDateTime.class), now))
                        .one()
                        .switchIfEmpty(Mono.error(() -> ApiException.notFound(2720, "没有这条等待确认的家属代办申请")))
                        .flatMap(p -> audit.record(principal, "PROXY_CONSENT", "patient_binding", bindingId, List.of(patientId),
                                "by staff: " + body.note().strip()).thenReturn(p))));
    }
}
