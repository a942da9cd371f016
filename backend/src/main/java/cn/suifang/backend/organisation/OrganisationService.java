package cn.suifang.backend.organisation;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.Rows;
import cn.suifang.backend.crypto.Identifiers;
import cn.suifang.backend.crypto.Masking;
import cn.suifang.backend.crypto.PiiCipher;
import cn.suifang.backend.crypto.PiiCipher.PiiField;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import io.r2dbc.spi.Readable;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Hospital, departments, staff and care teams (MDT). */
@Service
public class OrganisationService {

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final PiiCipher cipher;
    private final AuditService audit;

    OrganisationService(DatabaseClient db, TransactionalOperator tx, PiiCipher cipher, AuditService audit) {
        this.db = db;
        this.tx = tx;
        this.cipher = cipher;
        this.audit = audit;
    }

    public record Department(long id, String code, String name, String callerId) {
    }

    public record Staff(long id, String employeeNo, String name, long departmentId, String departmentName,
                        Set<Role> roles, String phoneMasked, String wecomUserId, boolean active) {
    }

    public record CareTeamMember(long staffId, String name, Role role) {
    }

    public record CareTeam(long id, long departmentId, String name, List<CareTeamMember> members) {
    }

    public record NewStaff(String employeeNo, String name, String departmentCode, Set<Role> roles, String phone,
                           String wecomUserId) {
    }

    /** Principal for a staff member, as sign-in builds it; empty when unknown or inactive. */
    public Mono<Principal> principalOf(long staffId) {
        return db.sql("SELECT id, hospital_id, department_id, roles FROM staff WHERE id = :id AND active")
                .bind("id", staffId)
                .map(r -> new Principal(Principal.ActorType.STAFF, r.get("id", Long.class),
                        r.get("hospital_id", Long.class), r.get("department_id", Long.class), roles(r)))
                .one();
    }

    public Flux<Department> departments(long hospitalId) {
        return db.sql("SELECT id, code, name, caller_id FROM department WHERE hospital_id = :h ORDER BY code")
                .bind("h", hospitalId)
                .map(OrganisationService::departmentOf)
                .all();
    }

    public Mono<Department> departmentByCode(long hospitalId, String code) {
        return db.sql("SELECT id, code, name, caller_id FROM department WHERE hospital_id = :h AND code = :c")
                .bind("h", hospitalId).bind("c", code)
                .map(OrganisationService::departmentOf)
                .one();
    }

    public Flux<Staff> staff(Principal principal, Long departmentId) {
        principal.requireStaff();
        if (!principal.has(Role.ADMIN) && !principal.head()) {
            throw ApiException.forbidden(1201, "仅管理员或科室主任可查看人员名单");
        }
        Long scope = principal.has(Role.ADMIN) ? departmentId : Long.valueOf(principal.departmentId());
        return db.sql("""
                        SELECT s.*, d.name AS department_name FROM staff s JOIN department d ON d.id = s.department_id
                        WHERE s.hospital_id = :h AND (CAST(:dept AS BIGINT) IS NULL OR s.department_id = :dept)
                        ORDER BY s.department_id, s.employee_no""")
                .bind("h", principal.hospitalId())
                .bind("dept", Rows.param(scope, Long.class))
                .map(this::staffOf)
                .all();
    }

