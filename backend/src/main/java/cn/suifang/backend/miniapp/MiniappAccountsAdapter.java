package cn.suifang.backend.miniapp;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.crypto.Identifiers;
import cn.suifang.backend.crypto.Masking;
import cn.suifang.backend.crypto.PiiCipher;
import cn.suifang.backend.crypto.PiiCipher.PiiField;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.TokenService;
import cn.suifang.miniapp.Caller;
import cn.suifang.miniapp.port.MiniappAccounts;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.security.core.context.ReactiveSecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/**
 * Mini-program accounts and bindings on the backend's tables: the openid is stored encrypted and found by its blind
 * index; a session is an ordinary bearer token whose principal is the account (MINIAPP), which reaches a patient only
 * through an ACTIVE binding. Matching a patient never says which fact was wrong.
 */
@Component
class MiniappAccountsAdapter implements MiniappAccounts {

    private static final String BINDING_SELECT = """
            SELECT b.*, p.name AS patient_name, d.name AS department_name FROM patient_binding b
            JOIN patient p ON p.id = b.patient_id JOIN department d ON d.id = p.department_id
            """;

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final PiiCipher cipher;
    private final TokenService tokens;
    private final AuditService audit;
    private final Clock clock;

    MiniappAccountsAdapter(DatabaseClient db, TransactionalOperator tx, PiiCipher cipher, TokenService tokens,
                           AuditService audit, Clock clock) {
        this.db = db;
        this.tx = tx;
        this.cipher = cipher;
        this.tokens = tokens;
        this.audit = audit;
        this.clock = clock;
    }

    static Principal account(long accountId) {
        return new Principal(Principal.ActorType.MINIAPP, accountId, 0, 0, Set.of());
    }

    @Override
    public Mono<SignedIn> signIn(String openid) {
        return db.sql("""
                        INSERT INTO miniapp_account (openid_enc, openid_bidx) VALUES (:enc, :bidx)
                        ON CONFLICT (openid_bidx) DO UPDATE SET last_seen_at = now()
                        RETURNING id""")
                .bind("enc", cipher.encrypt(PiiField.MINIAPP_OPENID, openid))
                .bind("bidx", cipher.blindIndex(PiiField.MINIAPP_OPENID, openid))
                .map(r -> r.get("id", Long.class)).one()
                .flatMap(id -> tokens.issue(account(id))
                        .flatMap(token -> db.sql("SELECT count(*) FROM patient_binding WHERE account_id = :a AND status = 'ACTIVE'")
                                .bind("a", id).map(r -> r.get(0, Long.class)).one()
                                .flatMap(n -> audit.record(account(id), "LOGIN_MINIAPP", "miniapp_account", id, List.of(), null)
                                        .thenReturn(new SignedIn(id, token, n.intValue())))));
    }

    @Override
    public Mono<Long> currentAccount() {
        return ReactiveSecurityContextHolder.getContext()
                .map(ctx -> ctx.getAuthentication() == null ? null : ctx.getAuthentication().getPrincipal())
                .filter(p -> p instanceof Principal pr && pr.type() == Principal.ActorType.MINIAPP)
                .map(p -> ((Principal) p).id())
                .switchIfEmpty(Mono.error(() -> ApiException.forbidden(2711, "该接口仅供随访小程序使用，请在小程序中登录")));
    }

    @Override
    public Mono<String> openid(long accountId) {
        return db.sql("SELECT openid_enc FROM miniapp_account WHERE id = :id").bind("id", accountId)
                .map(r -> cipher.decrypt(PiiField.MINIAPP_OPENID, r.get("openid_enc", byte[].class))).one();
    }

    @Override
    public Mono<Bindings> bindings(long accountId) {
        Mono<List<BindingView>> mine = db.sql(BINDING_SELECT + " WHERE b.account_id = :a AND b.status <> 'REVOKED' ORDER BY b.id")
                .bind("a", accountId).map(MiniappAccountsAdapter::view).all().collectList();
        Mono<List<BindingView>> waiting = db.sql(BINDING_SELECT + """
                         WHERE b.kind = 'PROXY' AND b.status = 'PENDING' AND b.patient_id IN (
                            SELECT s.patient_id FROM patient_binding s
                            WHERE s.account_id = :a AND s.kind = 'SELF' AND s.status = 'ACTIVE')
                        ORDER BY b.id""")
                .bind("a", accountId).map(MiniappAccountsAdapter::view).all().collectList();
        return mine.zipWith(waiting, Bindings::new);
    }

