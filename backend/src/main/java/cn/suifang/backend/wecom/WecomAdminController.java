package cn.suifang.backend.wecom;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.util.List;
import java.util.Map;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

@RestController
@Validated
@Tag(name = "企业微信通讯录", description = "信息科：科室与企业微信部门的对应、通讯录同步")
class WecomAdminController {

    private final WecomDirectorySync sync;
    private final DatabaseClient db;
    private final AuditService audit;

    WecomAdminController(WecomDirectorySync sync, DatabaseClient db, AuditService audit) {
        this.sync = sync;
        this.db = db;
        this.audit = audit;
    }

    record DepartmentLink(@NotNull @Min(1) Long wecomDepartmentId) {
    }

    @PutMapping("/api/admin/departments/{code}/wecom-department")
    @Operation(summary = "对应企业微信部门", description = "该科室的人员从这个企业微信部门同步；一个企业微信部门只能对应一个科室")
    Mono<Void> link(@AuthenticationPrincipal Principal principal, @PathVariable String code,
                    @Valid @RequestBody DepartmentLink body) {
        principal.requireRole(Role.ADMIN);
        return db.sql("""
                        UPDATE department SET wecom_department_id = :w WHERE hospital_id = :h AND code = :c
                          AND NOT EXISTS (SELECT 1 FROM department o WHERE o.hospital_id = :h AND o.wecom_department_id = :w
                                          AND o.code <> :c)
                        RETURNING id""")
                .bind("w", body.wecomDepartmentId()).bind("h", principal.hospitalId()).bind("c", code)
                .map(r -> r.get(0, Long.class)).one()
                .switchIfEmpty(db.sql("SELECT id FROM department WHERE hospital_id = :h AND code = :c")
                        .bind("h", principal.hospitalId()).bind("c", code).map(r -> r.get(0, Long.class)).one()
                        .flatMap(exists -> Mono.<Long>error(ApiException.conflict(2221, "wecom-department-taken",
                                "该企业微信部门已对应到其他科室")))
                        .switchIfEmpty(Mono.error(() -> ApiException.notFound(2222, "科室不存在：" + code))))
                .flatMap(id -> audit.record(principal, "DEPARTMENT_WECOM_LINK", "department", id, List.of(),
                        "wecom department " + body.wecomDepartmentId()));
    }

    @PostMapping("/api/admin/wecom/sync")
    @Operation(summary = "立即同步通讯录", description = "读取已对应部门的成员，新增/更新人员，离开企业微信的人员先交接再停用；返回本次报告")
    Mono<WecomDirectorySync.Report> syncNow(@AuthenticationPrincipal Principal principal) {
        principal.requireRole(Role.ADMIN);
        return sync.syncNow("ADMIN");
    }

    @GetMapping("/api/admin/wecom/sync-runs")
    @Operation(summary = "通讯录同步记录", description = "最近的同步：新增、更新、停用人数，未对应的部门，未匹配角色规则的成员，错误")
    Mono<List<Map<String, Object>>> runs(@AuthenticationPrincipal Principal principal,
                                         @RequestParam(defaultValue = "20") @Min(1) @Max(100) int limit) {
        principal.requireRole(Role.ADMIN);
        return sync.recentRuns(limit).collectList();
    }
}