    public Mono<Staff> createStaff(Principal principal, NewStaff s) {
        principal.requireRole(Role.ADMIN);
        String phone = s.phone() == null || s.phone().isBlank() ? null
                : Identifiers.normalisePhone(s.phone()).orElseThrow(() ->
                        ApiException.badRequest(1202, "phone", "手机号码无效：请填写11位手机号或带区号的固定电话"));
        Mono<Staff> work = departmentByCode(principal.hospitalId(), s.departmentCode())
                .switchIfEmpty(Mono.error(() -> ApiException.badRequest(1203, "departmentCode",
                        "科室编码不存在：" + s.departmentCode())))
                .flatMap(dept -> db.sql("""
                                INSERT INTO staff (hospital_id, department_id, employee_no, name, roles, phone_enc,
                                                   phone_bidx, wecom_user_id, created_by)
                                VALUES (:h, :d, :no, :name, :roles, :penc, :pidx, :wecom, :by)
                                ON CONFLICT (hospital_id, employee_no) DO NOTHING
                                RETURNING id""")
                        .bind("h", principal.hospitalId())
                        .bind("d", dept.id())
                        .bind("no", s.employeeNo())
                        .bind("name", s.name())
                        .bind("roles", s.roles().stream().map(Enum::name).sorted().toArray(String[]::new))
                        .bind("penc", Rows.param(cipher.encrypt(PiiField.STAFF_PHONE, phone), byte[].class))
                        .bind("pidx", Rows.param(cipher.blindIndex(PiiField.STAFF_PHONE, phone), byte[].class))
                        .bind("wecom", Rows.param(s.wecomUserId(), String.class))
                        .bind("by", principal.id())
                        .map(r -> r.get("id", Long.class))
                        .one()
                        .switchIfEmpty(Mono.error(() -> ApiException.conflict(1204, "duplicate-staff",
                                "工号已存在：" + s.employeeNo()))))
                .flatMap(id -> audit.record(principal, "STAFF_CREATE", "staff", id, List.of(), null)
                        .then(staffById(principal.hospitalId(), id)));
        return tx.transactional(work);
    }

    Mono<Staff> staffById(long hospitalId, long id) {
        return db.sql("""
                        SELECT s.*, d.name AS department_name FROM staff s JOIN department d ON d.id = s.department_id
                        WHERE s.hospital_id = :h AND s.id = :id""")
                .bind("h", hospitalId).bind("id", id)
                .map(this::staffOf)
                .one();
    }

    /** The staff member's own phone in clear, for call-back dialling only (telephony). */
    public Mono<String> staffPhone(long staffId) {
        return db.sql("SELECT phone_enc FROM staff WHERE id = :id")
                .bind("id", staffId)
                .map(r -> java.util.Optional.ofNullable(r.get("phone_enc", byte[].class)))
                .one()
                .flatMap(o -> Mono.justOrEmpty(o.map(b -> cipher.decrypt(PiiField.STAFF_PHONE, b))));
    }

    public Flux<CareTeam> careTeams(Principal principal, Long departmentId) {
        principal.requireStaff();
        Long scope = principal.has(Role.ADMIN) ? departmentId : Long.valueOf(principal.departmentId());
        return db.sql("""
                        SELECT t.id, t.department_id, t.name, m.staff_id, m.role, s.name AS staff_name
                        FROM care_team t
                        JOIN department d ON d.id = t.department_id
                        LEFT JOIN care_team_member m ON m.care_team_id = t.id
                        LEFT JOIN staff s ON s.id = m.staff_id
                        WHERE d.hospital_id = :h AND t.active
                          AND (CAST(:dept AS BIGINT) IS NULL OR t.department_id = :dept
                               OR (:own AND t.id IN (SELECT care_team_id FROM care_team_member WHERE staff_id = :me)))
                        ORDER BY t.id, m.role, s.name""")
                .bind("h", principal.hospitalId())
                .bind("dept", Rows.param(scope, Long.class))
                .bind("own", !principal.has(Role.ADMIN))
                .bind("me", principal.id())
                .map(r -> new Object[] {r.get("id", Long.class), r.get("department_id", Long.class),
                        r.get("name", String.class), r.get("staff_id", Long.class), r.get("role", String.class),
                        r.get("staff_name", String.class)})
                .all()
                .bufferUntilChanged(row -> row[0])
                .map(rows -> new CareTeam((Long) rows.get(0)[0], (Long) rows.get(0)[1], (String) rows.get(0)[2],
                        rows.stream().filter(row -> row[3] != null)
                                .map(row -> new CareTeamMember((Long) row[3], (String) row[5], Role.valueOf((String) row[4])))
                                .toList()));
    }

