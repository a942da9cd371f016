package cn.suifang.backend.wecom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.support.FakeWecom;
import cn.suifang.backend.support.IntegrationTest;
import java.util.List;
import java.util.Map;
import me.chanjar.weixin.cp.bean.WxCpUser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.springframework.beans.factory.annotation.Autowired;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** The WxJava wiring against a WeCom that answers like the real one: token sharing, refresh, errors. */
class WecomClientTest extends IntegrationTest {

    @Autowired
    SuifangProperties properties;
    @Autowired
    RedissonClient redisson;

    @BeforeEach
    void memberDirectory() {
        // user/get (96255), trimmed as in the fixture
        wecom.on("/cgi-bin/user/get", r -> "zhangsan".equals(r.param("userid"))
                ? FakeWecom.ok("userid", "zhangsan", "name", "张三", "department", List.of(1, 2), "main_department", 1,
                        "position", "主治医师", "mobile", "13800000000", "gender", "1")
                : Map.of("errcode", 60111, "errmsg", "userid not found"));
    }

    private WxCpUser zhangsan(WecomClient client) {
        return client.call("user/get", s -> s.getUserService().getById("zhangsan")).block();
    }

    @Test
    void expiredToken_isRefreshedOnceAndTheCallRetried() {
        assertThat(zhangsan(wecomClient).getName()).isEqualTo("张三");
        assertThat(wecom.tokensIssued()).isEqualTo(1);

        // Act: WeCom revokes the token (42001 with the real body) behind our back
        wecom.expireAllTokens();
        WxCpUser again = zhangsan(wecomClient);

        // Verify: one new token, the call answered, and the endpoint saw exactly two attempts for this call
        assertThat(again.getName()).isEqualTo("张三");
        assertThat(wecom.tokensIssued()).isEqualTo(2);
        assertThat(wecom.requests("/cgi-bin/user/get")).hasSize(3);
    }

    @Test
    void twoBackendInstances_shareOneTokenThroughRedis() {
        // Setup: a second instance's client with the same configuration and the same Redis
        WecomClient second = new WecomClient(properties, redisson);
        try {
            // Act: 40 calls at once, half through each instance, starting with no token anywhere
            List<WxCpUser> users = Flux.range(0, 40)
                    .flatMap(i -> (i % 2 == 0 ? wecomClient : second).call("user/get", s -> s.getUserService().getById("zhangsan"))
                            .subscribeOn(Schedulers.parallel()), 40)
                    .collectList().block();

            // Verify: every call answered, and gettoken was asked exactly once for both instances together
            assertThat(users).hasSize(40).allSatisfy(u -> assertThat(u.getUserId()).isEqualTo("zhangsan"));
            assertThat(wecom.tokensIssued()).isEqualTo(1);
        } finally {
            second.destroy();
        }
    }

    @Test
    void platformErrors_becomeWecomExceptionsWithTheirErrcode() {
        wecom.failNext("/cgi-bin/user/get", 45009, "api freq out of limit");

        assertThatThrownBy(() -> zhangsan(wecomClient))
                .isInstanceOfSatisfying(WecomException.class, e -> {
                    assertThat(e.errcode()).isEqualTo(45009);
                    assertThat(e.isTransient()).isTrue();
                    assertThat(e.getMessage()).contains("user/get").contains("45009");
                });
        assertThatThrownBy(() -> wecomClient.call("user/get", s -> s.getUserService().getById("nobody")).block())
                .isInstanceOfSatisfying(WecomException.class, e -> {
                    assertThat(e.errcode()).isEqualTo(60111);
                    assertThat(e.isTransient()).isFalse();
                });
    }

    @Test
    void systemBusy_isRetriedWithBackOff_thenReportedAsBusy() {
        // -1 twice, then the answer: WxJava retries (retry-sleep-millis is 0 in tests)
        wecom.failNext("/cgi-bin/user/get", -1, "system busy").failNext("/cgi-bin/user/get", -1, "system busy");
        assertThat(zhangsan(wecomClient).getName()).isEqualTo("张三");

        // more -1 answers than max-retry-times (3): given up, reported as transient
        for (int i = 0; i < 5; i++) {
            wecom.failNext("/cgi-bin/user/get", -1, "system busy");
        }
        assertThatThrownBy(() -> zhangsan(wecomClient))
                .isInstanceOfSatisfying(WecomException.class, e -> {
                    assertThat(e.errcode()).isEqualTo(WecomException.BUSY);
                    assertThat(e.isTransient()).isTrue();
                });
    }

    @Test
    void unreachableWecom_isATransportFailure_notAHang() {
        // Setup: a client pointed at a closed port
        SuifangProperties.Wecom c = properties.wecom();
        SuifangProperties broken = withWecom(new SuifangProperties.Wecom("http://127.0.0.1:9", c.corpId(), c.secret(),
                c.agentId(), c.token(), c.aesKey(), c.appUrl(), java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1),
                java.time.Duration.ofSeconds(1), 2, 0, 0, c.messages(), c.sync()));
        WecomClient client = new WecomClient(broken, redisson);
        try {
            client.service().getWxCpConfigStorage().expireAccessToken();
            assertThatThrownBy(() -> zhangsan(client))
                    .isInstanceOfSatisfying(WecomException.class, e -> {
                        assertThat(e.errcode()).isEqualTo(WecomException.TRANSPORT);
                        assertThat(e.isTransient()).isTrue();
                    });
        } finally {
            client.destroy();
        }
    }

    @Test
    void withoutConfiguration_wecomIsOff_andCallsAnswer503() {
        SuifangProperties.Wecom c = properties.wecom();
        WecomClient off = new WecomClient(withWecom(new SuifangProperties.Wecom(c.baseUrl(), "", "", 0, "", "", "",
                c.connectTimeout(), c.readTimeout(), c.poolWaitTimeout(), 2, 0, 0, c.messages(), c.sync())), redisson);

        assertThat(off.enabled()).isFalse();
        assertThatThrownBy(() -> zhangsan(off))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status().value()).isEqualTo(503);
                    assertThat(e.code()).isEqualTo("SF-2201");
                });
        assertThat(wecom.requests("/cgi-bin/user/get")).isEmpty();
    }

    private SuifangProperties withWecom(SuifangProperties.Wecom w) {
        SuifangProperties p = properties;
        return new SuifangProperties(p.security(), p.redis(), p.demo(), p.scheduler(), p.esl(), p.telephony(), w,
                p.miniapp(), p.report(), p.alerts(), p.hl7(), p.risk(), p.fhir(), p.zone());
    }
}
