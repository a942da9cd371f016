package cn.suifang.backend.wecom;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ClusterLock;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import cn.suifang.backend.security.TokenService;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import me.chanjar.weixin.cp.bean.WxCpDepart;
import me.chanjar.weixin.cp.bean.WxCpUser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.annotation.Order;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Staff from WeCom's directory (通讯录). Departments the information department mapped to a Suifang department
 * ({@code department.wecom_department_id}) are read with {@code department/list} and {@code user/list}; each member
 * becomes or updates a staff row (name, department, roles by {@link SuifangProperties.RoleRule}s). Nothing is
 * deleted: a member no longer in any mapped department — only judged when every department could be read — is
 * announced to every {@link WecomContactListener} (the handover takes their patients first) and then deactivated,
 * their tokens revoked and their history kept. As a listener itself ({@code @Order(10)}) it applies WeCom's contact
 * callbacks one member at a time.
 */
@Component
@Order(10)
public class WecomDirectorySync implements WecomContactListener {

    private static final Logger log = LoggerFactory.getLogger(WecomDirectorySync.class);

    /** The built-in rules when none are configured; first match wins. */
    static final List<SuifangProperties.RoleRule> DEFAULT_RULES = List.of(
            new SuifangProperties.RoleRule(List.of("主任"), null, EnumSet.of(Role.DEPARTMENT_HEAD, Role.PHYSICIAN)),
            new SuifangProperties.RoleRule(List.of(), true, EnumSet.of(Role.DEPARTMENT_HEAD, Role.PHYSICIAN)),
            new SuifangProperties.RoleRule(List.of("护"), null, EnumSet.of(Role.NURSE_COORDINATOR)),
            new SuifangProperties.RoleRule(List.of("营养"), null, EnumSet.of(Role.DIETITIAN)),
            new SuifangProperties.RoleRule(List.of("心理"), null, EnumSet.of(Role.PSYCHOLOGIST)),
            new SuifangProperties.RoleRule(List.of("康复"), null, EnumSet.of(Role.REHAB_THERAPIST)),
            new SuifangProperties.RoleRule(List.of("医"), null, EnumSet.of(Role.PHYSICIAN)));

    private final DatabaseClient db;
    private final WecomClient wecom;
    private final TokenService tokens;
    private final AuditService audit;
    private final ObjectProvider<WecomContactListener> listeners;
    private final ClusterLock lock;
    private final SuifangProperties properties;
    private final Clock clock;
    private final JsonMapper json = JsonMapper.builder().build();

    WecomDirectorySync(DatabaseClient db, WecomClient wecom, TokenService tokens, AuditService audit,
                       ObjectProvider<WecomContactListener> listeners, ClusterLock lock,
                       SuifangProperties properties, Clock clock) {
        this.db = db;
        this.wecom = wecom;
        this.tokens = tokens;
        this.audit = audit;
        this.listeners = listeners;
        this.lock = lock;
        this.properties = properties;
        this.clock = clock;
    }

    /** What a run did. */
    public record Report(long runId, String status, int created, int updated, int unchanged, int deactivated,
                         List<String> unmappedDepartments, List<String> ruleMisses, List<String> errors) {
    }

    private record Mapped(long hospitalId, long departmentId) {
    }

    private static final class Tally {
        int created;
        int updated;
        int unchanged;
        int deactivated;
        final List<String> unmapped = Collections.synchronizedList(new ArrayList<>());
        final List<String> misses = Collections.synchronizedList(new ArrayList<>());
        final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    }

    @Scheduled(initialDelayString = "${suifang.scheduler.initial-delay:30s}",
            fixedDelayString = "${suifang.wecom.sync.interval:6h}")
    void scheduled() {
        if (!properties.scheduler().enabled() || !wecom.enabled()) {
            return;
        }
        syncNow("SCHEDULE")
                .onErrorResume(cn.suifang.backend.common.ApiException.class, e -> Mono.empty()) // another instance is on it
                .subscribe(r -> log.info("WeCom directory sync {}: {} created, {} updated, {} deactivated", r.status(),
                        r.created(), r.updated(), r.deactivated()), e -> log.error("WeCom directory sync failed", e));
    }

    /**
     * One full sync, if no other instance is running one (a Redisson lock across the cluster); otherwise a 409 problem.
     * {@code trigger} says who asked (SCHEDULE, ADMIN).
     */
    public Mono<Report> syncNow(String trigger) {
        return lock.runExclusive("wecom-sync", java.time.Duration.ofMinutes(30), Mono.defer(() -> run(trigger)), null)
                .switchIfEmpty(Mono.error(() -> cn.suifang.backend.common.ApiException.conflict(2220, "sync-running",
                        "通讯录同步正在进行中，请稍后查看结果")));
    }

