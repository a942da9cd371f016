package cn.suifang.backend.hl7;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** ADT^A08 updates of patients in follow-up, and LIS results that identify the patient only by the ID card. */
class Hl7UpdatesTest extends IntegrationTest {

    @Autowired
    Hl7Intake hl7;

    private long patientId;
    private int control;

    @BeforeEach
    void inFollowUp() {
        importBatch(pciDischarge("ZY001", "P001", 5)); // 张三, 13812345678, ID 110105196003071235
        patientId = count("SELECT id FROM patient");
    }

    private String a08(String pid) {
        return String.join("\r",
                "MSH|^~\\&|HIS|HOSP|SUIFANG|HOSP|20261123103000||ADT^A08^ADT_A01|U" + (++control) + "|P|2.4|||AL|NE||UNICODE UTF-8",
                "EVN|A08|20261123103000", pid,
                Hl7IntakeTest.pv1("CARD", "D001", "ZY999", "20261120080000", "")) + "\r";
    }

    private Hl7Intake.Outcome handle(String raw) {
        return hl7.handle(raw, null).block();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> patient() {
        return get("cardDoc", "/api/patients/{id}", patientId).exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
    }

    @Test
    void anA08ForAPatientInFollowUpUpdatesOnlyWhatItSends() {
        Hl7Intake.Outcome out = handle(a08("PID|1||P001^^^HOSP^MR||张叁||19600307|M|||||13900001111"));
        assertThat(out.status()).isEqualTo("PROCESSED");
        assertThat(out.ackCode()).isEqualTo("AA");
        Map<String, Object> p = patient();
        assertThat(p.get("phoneMasked")).isEqualTo("139****1111");
        assertThat(p.get("idCardMasked")).as("not sent: kept").isNotNull();
        assertThat(count("SELECT count(*) FROM patient WHERE name = '张叁'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'PATIENT_UPDATE'")).isEqualTo(1);

        assertThat(handle(a08("PID|1||P001^^^HOSP^MR||张叁||19600307|M|||||13900001111")).detail()).contains("未改动");
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'PATIENT_UPDATE'")).isEqualTo(1);
    }

    @Test
    void anA08ForSomeoneNotInFollowUpIsAcknowledgedAndLeft_aBadPhoneIsRefusedWithTheReason() {
        Hl7Intake.Outcome other = handle(a08("PID|1||P999^^^HOSP^MR||王五||19700101|M"));
        assertThat(other.status()).isEqualTo("IGNORED");
        assertThat(count("SELECT count(*) FROM patient")).isEqualTo(1);

        Hl7Intake.Outcome bad = handle(a08("PID|1||P001^^^HOSP^MR||张三||19600307|M|||||12345"));
        assertThat(bad.status()).isEqualTo("REJECTED");
        assertThat(bad.ackCode()).isEqualTo("AE");
        assertThat(bad.detail()).contains("PID-13");
        assertThat(patient().get("phoneMasked")).isEqualTo("138****5678");
    }

    @Test
    void resultsIdentifiedOnlyByTheIdCardReachThePatient() {
        String oru = String.join("\r",
                "MSH|^~\\&|LIS|HOSP|SUIFANG|HOSP|20261123083000||ORU^R01^ORU_R01|IDC1|P|2.4|||AL|NE||UNICODE UTF-8",
                "PID|1||110105196003071235^^^CHN^ID||张三||19600307|M",
                "OBR|1||L900|LIPID^血脂^L",
                "OBX|1|NM|2093-3^总胆固醇^LN||5.2|mmol/L|<5.2||||F") + "\r";
        assertThat(handle(oru).status()).isEqualTo("PROCESSED");
        assertThat(count("SELECT count(*) FROM observation WHERE code = 'TC' AND patient_id = " + patientId)).isEqualTo(1);

        String unknown = oru.replace("110105196003071235", "11010519491231002X").replace("IDC1", "IDC2");
        assertThat(handle(unknown).status()).isEqualTo("IGNORED");
        String none = oru.replace("110105196003071235^^^CHN^ID", "").replace("IDC1", "IDC3");
        assertThat(handle(none).detail()).contains("PID-3");
        assertThat(List.of(handle(none).ackCode())).containsExactly("AE");
    }
}
