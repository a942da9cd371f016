package cn.suifang.backend.handover;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.patient.PatientAccess;
import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * A doctor records that a WeCom external contact (客户, e.g. the patient or their daughter added in WeCom) is this
 * patient — from the chat sidebar, where the JS-SDK gives the contact's external_userid. Handovers transfer these
 * contacts to the successor.
 */
@RestController
@Tag(name = "交接")
class WecomContactController {

    private final DatabaseClient db;
    private final PatientAccess access;
    private final AuditService audit;

    WecomContactController(DatabaseClient db, PatientAccess access, AuditService audit) {
        this.db = db;
        this.access = access;
        this.audit = audit;
    }

    record Link(@NotBlank @Pattern(regexp = "[A-Za-z0-9_-]{1,64}", message = "企业微信客户ID格式不正确") String externalUserId) {
    }

    @PutMapping("/api/patients/{patientId}/wecom-contact")
    @Operation(summary = "关联企业微信客户", description = "把本人企业微信里的一位客户（external_userid）关联到该患者；交接时随患者一起转接")
    Mono<Void> link(@AuthenticationPrincipal Principal principal, @PathVariable long patientId, @Valid @RequestBody Link body) {
        principal.requireStaff();
        return access.require(principal, patientId)
                .then(db.sql("SELECT wecom_user_id FROM staff WHERE id = :id").bind("id", principal.id())
                        .map(r -> java.util.Optional.ofNullable(r.get(0, String.class))).one())
                .flatMap(userId -> userId.isEmpty()
                        ? Mono.error(new ApiException(HttpStatus.CONFLICT, "no-wecom-account", 2408,
                                "您的账号未绑定企业微信，无法关联企业微信客户，请联系信息科"))
                        : db.sql("""
                                        INSERT INTO patient_wecom_contact (patient_id, external_userid, staff_id, linked_by)
                                        VALUES (:p, :e, :s, :s)
                                        ON CONFLICT (external_userid, staff_id) DO UPDATE SET linked_at = now()
                                        WHERE patient_wecom_contact.patient_id = EXCLUDED.patient_id
                                        RETURNING patient_id""")
                                .bind("p", patientId).bind("e", body.externalUserId()).bind("s", principal.id())
                                .map(r -> r.get(0, Long.class)).one()
                                .switchIfEmpty(Mono.error(() -> ApiException.conflict(2409, "contact-linked-elsewhere",
                                        "该企业微信客户已关联到另一位患者，请核对后再试"))))
                .then(audit.record(principal, "WECOM_CONTACT_LINK", "patient", patientId, List.of(patientId), null));
    }
}
