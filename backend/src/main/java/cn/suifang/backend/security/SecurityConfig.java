package cn.suifang.backend.security;

import java.nio.charset.StandardCharsets;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.authentication.ServerAuthenticationEntryPointFailureHandler;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.util.matcher.NegatedServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Stateless bearer-token security. Every /api/** route needs a token except sign-in; failures look
 * the same whatever the reason (missing, malformed, expired, revoked), as a 401 problem.
 * {@value #CDR_PATH} is machine to machine (FreeSWITCH's mod_json_cdr, HTTP Basic): it takes no staff token
 * and checks its own credentials ({@code cn.suifang.backend.call.CdrController}).
 */
@Configuration
@EnableWebFluxSecurity
class SecurityConfig {

    static final String UNAUTHORIZED_BODY = """
            {"type":"/problems/unauthorized","title":"未登录或登录已过期","status":401,\
            "detail":"请重新登录后再试","code":"SF-1100"}""";

    static final String CDR_PATH = "/api/telephony/cdr";
    /** WeCom's callbacks: authenticated by msg_signature (Token) and the AES key, checked by WecomCallbackController. */
    static final String WECOM_CALLBACK_PATH = "/api/wecom/callback";
    /** Mini-program sign-in: a wx.login code, checked with WeChat by the mini-program module. */
    static final String MINIAPP_SIGN_IN_PATH = "/api/mp/session";

    @Bean
    SecurityWebFilterChain securityWebFilterChain(ServerHttpSecurity http, TokenService tokens) {
        ServerAuthenticationEntryPoint entryPoint = SecurityConfig::unauthorized;
        AuthenticationWebFilter bearer = new AuthenticationWebFilter(authenticationManager(tokens));
        bearer.setServerAuthenticationConverter(SecurityConfig::bearerToken);
        bearer.setAuthenticationFailureHandler(new ServerAuthenticationEntryPointFailureHandler(entryPoint));
        bearer.setSecurityContextRepository(NoOpServerSecurityContextRepository.getInstance());
        // a client still holding an expired token must be able to sign in again
        bearer.setRequiresAuthenticationMatcher(new NegatedServerWebExchangeMatcher(
                ServerWebExchangeMatchers.pathMatchers("/api/auth/**", CDR_PATH, WECOM_CALLBACK_PATH, MINIAPP_SIGN_IN_PATH)));

        return http
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .requestCache(ServerHttpSecurity.RequestCacheSpec::disable)
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .addFilterAt(bearer, SecurityWebFiltersOrder.AUTHENTICATION)
                .authorizeExchange(ex -> ex
                        .pathMatchers("/api/auth/**").permitAll()
                        .pathMatchers(org.springframework.http.HttpMethod.POST, CDR_PATH).permitAll()
                        .pathMatchers(WECOM_CALLBACK_PATH).permitAll()
                        .pathMatchers(org.springframework.http.HttpMethod.POST, MINIAPP_SIGN_IN_PATH).permitAll()
                        .pathMatchers("/api/**").authenticated()
                        .pathMatchers("/actuator/health/**", "/actuator/health", "/actuator/prometheus",
                                "/actuator/info").permitAll()
                        .pathMatchers("/actuator/**").denyAll()
                        .anyExchange().permitAll())
                .exceptionHandling(e -> e.authenticationEntryPoint(entryPoint)
                        .accessDeniedHandler((exchange, denied) -> unauthorized(exchange, null)))
                .headers(h -> h.frameOptions(f -> f.mode(
                        org.springframework.security.web.server.header.XFrameOptionsServerHttpHeadersWriter.Mode.SAMEORIGIN)))
                .build();
    }

    private static ReactiveAuthenticationManager authenticationManager(TokenService tokens) {
        return authentication -> tokens.resolve((String) authentication.getCredentials())
                .<org.springframework.security.core.Authentication>map(SuifangAuthentication::new)
                .switchIfEmpty(Mono.error(new BadCredentialsException("invalid token")));
    }

    private static Mono<org.springframework.security.core.Authentication> bearerToken(ServerWebExchange exchange) {
        String header = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (header == null) {
            return Mono.empty();
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Mono.error(new BadCredentialsException("not a bearer token"));
        }
        return Mono.just(new SuifangAuthentication.Bearer(header.substring(7).trim()));
    }

    private static Mono<Void> unauthorized(ServerWebExchange exchange, Object ignored) {
        var response = exchange.getResponse();
        response.setStatusCode(HttpStatus.UNAUTHORIZED);
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        response.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        DataBuffer body = response.bufferFactory().wrap(UNAUTHORIZED_BODY.getBytes(StandardCharsets.UTF_8));
        return response.writeWith(Mono.just(body));
    }
}
