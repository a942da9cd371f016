package cn.suifang.backend.security;

import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.organisation.OrganisationService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import java.util.List;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Demo sign-in (suifang.demo.enabled, off in production) takes a staff id or patient id; with demo mode off these
 * endpoints answer 404 as if they did not exist. Staff sign in through WeCom OAuth in production
 * (wecom.WecomSignInController); both end in {@link SignInService}.
 */
@RestController
@RequestMapping("/api")
@Tag(name = "登录", description = "演示模式登录、当前登录者、退出；企业微信免密登录见“企业微信登录”")
class AuthController {

    private final TokenService tokens;
    private final OrganisationService organisation;
    private final SuifangProperties properties;
    private final DatabaseClient db;
    private final SignInService signIn;

    AuthController(TokenService tokens, OrganisationService organisation, SuifangProperties properties,
                   DatabaseClient db, SignInService signIn) {
        this.tokens = tokens;
        this.organisation = organisation;
        this.properties = properties;
        this.db = db;
        this.signIn = signIn;
    }

    record DemoLogin(Long staffId, Long patientId) {
    }

    record DemoAccount(long staffId, String name, String departmentName, List<Role> roles, long openTasks) {
    }

    @PostMapping("/auth/demo-login")
    @Operation(summary = "演示登录", description = "仅演示模式：用人员 ID 或患者 ID 换取令牌")
    Mono<SignInService.TokenResponse> demoLogin(@Valid @RequestBody DemoLogin request) {
        requireDemo();
        if ((request.staffId() == null) == (request.patientId() == null)) {
            throw ApiException.badRequest(1901, "staffId", "请提供 staffId 或 patientId 其中之一");
        }
        Mono<Principal> principal = request.staffId() != null
                ? organisation.principalOf(request.staffId())
                : db.sql("SELECT id, hospital_id, department_id FROM patient WHERE id = :id AND NOT voided")
                        .bind("id", request.patientId())
                        .map(r -> new Principal(Principal.ActorType.PATIENT, r.get("id", Long.class),
                                r.get("hospital_id", Long.class), r.get("department_id", Long.class), Set.of()))
                        .one();
        return principal
                .switchIfEmpty(Mono.error(() -> new ApiException(org.springframework.http.HttpStatus.UNAUTHORIZED,
                        "unauthorized", 1902, "账号不存在或已停用")))
                .flatMap(p -> signIn.signIn(p, "LOGIN_DEMO"));
    }

    @GetMapping("/auth/demo-accounts")
    @Operation(summary = "演示账号列表", description = "仅演示模式：可选择登录的医护人员")
    Flux<DemoAccount> demoAccounts() {
        requireDemo();
        return db.sql("""
                        SELECT s.id, s.name, d.name AS dept, s.roles,
                               (SELECT count(*) FROM follow_up_task t WHERE t.assignee_id = s.id
                                  AND t.status IN ('PENDING', 'IN_PROGRESS')) AS open_tasks
                        FROM staff s JOIN department d ON d.id = s.department_id
                        WHERE s.active ORDER BY d.code, s.employee_no LIMIT 200""")
                .map(r -> new DemoAccount(r.get("id", Long.class), r.get("name", String.class), r.get("dept", String.class),
                        java.util.Arrays.stream(r.get("roles", String[].class)).map(Role::valueOf).toList(),
                        r.get("open_tasks", Long.class)))
                .all();
    }

    @PostMapping("/auth/logout")
    @Operation(summary = "退出登录", description = "令牌立即失效（所有实例）")
    Mono<Void> logout(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Mono.empty();
        }
        return tokens.revoke(authorization.substring(7).trim());
    }

    @GetMapping("/me")
    @Operation(summary = "当前登录者")
    Mono<SignInService.Me> current(@AuthenticationPrincipal Principal principal) {
        return signIn.me(principal);
    }

    private void requireDemo() {
        if (!properties.demo().enabled()) {
            throw ApiException.notFound(1903, "请求的资源不存在");
        }
    }
}