    private Mono<Report> run(String trigger) {
        if (!wecom.enabled()) {
            return Mono.error(new cn.suifang.backend.common.ApiException(org.springframework.http.HttpStatus.SERVICE_UNAVAILABLE,
                    "wecom-not-configured", 2223, "本院尚未配置企业微信，无法同步通讯录"));
        }
        Tally tally = new Tally();
        OffsetDateTime started = OffsetDateTime.now(clock);
        return db.sql("INSERT INTO wecom_sync_run (trigger, status, started_at) VALUES (:t, 'RUNNING', :at) RETURNING id")
                .bind("t", trigger).bind("at", started).map(r -> r.get(0, Long.class)).one()
                .flatMap(runId -> mappings()
                        .flatMap(mapped -> wecom.call("department/list", s -> s.getDepartmentService().list(null))
                                .flatMap(departs -> readMembers(departs, mapped, tally))
                                .flatMap(seen -> apply(seen, tally, started)
                                        .then(Mono.defer(() -> tally.errors.isEmpty()
                                                ? departures(seen.keySet(), tally) : Mono.<Void>empty()))))
                        // deferred: the counts are read when the run is over, not when the pipeline is built
                        .then(Mono.defer(() -> finish(runId, tally.errors.isEmpty() ? "COMPLETED" : "PARTIAL", tally)))
                        .onErrorResume(WecomException.class, e -> {
                            tally.errors.add("department/list: errcode " + e.errcode());
                            return finish(runId, "FAILED", tally);
                        }));
    }

    /** WeCom department id → the Suifang department it is mapped to. */
    private Mono<Map<Long, Mapped>> mappings() {
        return db.sql("SELECT id, hospital_id, wecom_department_id FROM department WHERE wecom_department_id IS NOT NULL")
                .map(r -> Map.entry(r.get("wecom_department_id", Long.class),
                        new Mapped(r.get("hospital_id", Long.class), r.get("id", Long.class))))
                .all().collectMap(Map.Entry::getKey, Map.Entry::getValue);
    }

    /** Members of every mapped department, by user id, with the Suifang department they belong to. */
    private Mono<Map<String, Map.Entry<WxCpUser, Mapped>>> readMembers(List<WxCpDepart> departs, Map<Long, Mapped> mapped,
                                                                        Tally tally) {
        Map<String, Map.Entry<WxCpUser, Mapped>> seen = Collections.synchronizedMap(new LinkedHashMap<>());
        return Flux.fromIterable(departs == null ? List.of() : departs)
                .concatMap(d -> wecom.call("user/list", s -> s.getUserService().listByDepartment(d.getId(), false, 0))
                        .doOnNext(users -> {
                            Mapped target = mapped.get(d.getId());
                            if (target == null) {
                                if (!users.isEmpty()) {
                                    tally.unmapped.add(d.getId() + " " + d.getName());
                                }
                                return;
                            }
                            for (WxCpUser u : users) {
                                // a member in several mapped departments belongs where WeCom says is their main one
                                Map.Entry<WxCpUser, Mapped> previous = seen.get(u.getUserId());
                                if (previous == null || String.valueOf(d.getId()).equals(u.getMainDepartment())) {
                                    seen.put(u.getUserId(), Map.entry(u, target));
                                }
                            }
                        })
                        .onErrorResume(WecomException.class, e -> {
                            tally.errors.add("user/list department " + d.getId() + ": errcode " + e.errcode());
                            return Mono.empty();
                        }))
                .then(Mono.fromSupplier(() -> seen));
    }

    private Mono<Void> apply(Map<String, Map.Entry<WxCpUser, Mapped>> seen, Tally tally, OffsetDateTime at) {
        return Flux.fromIterable(new ArrayList<>(seen.values()))
                .concatMap(e -> upsert(e.getKey(), e.getValue(), tally, at))
                .then();
    }