    @Override
    public Mono<BindingView> bindSelf(long accountId, String phone, String name, String idCardLast4) {
        return match(phone, name, idCardLast4, false)
                .flatMap(patientId -> tx.transactional(existing(accountId, patientId)
                        .switchIfEmpty(Mono.defer(() -> db.sql("""
                                        UPDATE patient_binding SET status = 'REVOKED', revoked_at = :now, revoked_reason = 'REPLACED'
                                        WHERE patient_id = :p AND kind = 'SELF' AND status = 'ACTIVE' AND account_id <> :a""")
                                .bind("p", patientId).bind("a", accountId).bind("now", OffsetDateTime.now(clock)).then()
                                .then(insert(accountId, patientId, "SELF", null, "ACTIVE"))
                                .flatMap(id -> audit.record(account(accountId), "MINIAPP_BIND", "patient_binding", id,
                                        List.of(patientId), "SELF").thenReturn(id))
                                .flatMap(this::byId)))));
    }

    @Override
    public Mono<BindingView> requestProxy(long accountId, String patientPhone, String name, String idCardLast4,
                                          String relation) {
        return match(patientPhone, name, idCardLast4, true)
                .flatMap(patientId -> tx.transactional(existing(accountId, patientId)
                        .switchIfEmpty(Mono.defer(() -> insert(accountId, patientId, "PROXY", relation, "PENDING")
                                .flatMap(id -> audit.record(account(accountId), "MINIAPP_PROXY_REQUEST", "patient_binding", id,
                                        List.of(patientId), relation).thenReturn(id))
                                .flatMap(this::byId)))));
    }

