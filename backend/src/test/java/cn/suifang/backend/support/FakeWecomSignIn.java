package cn.suifang.backend.support;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * WeCom's OAuth and JS-SDK endpoints on the {@link FakeWecom}: {@code auth/getuserinfo} (96442) with one-time codes
 * answering a member, a non-member (openid / external_userid) or 40029, and the two JS-SDK tickets.
 */
public final class FakeWecomSignIn {

    public static final String CORP_TICKET = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
    public static final String AGENT_TICKET = "bxLdikRXVbTPdHSM05e5u5sUoXNKd8-41ZO3MhKoyN5OfkWITDGgnr2fwJ0m9E8NYzWKVZvdVtaUgWvsdshFKA";

    private final Map<String, Map<String, Object>> codes = new ConcurrentHashMap<>();
    private final Set<String> used = ConcurrentHashMap.newKeySet();
    private final AtomicInteger corpTickets = new AtomicInteger();
    private final AtomicInteger agentTickets = new AtomicInteger();

    public static FakeWecomSignIn install(FakeWecom wecom) {
        FakeWecomSignIn fake = new FakeWecomSignIn();
        wecom.on("/cgi-bin/auth/getuserinfo", r -> {
            String code = r.param("code");
            Map<String, Object> answer = code == null ? null : fake.codes.get(code);
            if (answer == null || !fake.used.add(code)) {
                return Map.of("errcode", 40029, "errmsg", "invalid code");
            }
            return answer;
        });
        wecom.on("/cgi-bin/get_jsapi_ticket", r -> {
            fake.corpTickets.incrementAndGet();
            return FakeWecom.ok("ticket", CORP_TICKET, "expires_in", 7200);
        });
        wecom.on("/cgi-bin/ticket/get", r -> {
            if (!"agent_config".equals(r.param("type"))) {
                return Map.of("errcode", 40003, "errmsg", "invalid type");
            }
            fake.agentTickets.incrementAndGet();
            return FakeWecom.ok("ticket", AGENT_TICKET, "expires_in", 7200);
        });
        return fake;
    }

    /** A one-time code WeCom hands to the member {@code userId} (企业成员). */
    public String memberCode(String code, String userId) {
        codes.put(code, FakeWecom.ok("userid", userId, "user_ticket", "USER_TICKET"));
        return code;
    }

    /** A one-time code for someone outside the corp (非企业成员): openid and external_userid, no userid. */
    public String outsiderCode(String code) {
        codes.put(code, FakeWecom.ok("openid", "oAAAAAAAAAAAAAAAAAAAAAAAAAAA", "external_userid", "wmAAAAAAAAAAAAAAAAAAAAAAAAA"));
        return code;
    }

    public int corpTicketsIssued() {
        return corpTickets.get();
    }

    public int agentTicketsIssued() {
        return agentTickets.get();
    }
}