    /** Creates or updates one member's staff row; never touches a role the rules do not give (ADMIN stays). */
    private Mono<Void> upsert(WxCpUser u, Mapped target, Tally tally, OffsetDateTime at) {
        if (u.getUserId() == null || u.getName() == null) {
            return Mono.empty();
        }
        Set<Role> ruled = roles(u);
        if (ruled == null) {
            tally.misses.add(u.getUserId() + "（" + (u.getPosition() == null ? "无职务" : u.getPosition()) + "）");
        }
        return db.sql("""
                        SELECT id, name, department_id, roles, active FROM staff
                        WHERE hospital_id = :h AND (wecom_user_id = :u OR (wecom_user_id IS NULL AND employee_no = :u))
                        ORDER BY (wecom_user_id = :u) DESC NULLS LAST LIMIT 1""")
                .bind("h", target.hospitalId()).bind("u", u.getUserId())
                .map(r -> new Object[] {r.get("id", Long.class), r.get("name", String.class), r.get("department_id", Long.class),
                        r.get("roles", String[].class), r.get("active", Boolean.class)})
                .one()
                .flatMap(row -> {
                    Set<String> roles = new java.util.TreeSet<>(Arrays.asList((String[]) row[3]));
                    if (ruled != null) {
                        roles.removeIf(r -> !r.equals(Role.ADMIN.name()));
                        ruled.forEach(r -> roles.add(r.name()));
                    }
                    boolean same = u.getName().equals(row[1]) && ((Long) row[2]) == target.departmentId()
                            && roles.equals(new java.util.TreeSet<>(Arrays.asList((String[]) row[3])))
                            && Boolean.TRUE.equals(row[4]);
                    Mono<Void> write = db.sql("""
                                    UPDATE staff SET wecom_user_id = :u, name = :n, department_id = :d, roles = :roles,
                                        active = TRUE, wecom_synced_at = :at, changed_at = now()
                                    WHERE id = :id""")
                            .bind("u", u.getUserId()).bind("n", u.getName()).bind("d", target.departmentId())
                            .bind("roles", roles.toArray(String[]::new)).bind("at", at).bind("id", row[0])
                            .then();
                    // each branch ends in a value: an empty result would read as "no such staff" below
                    if (same) {
                        tally.unchanged++;
                        return db.sql("UPDATE staff SET wecom_synced_at = :at, wecom_user_id = :u WHERE id = :id")
                                .bind("at", at).bind("u", u.getUserId()).bind("id", row[0]).then().thenReturn(true);
                    }
                    tally.updated++;
                    return write.then(audit.record(Principal.SYSTEM, "STAFF_SYNC_UPDATE", "staff", row[0], List.of(), null))
                            .thenReturn(true);
                })
                .switchIfEmpty(Mono.defer(() -> {
                    tally.created++;
                    Set<Role> roles = ruled == null ? Set.of() : ruled;
                    String employeeNo = u.getUserId().length() <= 32 ? u.getUserId() : u.getUserId().substring(0, 32);
                    return db.sql("""
                                    INSERT INTO staff (hospital_id, department_id, employee_no, name, roles, wecom_user_id,
                                        wecom_synced_at)
                                    VALUES (:h, :d, :e, :n, :roles, :u, :at) RETURNING id""")
                            .bind("h", target.hospitalId()).bind("d", target.departmentId()).bind("e", employeeNo)
                            .bind("n", u.getName()).bind("roles", roles.stream().map(Role::name).toArray(String[]::new))
                            .bind("u", u.getUserId()).bind("at", at)
                            .map(r -> r.get(0, Long.class)).one()
                            .flatMap(id -> audit.record(Principal.SYSTEM, "STAFF_SYNC_CREATE", "staff", id, List.of(), null))
                            .thenReturn(true);
                }))
                .then()
                .onErrorResume(org.springframework.dao.DataIntegrityViolationException.class, e -> {
                    tally.errors.add(u.getUserId() + ": 与已有人员冲突（工号或企业微信账号重复）");
                    return Mono.empty();
                });
    }

    /** The roles the first matching rule gives, or null when no rule matches. */
    Set<Role> roles(WxCpUser u) {
        List<SuifangProperties.RoleRule> rules = properties.wecom().sync().roleRules().isEmpty()
                ? DEFAULT_RULES : properties.wecom().sync().roleRules();
        String position = u.getPosition() == null ? "" : u.getPosition();
        boolean leader = u.getIsLeaderInDept() != null && Arrays.stream(u.getIsLeaderInDept()).anyMatch(i -> i != null && i == 1);
        for (SuifangProperties.RoleRule rule : rules) {
            boolean positionOk = rule.positionContains().isEmpty() || rule.positionContains().stream().anyMatch(position::contains);
            boolean leaderOk = rule.leader() == null || rule.leader() == leader;
            if (positionOk && leaderOk && !(rule.positionContains().isEmpty() && rule.leader() == null)) {
                return EnumSet.copyOf(rule.roles());
            }
        }
        return null;
    }