    @Override
    public Mono<BindingView> approveProxy(long accountId, long proxyBindingId) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        return tx.transactional(db.sql("""
                        SELECT b.patient_id, s.id AS self_id FROM patient_binding b
                        JOIN patient_binding s ON s.patient_id = b.patient_id AND s.kind = 'SELF' AND s.status = 'ACTIVE'
                             AND s.account_id = :a
                        WHERE b.id = :id AND b.kind = 'PROXY' AND b.status = 'PENDING' FOR UPDATE OF b""")
                .bind("id", proxyBindingId).bind("a", accountId)
                .map(r -> new long[] {r.get("patient_id", Long.class), r.get("self_id", Long.class)}).one()
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(2713, "没有等待您同意的这条家属代办申请")))
                .flatMap(row -> db.sql("""
                                UPDATE patient_binding SET status = 'ACTIVE', consent_by = 'PATIENT', consent_by_id = :self,
                                    consented_at = :now WHERE id = :id""")
                        .bind("id", proxyBindingId).bind("self", row[1]).bind("now", now).then()
                        .then(audit.record(new Principal(Principal.ActorType.PATIENT, row[0], 0, 0, Set.of()),
                                "PROXY_CONSENT", "patient_binding", proxyBindingId, List.of(row[0]), "by patient in mini-program"))))
                .then(Mono.defer(() -> byId(proxyBindingId)));
    }

    @Override
    public Mono<Void> unbind(long accountId, long bindingId) {
        return tx.transactional(db.sql("""
                        UPDATE patient_binding b SET status = 'REVOKED', revoked_at = :now,
                            revoked_reason = CASE WHEN b.account_id = :a THEN 'BY_ACCOUNT' ELSE 'BY_PATIENT' END
                        WHERE b.id = :id AND b.status <> 'REVOKED' AND (b.account_id = :a OR (b.kind = 'PROXY' AND EXISTS (
                            SELECT 1 FROM patient_binding s WHERE s.patient_id = b.patient_id AND s.kind = 'SELF'
                              AND s.status = 'ACTIVE' AND s.account_id = :a)))
                        RETURNING b.patient_id""")
                .bind("id", bindingId).bind("a", accountId).bind("now", OffsetDateTime.now(clock))
                .map(r -> r.get("patient_id", Long.class)).one()
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(2714, "绑定不存在或已解除")))
                .flatMap(patientId -> audit.record(account(accountId), "MINIAPP_UNBIND", "patient_binding", bindingId,
                        List.of(patientId), null)));
    }

    @Override
    public Mono<Subscription> subscribe(long accountId, String kind, boolean accepted, boolean longTerm) {
        return db.sql("""
                        INSERT INTO miniapp_subscription (account_id, template, credits, long_term, updated_at)
                        VALUES (:a, :t, CASE WHEN :ok THEN 1 ELSE 0 END, :ok AND :lt, :now)
                        ON CONFLICT (account_id, template) DO UPDATE SET
                            credits = CASE WHEN :ok THEN LEAST(miniapp_subscription.credits + 1, 100) ELSE 0 END,
                            long_term = CASE WHEN :ok THEN miniapp_subscription.long_term OR :lt ELSE FALSE END,
                            updated_at = :now
                        RETURNING credits, long_term""")
                .bind("a", accountId).bind("t", kind).bind("ok", accepted).bind("lt", longTerm)
                .bind("now", OffsetDateTime.now(clock))
                .map(r -> new Subscription(kind, r.get("credits", Integer.class), Boolean.TRUE.equals(r.get("long_term", Boolean.class))))
                .one();
    }

    @Override
    public Mono<Caller> caller(long accountId, Long bindingId) {
        return db.sql("SELECT id, patient_id, kind FROM patient_binding WHERE account_id = :a AND status = 'ACTIVE' ORDER BY id")
                .bind("a", accountId)
                .map(r -> new Caller(accountId, r.get("id", Long.class), r.get("patient_id", Long.class),
                        "PROXY".equals(r.get("kind", String.class))))
                .all().collectList()
                .flatMap(active -> {
                    if (bindingId != null) {
                        return Mono.justOrEmpty(active.stream().filter(c -> c.bindingId() == bindingId).findFirst())
                                .switchIfEmpty(Mono.error(() -> ApiException.notFound(2717, "绑定不存在或尚未生效")));
                    }
                    if (active.isEmpty()) {
                        return Mono.error(new ApiException(HttpStatus.FORBIDDEN, "not-bound", 2715,
                                "请先绑定就诊信息（本人绑定，或家属代办经患者同意后）"));
                    }
                    if (active.size() > 1) {
                        return Mono.error(ApiException.badRequest(2716, "X-Suifang-Binding",
                                "您绑定了多位患者，请选择为哪一位操作"));
                    }
                    return Mono.just(active.get(0));
                });
    }

    /**
     * The one discharged patient with this phone whose name or ID-card tail matches ({@code both}: name and tail). No
     * match, or several, is the same refusal: the form must not tell who is a patient.
     */
    private Mono<Long> match(String rawPhone, String name, String idCardLast4, boolean both) {
        String phone = Identifiers.normalisePhone(rawPhone).orElse(null);
        if (phone == null) {
            return Mono.error(notMatched());
        }
        return db.sql("""
                        SELECT p.id, p.name, p.id_card_enc FROM patient p
                        WHERE p.phone_bidx = :bidx AND NOT p.voided
                          AND EXISTS (SELECT 1 FROM encounter e WHERE e.patient_id = p.id AND NOT e.voided)""")
                .bind("bidx", cipher.blindIndex(PiiField.PATIENT_PHONE, phone))
                .map(r -> new Object[] {r.get("id", Long.class), r.get("name", String.class), r.get("id_card_enc", byte[].class)})
                .all()
                .filter(row -> {
                    boolean nameOk = name != null && name.equals(row[1]);
                    String idCard = row[2] == null ? null : cipher.decrypt(PiiField.PATIENT_ID_CARD, (byte[]) row[2]);
                    boolean tailOk = idCardLast4 != null && idCard != null && idCard.toUpperCase().endsWith(idCardLast4);
                    return both ? nameOk && tailOk : nameOk || tailOk;
                })
                .map(row -> (Long) row[0])
                .collectList()
                .flatMap(ids -> ids.size() == 1 ? Mono.just(ids.get(0)) : Mono.error(notMatched()));
    }

    private static ApiException notMatched() {
        return new ApiException(HttpStatus.FORBIDDEN, "binding-not-matched", 2712,
                "未找到与所填信息相符的出院患者。请核对手机号（须为住院时登记的号码）、姓名或身份证号后4位；仍有问题请联系随访护士");
    }

    private Mono<BindingView> existing(long accountId, long patientId) {
        return db.sql(BINDING_SELECT + " WHERE b.account_id = :a AND b.patient_id = :p AND b.status <> 'REVOKED'")
                .bind("a", accountId).bind("p", patientId).map(MiniappAccountsAdapter::view).one();
    }

    private Mono<Long> insert(long accountId, long patientId, String kind, String relation, String status) {
        return db.sql("""
                        INSERT INTO patient_binding (account_id, patient_id, kind, relation, status, created_at)
                        VALUES (:a, :p, :kind, :rel, :status, :now) RETURNING id""")
                .bind("a", accountId).bind("p", patientId).bind("kind", kind)
                .bind("rel", cn.suifang.backend.common.Rows.param(relation, String.class)).bind("status", status)
                .bind("now", OffsetDateTime.now(clock))
                .map(r -> r.get("id", Long.class)).one();
    }

    private Mono<BindingView> byId(long id) {
        return db.sql(BINDING_SELECT + " WHERE b.id = :id").bind("id", id).map(MiniappAccountsAdapter::view).one();
    }

    static String relationLabel(String relation) {
        if (relation == null) {
            return "本人";
        }
        return switch (relation) {
            case "SPOUSE" -> "配偶";
            case "CHILD" -> "子女";
            case "PARENT" -> "父母";
            case "SIBLING" -> "兄弟姐妹";
            default -> "其他亲属";
        };
    }

    private static BindingView view(io.r2dbc.spi.Readable r) {
        String status = r.get("status", String.class);
        return new BindingView(r.get("id", Long.class), r.get("kind", String.class), r.get("relation", String.class),
                relationLabel(r.get("relation", String.class)), status,
                switch (status) {
                    case "ACTIVE" -> "已生效";
                    case "PENDING" -> "等待患者同意";
                    default -> "已解除";
                },
                Masking.name(r.get("patient_name", String.class)), r.get("department_name", String.class),
                r.get("created_at", OffsetDateTime.class));
    }
}
