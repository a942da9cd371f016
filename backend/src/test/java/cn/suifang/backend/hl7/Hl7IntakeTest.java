package cn.suifang.backend.hl7;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.app.Connection;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.util.Terser;
import cn.suifang.backend.support.IntegrationTest;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * HL7 v2 over MLLP as Chinese HIS/LIS send it: ADT^A03 with a Z-segment starts a pathway; ORU^R01 with repeated OBX in
 * mg/dL becomes observations in mmol/L; GB18030 (MSH-18) names arrive intact; malformed and unmappable messages are
 * refused with the reason, kept, and replayable once fixed.
 */
class Hl7IntakeTest extends IntegrationTest {

    static final int PORT = freePort();

    @DynamicPropertySource
    static void hl7(DynamicPropertyRegistry registry) {
        registry.add("suifang.hl7.enabled", () -> true);
        registry.add("suifang.hl7.port", () -> PORT);
    }

    private HapiContext context;
    private Connection connection;

    @BeforeEach
    void connect() throws Exception {
        context = new DefaultHapiContext();
        context.setExecutorService(java.util.concurrent.Executors.newCachedThreadPool());
        context.setModelClassFactory(new CanonicalModelClassFactory("2.5.1"));
        context.getParserConfiguration().setValidating(false);
        // like a real interface engine, write in the character set MSH-18 names (UNICODE UTF-8 here)
        context.setLowerLayerProtocol(new ca.uhn.hl7v2.llp.MinLowerLayerProtocol(true));
        connection = context.newClient("127.0.0.1", PORT, false);
    }

