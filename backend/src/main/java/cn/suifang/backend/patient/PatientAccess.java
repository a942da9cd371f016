package cn.suifang.backend.patient;

import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.security.Principal;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Who may see which patient. A clinical staff member sees the patients of their department, of the
 * care teams they sit in, those they are responsible for, and those with an open task assigned to them;
 * a department head sees the department.
 * A patient sees only themself, a family member (proxy) only the patient of their active binding. Anything else is
 * "not found": existence is not revealed.
 */
@Component
public class PatientAccess {

    /**
     * SQL predicate over alias {@code p} (patient) with parameters {@code :viewerHospital},
     * {@code :viewerDept} and {@code :viewerStaff}.
     */
    public static final String VISIBLE = """
            (p.hospital_id = :viewerHospital AND NOT p.voided AND (
                p.department_id = :viewerDept
                OR p.responsible_staff_id = :viewerStaff
                OR p.care_team_id IN (SELECT m.care_team_id FROM care_team_member m WHERE m.staff_id = :viewerStaff)
                OR EXISTS (SELECT 1 FROM follow_up_task vt WHERE vt.patient_id = p.id AND vt.assignee_id = :viewerStaff
                           AND vt.status IN ('PENDING', 'IN_PROGRESS'))))""";

    private final DatabaseClient db;

    PatientAccess(DatabaseClient db) {
        this.db = db;
    }

    public static DatabaseClient.GenericExecuteSpec bindViewer(DatabaseClient.GenericExecuteSpec spec, Principal p) {
        return spec.bind("viewerHospital", p.hospitalId()).bind("viewerDept", p.departmentId())
                .bind("viewerStaff", p.id());
    }

    public Mono<Boolean> canSee(Principal principal, long patientId) {
        if (principal.type() == Principal.ActorType.PATIENT) {
            return Mono.just(principal.id() == patientId);
        }
        if (principal.type() == Principal.ActorType.PROXY) {
            return db.sql("""
                            SELECT EXISTS (SELECT 1 FROM patient_binding WHERE id = :b AND patient_id = :p
                                           AND kind = 'PROXY' AND status = 'ACTIVE')""")
                    .bind("b", principal.id()).bind("p", patientId)
                    .map(r -> Boolean.TRUE.equals(r.get(0, Boolean.class))).one();
        }
        if (!principal.clinical()) {
            return Mono.just(false);
        }
        return bindViewer(db.sql("SELECT EXISTS (SELECT 1 FROM patient p WHERE p.id = :id AND " + VISIBLE + ")")
                .bind("id", patientId), principal)
                .map(r -> Boolean.TRUE.equals(r.get(0, Boolean.class)))
                .one();
    }

    /** Completes when visible, errors with a 404 problem otherwise. */
    public Mono<Void> require(Principal principal, long patientId) {
        return canSee(principal, patientId).flatMap(ok -> ok ? Mono.<Void>empty()
                : Mono.error(ApiException.notFound(1301, "患者不存在或无权查看")));
    }
}
