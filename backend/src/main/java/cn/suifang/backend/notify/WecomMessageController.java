package cn.suifang.backend.notify;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import java.time.OffsetDateTime;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

@RestController
@Validated
@Tag(name = "企业微信消息", description = "发给医护人员的企业微信应用消息记录（信息科）")
class WecomMessageController {

    private final DatabaseClient db;
    private final AuditService audit;

    WecomMessageController(DatabaseClient db, AuditService audit) {
        this.db = db;
        this.audit = audit;
    }

    record Message(long id, long recipientStaffId, String recipientName, String kind, String title, String status,
                   int attempts, Integer errcode, OffsetDateTime createdAt, OffsetDateTime sentAt) {
    }

    @GetMapping("/api/admin/wecom/messages")
    @Operation(summary = "已发送/待发送的企业微信消息", description = "最新的在前；status 可选 QUEUED、SENDING、SENT、FAILED、INVALID_USER、NO_WECOM_ID")
    Mono<List<Message>> list(@AuthenticationPrincipal Principal principal,
                             @RequestParam(required = false) @Pattern(regexp = "[A-Z_]{1,16}") String status,
                             @RequestParam(required = false) Long staffId,
                             @RequestParam(defaultValue = "100") @Min(1) @Max(500) int limit) {
        principal.requireRole(Role.ADMIN);
        return db.sql("""
                        SELECT m.*, s.name FROM wecom_message m JOIN staff s ON s.id = m.recipient_staff_id
                        WHERE s.hospital_id = :h AND (CAST(:status AS VARCHAR) IS NULL OR m.status = :status)
                          AND (CAST(:staff AS BIGINT) IS NULL OR m.recipient_staff_id = :staff)
                        ORDER BY m.id DESC LIMIT :limit""")
                .bind("h", principal.hospitalId())
                .bind("status", cn.suifang.backend.common.Rows.param(status, String.class))
                .bind("staff", cn.suifang.backend.common.Rows.param(staffId, Long.class))
                .bind("limit", limit)
                .map(r -> new Message(r.get("id", Long.class), r.get("recipient_staff_id", Long.class), r.get("name", String.class),
                        r.get("kind", String.class), r.get("title", String.class), r.get("status", String.class),
                        r.get("attempts", Integer.class), r.get("errcode", Integer.class),
                        r.get("created_at", OffsetDateTime.class), r.get("sent_at", OffsetDateTime.class)))
                .all().collectList()
                .flatMap(list -> audit.record(principal, "WECOM_MESSAGE_LIST", "wecom_message", status, List.of(), null)
                        .thenReturn(list));
    }
}
