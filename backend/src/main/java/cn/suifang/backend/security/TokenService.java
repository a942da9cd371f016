package cn.suifang.backend.security;

import cn.suifang.backend.common.SuifangProperties;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.stream.Collectors;
import org.redisson.api.RedissonReactiveClient;
import org.redisson.client.codec.StringCodec;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;

/**
 * Opaque bearer tokens kept in Redis, so every backend instance accepts them and a sign-out or a
 * staff deactivation takes effect everywhere at once. Redis holds only the SHA-256 of the token.
 */
@Service
public class TokenService {

    private final RedissonReactiveClient redis;
    private final SuifangProperties properties;
    private final SecureRandom random = new SecureRandom();

    public TokenService(RedissonReactiveClient redis, SuifangProperties properties) {
        this.redis = redis;
        this.properties = properties;
    }

    public Mono<String> issue(Principal principal) {
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        var index = redis.<String>getSet(indexKey(principal.type(), principal.id()), StringCodec.INSTANCE);
        return redis.<String>getBucket(key(token), StringCodec.INSTANCE)
                .set(encode(principal), properties.security().tokenTtl())
                .then(index.add(key(token)))
                .then(index.expire(properties.security().tokenTtl()))
                .thenReturn(token);
    }

    /**
     * Every token of this staff member or patient stops working at once, on every instance: a deactivated account,
     * a doctor who left the hospital. Returns how many were revoked.
     */
    public Mono<Long> revokeAll(Principal.ActorType type, long id) {
        var index = redis.<String>getSet(indexKey(type, id), StringCodec.INSTANCE);
        return index.readAll()
                .flatMapMany(reactor.core.publisher.Flux::fromIterable)
                .concatMap(k -> redis.getBucket(k, StringCodec.INSTANCE).delete())
                .filter(Boolean::booleanValue)
                .count()
                .flatMap(n -> index.delete().thenReturn(n));
    }

    private String indexKey(Principal.ActorType type, long id) {
        return properties.redis().keyPrefix() + ":tokens-of:" + type.name().toLowerCase() + ":" + id;
    }

    public Mono<Principal> resolve(String token) {
        if (token == null || token.length() < 20 || token.length() > 100) {
            return Mono.empty();
        }
        return redis.<String>getBucket(key(token), StringCodec.INSTANCE).get().map(TokenService::decode);
    }

    public Mono<Void> revoke(String token) {
        return redis.getBucket(key(token), StringCodec.INSTANCE).delete().then();
    }

    private String key(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
            return properties.redis().keyPrefix() + ":token:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // type|id|hospital|department|ROLE,ROLE — a fixed, tiny format; no JSON needed for five fields
    static String encode(Principal p) {
        return p.type() + "|" + p.id() + "|" + p.hospitalId() + "|" + p.departmentId() + "|"
                + p.roles().stream().map(Enum::name).sorted().collect(Collectors.joining(","));
    }

    static Principal decode(String s) {
        String[] f = s.split("\\|", -1);
        Set<Role> roles = f[4].isEmpty() ? Set.of()
                : Arrays.stream(f[4].split(",")).map(Role::valueOf)
                        .collect(Collectors.toCollection(() -> EnumSet.noneOf(Role.class)));
        return new Principal(Principal.ActorType.valueOf(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                Long.parseLong(f[3]), Set.copyOf(roles));
    }
}