    /** Synced members WeCom no longer lists: every listener hears memberDeleted (handover first, then deactivation). */
    private Mono<Void> departures(Set<String> seen, Tally tally) {
        return db.sql("SELECT wecom_user_id FROM staff WHERE active AND wecom_synced_at IS NOT NULL AND wecom_user_id IS NOT NULL")
                .map(r -> r.get(0, String.class)).all()
                .filter(u -> !seen.contains(u))
                // the provider leaves this bean out (Spring skips self-references): it deactivates after the others
                .concatMap(u -> Flux.fromStream(listeners.orderedStream()).concatMap(l -> l.memberDeleted(u))
                        .then(memberDeleted(u))
                        .doOnSuccess(v -> tally.deactivated++)
                        .onErrorResume(e -> {
                            tally.errors.add(u + ": 离职交接未完成（" + e.getClass().getSimpleName() + "），下次同步重试");
                            return Mono.empty();
                        }))
                .then();
    }

    private Mono<Report> finish(long runId, String status, Tally t) {
        return db.sql("""
                        UPDATE wecom_sync_run SET status = :st, created = :c, updated = :u, unchanged = :n, deactivated = :d,
                            unmapped_departments = CAST(:unmapped AS JSONB), rule_misses = CAST(:misses AS JSONB),
                            errors = CAST(:errors AS JSONB), finished_at = :at
                        WHERE id = :id""")
                .bind("st", status).bind("c", t.created).bind("u", t.updated).bind("n", t.unchanged).bind("d", t.deactivated)
                .bind("unmapped", json.writeValueAsString(t.unmapped)).bind("misses", json.writeValueAsString(t.misses))
                .bind("errors", json.writeValueAsString(t.errors)).bind("at", OffsetDateTime.now(clock)).bind("id", runId)
                .then()
                .then(audit.record(Principal.SYSTEM, "WECOM_SYNC", "wecom_sync_run", runId, List.of(), status))
                .thenReturn(new Report(runId, status, t.created, t.updated, t.unchanged, t.deactivated, List.copyOf(t.unmapped),
                        List.copyOf(t.misses), List.copyOf(t.errors)));
    }

    // ------------------------------------------------------------------ callbacks, one member at a time

    @Override
    public Mono<Void> memberChanged(String userId) {
        Tally tally = new Tally();
        return mappings().flatMap(mapped -> wecom.call("user/get", s -> s.getUserService().getById(userId))
                .flatMap(u -> {
                    Long main = parse(u.getMainDepartment());
                    Mapped target = main != null && mapped.containsKey(main) ? mapped.get(main)
                            : u.getDepartIds() == null ? null : Arrays.stream(u.getDepartIds()).map(mapped::get)
                                    .filter(java.util.Objects::nonNull).findFirst().orElse(null);
                    return target == null ? Mono.<Void>empty() : upsert(u, target, tally, OffsetDateTime.now(clock));
                })
                // gone again before we asked, or not visible to the app: nothing to do; busy WeCom: fail, WeCom re-delivers
                .onErrorResume(WecomException.class, e -> e.isTransient() ? Mono.error(e) : Mono.empty()));
    }

    /**
     * The department tree changed: a full sync in the background (WeCom wants its answer within seconds), where
     * background jobs run at all ({@code suifang.scheduler.enabled}).
     */
    @Override
    public Mono<Void> departmentsChanged() {
        if (!properties.scheduler().enabled()) {
            return Mono.empty();
        }
        syncNow("CALLBACK").subscribe(r -> { }, e -> log.info("sync after a department change not run now: {}",
                e.getClass().getSimpleName()));
        return Mono.empty();
    }

    @Override
    public Mono<Void> memberDeleted(String userId) {
        return db.sql("UPDATE staff SET active = FALSE, changed_at = now() WHERE wecom_user_id = :u AND active RETURNING id")
                .bind("u", userId).map(r -> r.get(0, Long.class)).one()
                .flatMap(id -> tokens.revokeAll(Principal.ActorType.STAFF, id)
                        .then(audit.record(Principal.SYSTEM, "STAFF_DEACTIVATE", "staff", id, List.of(), "left WeCom")))
                .then();
    }

    private static Long parse(String s) {
        try {
            return s == null ? null : Long.valueOf(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The last runs, newest first. */
    public Flux<Map<String, Object>> recentRuns(int limit) {
        return db.sql("SELECT * FROM wecom_sync_run ORDER BY id DESC LIMIT :l").bind("l", limit)
                .map(r -> {
                    Map<String, Object> m = new HashMap<>();
                    for (String c : List.of("id", "trigger", "status", "created", "updated", "unchanged", "deactivated")) {
                        m.put(c, r.get(c));
                    }
                    m.put("unmappedDepartments", json.readTree(r.get("unmapped_departments", String.class)));
                    m.put("ruleMisses", json.readTree(r.get("rule_misses", String.class)));
                    m.put("errors", json.readTree(r.get("errors", String.class)));
                    m.put("startedAt", r.get("started_at", OffsetDateTime.class));
                    m.put("finishedAt", r.get("finished_at", OffsetDateTime.class));
                    return m;
                })
                .all();
    }
}
