package cn.suifang.backend.wecom;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.FakeWecom;
import cn.suifang.backend.support.FakeWecomSignIn;
import cn.suifang.backend.support.IntegrationTest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** Password-less sign-in from WeCom (OAuth2 snsapi_base) and the JS-SDK signatures, against a WeCom that answers like the real one. */
class WecomSignInTest extends IntegrationTest {

    private static final String APP = "https://suifang.example-hospital.cn/app/";

    private FakeWecomSignIn signIn;

    @BeforeEach
    void wecomMembers() {
        signIn = FakeWecomSignIn.install(wecom);
        db.sql("UPDATE staff SET wecom_user_id = 'LiYiSheng' WHERE id = :id").bind("id", hospital.staff("cardDoc")).then().block();
    }

    private WebTestClient.ResponseSpec login(String code) {
        return web.post().uri("/api/auth/wecom/login").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("code", code)).exchange();
    }

    @Test
    void memberWithAStaffAccount_isSignedIn_andTheCodeWorksOnlyOnce() {
        String code = signIn.memberCode("0a1b2c3d4e5f", "LiYiSheng");

        @SuppressWarnings("unchecked")
        Map<String, Object> body = login(code).expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();

        // the token is a normal bearer token of 李医生
        String token = (String) body.get("token");
        web.get().uri("/api/me").header("Authorization", "Bearer " + token).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.name").isEqualTo("李医生")
                .jsonPath("$.id").isEqualTo((int) hospital.staff("cardDoc"));
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'LOGIN_WECOM' AND actor_id = "
                + hospital.staff("cardDoc"))).isEqualTo(1);
        assertThat(wecom.requests("/cgi-bin/auth/getuserinfo")).hasSize(1)
                .first().satisfies(r -> assertThat(r.param("code")).isEqualTo(code));

        // the same code again (a reload, a forwarded link): WeCom says 40029
        login(code).expectStatus().isUnauthorized().expectBody()
                .jsonPath("$.code").isEqualTo("SF-2204").jsonPath("$.detail").value(d -> assertThat((String) d).contains("重新打开"));
    }

    @Test
    void memberWithoutAStaffAccount_isRefused_andNothingIsCreated() {
        long staffBefore = count("SELECT count(*) FROM staff");

        login(signIn.memberCode("unknownmember1", "ZhangSanNew")).expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.code").isEqualTo("SF-2206")
                .jsonPath("$.detail").value(d -> assertThat((String) d).contains("尚未在随访系统登记"));

        assertThat(count("SELECT count(*) FROM staff")).isEqualTo(staffBefore);
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'LOGIN_WECOM'")).isZero();
    }

    @Test
    void outsiderOrDeactivatedAccount_isRefusedWithItsOwnReason() {
        login(signIn.outsiderCode("outsider0001")).expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2205");

        db.sql("UPDATE staff SET active = FALSE WHERE id = :id").bind("id", hospital.staff("cardDoc")).then().block();
        login(signIn.memberCode("deactivated1", "LiYiSheng")).expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2207");
    }

    @Test
    void expiredAccessToken_isRefreshedOnce_andTheSignInStillSucceeds() {
        login(signIn.memberCode("firstlogin01", "LiYiSheng")).expectStatus().isOk();
        wecom.expireAllTokens(); // WeCom revoked our token: the next call answers 42001

        login(signIn.memberCode("secondlogin1", "LiYiSheng")).expectStatus().isOk();

        assertThat(wecom.tokensIssued()).isEqualTo(2);
    }

    @Test
    void busyWecom_answers503WithRetryAfter_andAMalformedCodeNeverReachesWecom() {
        wecom.failNext("/cgi-bin/auth/getuserinfo", 45009, "api freq out of limit");
        login(signIn.memberCode("busylogin001", "LiYiSheng")).expectStatus().isEqualTo(503)
                .expectHeader().exists("Retry-After")
                .expectBody().jsonPath("$.code").isEqualTo("SF-2208");

        // a code that would change the request to WeCom (…&agentid=…) is refused before any call
        login("abc&userid=admin").expectStatus().isBadRequest();
        login("").expectStatus().isBadRequest();
        assertThat(wecom.requests("/cgi-bin/auth/getuserinfo")).hasSize(1);
    }

    @Test
    void authorizeUrl_sendsTheMemberToWecom_andComesBackOnlyIntoTheApp() {
        @SuppressWarnings("unchecked")
        Map<String, Object> body = web.get().uri("/api/auth/wecom/authorize-url?state=st4te0123456").exchange()
                .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        String url = (String) body.get("url");

        assertThat(url).startsWith("https://open.weixin.qq.com/connect/oauth2/authorize?appid=" + FakeWecom.CORP_ID)
                .contains("&response_type=code&scope=snsapi_base&state=st4te0123456&agentid=" + FakeWecom.AGENT_ID)
                .endsWith("#wechat_redirect");
        String redirect = url.substring(url.indexOf("redirect_uri=") + 13, url.indexOf("&response_type"));
        assertThat(URLDecoder.decode(redirect, StandardCharsets.UTF_8)).isEqualTo(APP);

        web.get().uri(b -> b.path("/api/auth/wecom/authorize-url").queryParam("state", "st4te0123456")
                        .queryParam("redirect", "https://evil.example.com/app/").build()).exchange()
                .expectStatus().isBadRequest().expectBody().jsonPath("$.code").isEqualTo("SF-2203");
        web.get().uri(b -> b.path("/api/auth/wecom/authorize-url").queryParam("state", "st4te0123456")
                        .queryParam("redirect", APP + "../admin/").build()).exchange()
                .expectStatus().isBadRequest();
        web.get().uri("/api/auth/wecom/authorize-url?state=x").exchange().expectStatus().isBadRequest();
        web.get().uri("/api/auth/wecom").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.enabled").isEqualTo(true).jsonPath("$.corpId").isEqualTo(FakeWecom.CORP_ID);
    }

    @Test
    void jsSdkSignatures_followWecomsAlgorithm_forAppPagesOnly_withTicketsFetchedOnce() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> signed = post("cardDoc", "/api/wecom/js-signature", Map.of("url", APP + "?from=wecom#/tasks"))
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();

        // the fragment is not signed; both signatures computed independently from WeCom's documented formula
        assertThat(signed).containsEntry("url", APP + "?from=wecom").containsEntry("corpId", FakeWecom.CORP_ID)
                .containsEntry("agentId", FakeWecom.AGENT_ID);
        assertSigned((Map<?, ?>) signed.get("config"), FakeWecomSignIn.CORP_TICKET, APP + "?from=wecom");
        assertSigned((Map<?, ?>) signed.get("agentConfig"), FakeWecomSignIn.AGENT_TICKET, APP + "?from=wecom");

        // a second page: the tickets come from Redis, not from WeCom again
        post("cardNurse1", "/api/wecom/js-signature", Map.of("url", APP)).exchange().expectStatus().isOk();
        assertThat(signIn.corpTicketsIssued()).isEqualTo(1);
        assertThat(signIn.agentTicketsIssued()).isEqualTo(1);

        // pages outside the app are not signed
        post("cardDoc", "/api/wecom/js-signature", Map.of("url", "https://evil.example.com/app/")).exchange()
                .expectStatus().isBadRequest().expectBody().jsonPath("$.code").isEqualTo("SF-2210");
    }

    private static void assertSigned(Map<?, ?> s, String ticket, String url) throws Exception {
        String plain = "jsapi_ticket=" + ticket + "&noncestr=" + s.get("nonceStr") + "&timestamp=" + s.get("timestamp")
                + "&url=" + url;
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(plain.getBytes(StandardCharsets.UTF_8)));
        assertThat(s.get("signature")).isEqualTo(expected);
        assertThat(((Number) s.get("timestamp")).longValue()).isPositive();
    }
}