    @AfterEach
    void close() throws Exception {
        connection.close();
        context.close();
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PV1 with the fields we read at their positions: 3 location, 7 attending, 10 service, 19 visit, 44/45 dates. */
    static String pv1(String dept, String attending, String visit, String admitted, String discharged) {
        String[] f = new String[46];
        Arrays.fill(f, "");
        f[0] = "PV1";
        f[1] = "1";
        f[2] = "I";
        f[3] = dept + "^0301^12";
        f[7] = attending + "^李医生";
        f[10] = dept;
        f[19] = visit;
        f[44] = admitted;
        f[45] = discharged;
        return String.join("|", f);
    }

    static String adtA03(String controlId, String dept, String charset) {
        return String.join("\r",
                "MSH|^~\\&|HIS|HOSP|SUIFANG|HOSP|20261122103000||ADT^A03^ADT_A03|" + controlId + "|P|2.4|||AL|NE||" + charset,
                "EVN|A03|20261122103000",
                "PID|1||P801^^^HOSP^MR~110105196003071235^^^CHN^ID||张三||19600307|M|||北京市朝阳区||13812345678",
                pv1(dept, "D001", "ZY801", "20261113080000", "20261118100000"),
                "DG1|1||I21.0^急性前壁心肌梗死^I10||20261118|F",
                "DG1|2||I10^高血压^I10||20261118|F",
                "PR1|1||36.07^药物洗脱支架置入^ICD9CM|||20261114",
                "ZPI|1|医保|城镇职工") + "\r";
    }

    static String oruR01(String controlId, String mrn) {
        return String.join("\r",
                "MSH|^~\\&|LIS|HOSP|SUIFANG|HOSP|20261123083000||ORU^R01^ORU_R01|" + controlId + "|P|2.4|||AL|NE||UNICODE UTF-8",
                "PID|1||" + mrn + "^^^HOSP^MR||张三||19600307|M",
                "OBR|1||L123|LIPID^血脂四项^L|||20261123070000",
                "OBX|1|NM|2093-3^总胆固醇^LN||212|mg/dL|<200||||F|||20261123070000",
                "OBX|2|NM|13457-7^低密度脂蛋白胆固醇^LN||145|mg/dL|<100||||F",
                "OBX|3|NM|2571-8^甘油三酯^LN||1.8|mmol/L|<1.7||||F",
                "OBX|4|NM|GLU^葡萄糖^LISLOCAL||11.2|mmol/L|3.9-6.1||||F",
                "OBX|5|ST|1558-6^空腹血糖^LN||见纸质报告||||||F",
                "OBX|6|NM|2089-1^低密度脂蛋白胆固醇^LN||99|mg/dL|<100||||P") + "\r";
    }

    private String send(String text) throws Exception {
        Message reply = connection.getInitiator().sendAndReceive(context.getPipeParser().parse(text));
        return new Terser(reply).get("/MSA-1");
    }

    @Test
    void adtA03_withAZSegment_startsTheFollowUpPlan_andIsAcknowledged() throws Exception {
        assertThat(send(adtA03("MSG0001", "CARD", "UNICODE UTF-8"))).isEqualTo("AA");

        assertThat(count("SELECT count(*) FROM patient WHERE mrn = 'P801' AND name = '张三' AND gender = 'MALE'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM encounter WHERE source = 'HIS' AND source_encounter_id = 'ZY801' "
                + "AND primary_diagnosis = 'I21.0' AND procedures = '{36.07}'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM care_plan cp JOIN pathway p ON p.id = cp.pathway_id WHERE p.code = 'PCI'"))
                .isEqualTo(1);
        assertThat(count("SELECT count(*) FROM hl7_message WHERE control_id = 'MSG0001' AND status = 'PROCESSED' AND ack_code = 'AA'"))
                .isEqualTo(1);
        // the same message again changes nothing
        assertThat(send(adtA03("MSG0001", "CARD", "UNICODE UTF-8"))).isEqualTo("AA");
        assertThat(count("SELECT count(*) FROM encounter")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM hl7_message WHERE position('张三' in encode(raw_enc, 'escape')) > 0"))
                .as("the text is stored encrypted").isZero();
    }

    @Test
    void oruR01_repeatedObxInMgPerDl_becomeObservationsInMmolPerL_unmappedAndBadLinesReported() throws Exception {
        send(adtA03("MSG0002", "CARD", "UNICODE UTF-8"));
        assertThat(send(oruR01("LAB0001", "P801"))).isEqualTo("AA");

        assertThat(count("SELECT count(*) FROM observation WHERE code = 'TC' AND value = 5.48 AND unit = 'mmol/L'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM observation WHERE code = 'LDL_C' AND value = 3.75")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM observation WHERE code = 'TG' AND value = 1.8")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM observation WHERE source = 'LAB'")).as("preliminary OBX 6 is not stored").isEqualTo(3);
        String detail = db.sql("SELECT detail FROM hl7_message WHERE control_id = 'LAB0001'").map(r -> r.get(0, String.class))
                .one().block();
        assertThat(detail).contains("保存 3 项", "未映射的项目 1 项", "第 5 个 OBX");
        assertThat(count("SELECT count(*) FROM hl7_message WHERE control_id = 'LAB0001' AND status = 'PARTIAL'")).isEqualTo(1);

        // the LIS resends: nothing is stored twice
        send(oruR01("LAB0001", "P801"));
        assertThat(count("SELECT count(*) FROM observation WHERE source = 'LAB'")).isEqualTo(3);
    }

    @Test
    void aLocalCodeMappedByItIsReadOnReplay_andNothingStoredTwice() throws Exception {
        send(adtA03("MSG0007", "CARD", "UNICODE UTF-8"));
        send(oruR01("LAB0007", "P801"));
        assertThat(count("SELECT count(*) FROM observation WHERE code = 'FPG'")).isZero();
        long logged = count("SELECT id FROM hl7_message WHERE control_id = 'LAB0007'");

        put("cardDoc", "/api/admin/lab-codes/LISLOCAL/GLU", Map.of("observationCode", "FPG")).exchange().expectStatus().isForbidden();
        put("admin", "/api/admin/lab-codes/LISLOCAL/GLU", Map.of("observationCode", "GLUCOSE")).exchange()
                .expectStatus().isBadRequest();
        put("admin", "/api/admin/lab-codes/LISLOCAL/GLU", Map.of("observationCode", "FPG", "note", "本院空腹葡萄糖")).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.label").isEqualTo("空腹血糖");
        post("admin", "/api/admin/hl7/messages/{id}/replay", Map.of(), logged).exchange().expectStatus().isOk();

        assertThat(count("SELECT count(*) FROM observation WHERE code = 'FPG' AND value = 11.2")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM observation WHERE source = 'LAB'")).as("the lipids are not stored again").isEqualTo(4);
    }

    private org.springframework.test.web.reactive.server.WebTestClient.RequestHeadersSpec<?> put(String staff, String uri, Object body) {
        return web.put().uri(uri).header("Authorization", "Bearer " + token(staff))
                .contentType(org.springframework.http.MediaType.APPLICATION_JSON).bodyValue(body);
    }

    @Test
    void resultsOfPatientsWithoutFollowUpAreAcknowledgedAndLeftAlone() throws Exception {
        assertThat(send(oruR01("LAB0002", "NOT-OURS"))).isEqualTo("AA");
        assertThat(count("SELECT count(*) FROM observation")).isZero();
        assertThat(count("SELECT count(*) FROM hl7_message WHERE status = 'IGNORED'")).isEqualTo(1);
    }

    @Test
    void gb18030PerMsh18_chineseArrivesIntact() throws Exception {
        String text = adtA03("MSG0003", "CARD", "GB 18030-2000").replace("张三", "欧阳娜娜");
        byte[] reply = mllp(text.getBytes(Charset.forName("GB18030")));
        assertThat(new String(reply, Charset.forName("GB18030"))).contains("MSA|AA|MSG0003");
        assertThat(count("SELECT count(*) FROM patient WHERE name = '欧阳娜娜'")).isEqualTo(1);
    }

    @Test
    void anUnknownDepartmentIsRefusedWithTheReason_keptAndReplayedOnceItExists() throws Exception {
        assertThat(send(adtA03("MSG0004", "CARD9", "UNICODE UTF-8"))).isEqualTo("AE");
        assertThat(count("SELECT count(*) FROM encounter")).isZero();
        long id = count("SELECT id FROM hl7_message WHERE control_id = 'MSG0004' AND status = 'REJECTED'");
        get("admin", "/api/admin/hl7/messages?status=REJECTED").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$[0].detail").value(d -> assertThat(d.toString()).contains("CARD9"));
        get("cardDoc", "/api/admin/hl7/messages").exchange().expectStatus().isForbidden();

        db.sql("INSERT INTO department (hospital_id, code, name) VALUES (:h, 'CARD9', '心内九病区')")
                .bind("h", hospital.hospitalId).then().block();
        post("admin", "/api/admin/hl7/messages/{id}/replay", Map.of(), id).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("PROCESSED").jsonPath("$.replayOf").isEqualTo((int) id);
        assertThat(count("SELECT count(*) FROM encounter")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM hl7_message WHERE id = " + id + " AND replayed_at IS NOT NULL")).isEqualTo(1);
    }

    @Test
    void aMalformedMessageIsRejected_andKeptForIt() throws Exception {
        String broken = "MSH|^~\\&|HIS|HOSP|SUIFANG|HOSP|20261122103000||ADT^A03|MSG0005|P|9.9\rPID|1||X\r";
        byte[] reply = mllp(broken.getBytes(StandardCharsets.UTF_8));
        assertThat(new String(reply, StandardCharsets.UTF_8)).containsPattern("MSA\\|A[RE]");
        assertThat(count("SELECT count(*) FROM hl7_message WHERE status = 'REJECTED' AND detail LIKE '无法解析%'")).isEqualTo(1);
    }

    @Test
    void admitsAreAcknowledged_followUpStartsAtDischarge() throws Exception {
        String a01 = adtA03("MSG0006", "CARD", "UNICODE UTF-8").replace("ADT^A03^ADT_A03", "ADT^A01^ADT_A01")
                .replace("EVN|A03", "EVN|A01");
        assertThat(send(a01)).isEqualTo("AA");
        assertThat(count("SELECT count(*) FROM encounter")).isZero();
        assertThat(count("SELECT count(*) FROM hl7_message WHERE status = 'IGNORED'")).isEqualTo(1);
    }

    /** One message over a raw MLLP socket (VT … FS CR), the reply's bytes. */
    private byte[] mllp(byte[] message) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", PORT)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(0x0b);
            out.write(message);
            out.write(0x1c);
            out.write(0x0d);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != -1 && b != 0x1c) {
                if (b != 0x0b) {
                    reply.write(b);
                }
            }
            return reply.toByteArray();
        }
    }
}
