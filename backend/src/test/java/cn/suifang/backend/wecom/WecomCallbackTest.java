package cn.suifang.backend.wecom;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.FakeWecom;
import cn.suifang.backend.support.IntegrationTest;
import cn.suifang.backend.support.WecomCallbackEncryptor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** WeCom's callbacks, encrypted as WeCom encrypts them (by an encryptor written from the documentation). */
class WecomCallbackTest extends IntegrationTest {

    private final WecomCallbackEncryptor weCom = new WecomCallbackEncryptor(FakeWecom.CALLBACK_TOKEN, FakeWecom.AES_KEY);

    private long now() {
        return clock.instant().getEpochSecond();
    }

    private static String contactEvent(String changeType, String extra) {
        return "<xml><ToUserName><![CDATA[" + FakeWecom.CORP_ID + "]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"
                + "<CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType>"
                + "<Event><![CDATA[change_contact]]></Event><ChangeType>" + changeType + "</ChangeType>"
                + "<UserID><![CDATA[zhangsan]]></UserID>" + extra + "</xml>";
    }

    private WebTestClient.ResponseSpec post(WecomCallbackEncryptor.Signed s) {
        return web.post().uri("/api/wecom/callback?" + s.query()).contentType(MediaType.TEXT_XML)
                .bodyValue(s.xml(FakeWecom.CORP_ID, FakeWecom.AGENT_ID)).exchange();
    }

    @Test
    void urlVerification_answersTheDecryptedEchostr() throws Exception {
        var s = weCom.encrypt("8362784378734984", FakeWecom.CORP_ID, now());

        // URI variables are encoded strictly, as WeCom sends the base64 echostr (+, /, = escaped)
        web.get().uri("/api/wecom/callback?msg_signature={s}&timestamp={t}&nonce={n}&echostr={e}",
                        s.msgSignature(), s.timestamp(), s.nonce(), s.encrypt()).exchange()
                .expectStatus().isOk().expectBody(String.class).isEqualTo("8362784378734984");
    }

    @org.junit.jupiter.api.BeforeEach
    void directory() {
        // the member the events are about, in a WeCom department Suifang does not follow (the sync leaves it alone)
        cn.suifang.backend.support.FakeWecomDirectory.install(wecom).department(9, "后勤").member("zhangsan", "张三", 9, "干事", false);
    }

    @Test
    void everyContactEvent_reachesTheListenersInOrder() throws Exception {
        for (String event : List.of(
                contactEvent("create_user", ""),
                contactEvent("update_user", "<Department><![CDATA[1,2]]></Department>"),
                contactEvent("update_user", "<Position><![CDATA[主任医师]]></Position>"),
                contactEvent("delete_user", ""),
                contactEvent("update_party", "<Id>2</Id>"),
                "<xml><ToUserName>" + FakeWecom.CORP_ID + "</ToUserName><MsgType>event</MsgType>"
                        + "<Event>change_external_contact</Event><ChangeType>transfer_fail</ChangeType>"
                        + "<FailReason>customer_refused</FailReason><UserID>lisi</UserID>"
                        + "<ExternalUserID>wmAAAA</ExternalUserID></xml>",
                "<xml><ToUserName>" + FakeWecom.CORP_ID + "</ToUserName><MsgType>event</MsgType>"
                        + "<Event>enter_agent</Event></xml>")) {
            post(weCom.encrypt(event, FakeWecom.CORP_ID, now())).expectStatus().isOk()
                    .expectBody(String.class).isEqualTo("success");
        }

        assertThat(wecomEvents.calls()).containsExactly(
                "memberChanged zhangsan",
                "memberChanged zhangsan", "memberDepartmentsChanged zhangsan [1, 2]",
                "memberChanged zhangsan",
                "memberDeleted zhangsan",
                "departmentsChanged",
                "customerTransferFailed lisi wmAAAA customer_refused");
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'WECOM_CALLBACK'")).isEqualTo(7);
    }

    @Test
    void forgedTamperedForeignStaleOrReplayedCallbacks_areRefusedAndChangeNothing() throws Exception {
        String event = contactEvent("delete_user", "");

        // a signature made without our Token
        var forged = new WecomCallbackEncryptor("NotOurToken", FakeWecom.AES_KEY).encrypt(event, FakeWecom.CORP_ID, now());
        post(forged).expectStatus().isForbidden().expectBody().jsonPath("$.code").isEqualTo("SF-2302");

        // the ciphertext changed after signing
        var genuine = weCom.encrypt(event, FakeWecom.CORP_ID, now());
        String flipped = (genuine.encrypt().charAt(10) == 'A' ? "B" : "A");
        String tampered = genuine.encrypt().substring(0, 10) + flipped + genuine.encrypt().substring(11);
        post(new WecomCallbackEncryptor.Signed(genuine.msgSignature(), genuine.timestamp(), genuine.nonce(), tampered))
                .expectStatus().isForbidden();

        // encrypted with our key for another corp (WxJava would accept this)
        post(weCom.encrypt(event, "wwsomeothercorp01", now())).expectStatus().isForbidden()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2303");

        // signed correctly but ten minutes old
        post(weCom.encrypt(event, FakeWecom.CORP_ID, now() - 600)).expectStatus().isForbidden()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2306");

        // not XML; XML with a DOCTYPE (entity expansion) is not parsed either
        var notXml = weCom.encrypt(event, FakeWecom.CORP_ID, now());
        web.post().uri("/api/wecom/callback?" + notXml.query()).contentType(MediaType.TEXT_XML).bodyValue("hello").exchange()
                .expectStatus().isForbidden();
        var doctype = weCom.encrypt("<!DOCTYPE x [<!ENTITY a \"aaaa\">]><xml><Event>&a;</Event></xml>", FakeWecom.CORP_ID, now());
        post(doctype).expectStatus().isForbidden();

        assertThat(wecomEvents.calls()).isEmpty();

        // the genuine one is processed once; the same request again is refused
        post(genuine).expectStatus().isOk();
        post(genuine).expectStatus().isEqualTo(409).expectBody().jsonPath("$.code").isEqualTo("SF-2304");
        assertThat(wecomEvents.calls()).containsExactly("memberDeleted zhangsan");
    }

    @Test
    void aListenerFailing_answersAnErrorSoWecomDeliversAgain_andTheRetryIsProcessed() throws Exception {
        var s = weCom.encrypt(contactEvent("delete_user", ""), FakeWecom.CORP_ID, now());
        wecomEvents.failWith(new IllegalStateException("database down"));

        post(s).expectStatus().is5xxServerError();

        wecomEvents.failWith(null);
        post(s).expectStatus().isOk().expectBody(String.class).isEqualTo("success");
        assertThat(wecomEvents.calls()).containsExactly("memberDeleted zhangsan");
    }
}
