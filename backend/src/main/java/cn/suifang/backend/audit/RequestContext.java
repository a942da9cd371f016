package cn.suifang.backend.audit;

import java.net.InetSocketAddress;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Puts where a request came from into the Reactor context, so the audit trail records it without
 * every service having to pass it along. Honours X-Forwarded-For only via Spring's forwarded-header
 * handling ({@code server.forward-headers-strategy}), never by trusting the raw header here.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class RequestContext implements WebFilter {

    static final String CLIENT_IP = "suifang.clientIp";

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
        String ip = remote == null || remote.getAddress() == null ? "unknown" : remote.getAddress().getHostAddress();
        return chain.filter(exchange).contextWrite(ctx -> ctx.put(CLIENT_IP, ip));
    }

    /** The caller's address, or "internal" for work not started by an HTTP request (scheduler, seeding). */
    public static Mono<String> clientIp() {
        return Mono.deferContextual(ctx -> Mono.just(ctx.getOrDefault(CLIENT_IP, "internal")));
    }
}
