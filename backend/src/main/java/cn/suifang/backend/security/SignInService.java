package cn.suifang.backend.security;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.SuifangProperties;
import java.util.List;
import java.util.Set;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;

/** What every way of signing in ends with: a bearer token for the principal, who they are, and the audit row. */
@Service
public class SignInService {

    private final TokenService tokens;
    private final SuifangProperties properties;
    private final DatabaseClient db;
    private final AuditService audit;

    SignInService(TokenService tokens, SuifangProperties properties, DatabaseClient db, AuditService audit) {
        this.tokens = tokens;
        this.properties = properties;
        this.db = db;
        this.audit = audit;
    }

    public record TokenResponse(String token, String tokenType, long expiresInSeconds, Me me) {
    }

    public record Me(String type, long id, long hospitalId, long departmentId, Set<Role> roles, String name) {
    }

    /** Issues the token and audits the sign-in as {@code action} (LOGIN_DEMO, LOGIN_WECOM …). */
    public Mono<TokenResponse> signIn(Principal p, String action) {
        return tokens.issue(p).flatMap(token -> me(p).flatMap(me ->
                audit.record(p, action, p.type().name().toLowerCase(), p.id(),
                                p.type() == Principal.ActorType.PATIENT ? List.of(p.id()) : List.of(), null)
                        .thenReturn(new TokenResponse(token, "Bearer", properties.security().tokenTtl().toSeconds(), me))));
    }

    public Mono<Me> me(Principal p) {
        if (p.type() != Principal.ActorType.PATIENT && p.type() != Principal.ActorType.STAFF) {
            return Mono.just(new Me(p.type().name(), p.id(), p.hospitalId(), p.departmentId(), p.roles(), ""));
        }
        String table = p.type() == Principal.ActorType.PATIENT ? "patient" : "staff";
        return db.sql("SELECT name FROM " + table + " WHERE id = :id").bind("id", p.id())
                .map(r -> r.get(0, String.class)).one().defaultIfEmpty("")
                .map(name -> new Me(p.type().name(), p.id(), p.hospitalId(), p.departmentId(), p.roles(), name));
    }
}
