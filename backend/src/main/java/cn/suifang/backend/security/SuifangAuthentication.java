package cn.suifang.backend.security;

import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** An authenticated bearer token; the principal is our {@link Principal}. */
final class SuifangAuthentication extends AbstractAuthenticationToken {

    private final Principal principal;

    SuifangAuthentication(Principal principal) {
        super(principal.roles().stream().map(r -> new SimpleGrantedAuthority("ROLE_" + r.name())).toList());
        this.principal = principal;
        setAuthenticated(true);
    }

    @Override
    public Object getCredentials() {
        return "";
    }

    @Override
    public Principal getPrincipal() {
        return principal;
    }

    static final class Bearer extends AbstractAuthenticationToken {
        private final String token;

        Bearer(String token) {
            super(List.of());
            this.token = token;
        }

        @Override
        public Object getCredentials() {
            return token;
        }

        @Override
        public Object getPrincipal() {
            return "bearer";
        }
    }
}
