package cn.suifang.backend.audit;

import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

@RestController
@RequestMapping("/api/admin/audit")
@Tag(name = "审计", description = "协作留痕：哈希链校验")
class AuditController {

    private final AuditService audit;

    AuditController(AuditService audit) {
        this.audit = audit;
    }

    @GetMapping("/verify")
    @Operation(summary = "校验审计哈希链", description = "逐条重算哈希，报告第一条被篡改、删除或重排的记录")
    Mono<AuditService.ChainVerification> verify(@AuthenticationPrincipal Principal principal) {
        principal.requireRole(Role.ADMIN);
        return audit.verify().flatMap(v -> audit.record(principal, "AUDIT_VERIFY", "audit_event", null,
                java.util.List.of(), "valid=" + v.valid() + " checked=" + v.checked()).thenReturn(v));
    }
}