    public Mono<CareTeam> createCareTeam(Principal principal, String departmentCode, String name) {
        return departmentByCode(principal.hospitalId(), departmentCode)
                .switchIfEmpty(Mono.error(() -> ApiException.badRequest(1205, "departmentCode",
                        "科室编码不存在：" + departmentCode)))
                .flatMap(dept -> {
                    requireTeamManager(principal, dept.id());
                    return tx.transactional(db.sql("""
                                    INSERT INTO care_team (department_id, name, created_by) VALUES (:d, :n, :by)
                                    ON CONFLICT (department_id, name) DO NOTHING RETURNING id""")
                            .bind("d", dept.id()).bind("n", name).bind("by", principal.id())
                            .map(r -> r.get("id", Long.class)).one()
                            .switchIfEmpty(Mono.error(() -> ApiException.conflict(1206, "duplicate-care-team",
                                    "该科室已有同名随访团队：" + name)))
                            .flatMap(id -> audit.record(principal, "CARE_TEAM_CREATE", "care_team", id, List.of(), name)
                                    .thenReturn(new CareTeam(id, dept.id(), name, List.of()))));
                });
    }

    public Mono<Void> addMember(Principal principal, long teamId, long staffId, Role role) {
        if (role == Role.ADMIN) {
            throw ApiException.badRequest(1207, "role", "随访团队成员角色须为临床角色");
        }
        Mono<Void> work = db.sql("""
                        SELECT t.department_id FROM care_team t JOIN department d ON d.id = t.department_id
                        WHERE t.id = :t AND d.hospital_id = :h""")
                .bind("t", teamId).bind("h", principal.hospitalId())
                .map(r -> r.get(0, Long.class)).one()
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(1208, "随访团队不存在")))
                .doOnNext(dept -> requireTeamManager(principal, dept))
                .then(staffById(principal.hospitalId(), staffId)
                        .switchIfEmpty(Mono.error(() -> ApiException.badRequest(1209, "staffId", "人员不存在"))))
                .flatMap(staff -> {
                    if (!staff.roles().contains(role)) {
                        return Mono.error(ApiException.badRequest(1210, "role",
                                staff.name() + " 没有" + role.label() + "角色，不能以该角色加入团队"));
                    }
                    return db.sql("""
                                    INSERT INTO care_team_member (care_team_id, staff_id, role) VALUES (:t, :s, :r)
                                    ON CONFLICT DO NOTHING""")
                            .bind("t", teamId).bind("s", staffId).bind("r", role.name())
                            .then();
                })
                .then(audit.record(principal, "CARE_TEAM_MEMBER_ADD", "care_team", teamId, List.of(),
                        "staff=" + staffId + " role=" + role));
        return tx.transactional(work);
    }

    private static void requireTeamManager(Principal principal, long departmentId) {
        boolean allowed = principal.has(Role.ADMIN)
                || (principal.head() && principal.departmentId() == departmentId);
        if (!allowed) {
            throw ApiException.forbidden(1211, "仅管理员或本科室主任可管理随访团队");
        }
    }

    private Staff staffOf(Readable r) {
        byte[] phone = r.get("phone_enc", byte[].class);
        return new Staff(r.get("id", Long.class), r.get("employee_no", String.class), r.get("name", String.class),
                r.get("department_id", Long.class), r.get("department_name", String.class), roles(r),
                phone == null ? null : Masking.phone(cipher.decrypt(PiiField.STAFF_PHONE, phone)),
                r.get("wecom_user_id", String.class), Boolean.TRUE.equals(r.get("active", Boolean.class)));
    }

    private static Department departmentOf(Readable r) {
        return new Department(r.get("id", Long.class), r.get("code", String.class), r.get("name", String.class),
                r.get("caller_id", String.class));
    }

    static Set<Role> roles(Readable r) {
        String[] roles = r.get("roles", String[].class);
        return roles == null || roles.length == 0 ? Set.of()
                : Set.copyOf(Arrays.stream(roles).map(Role::valueOf)
                        .collect(Collectors.toCollection(() -> EnumSet.noneOf(Role.class))));
    }
}
