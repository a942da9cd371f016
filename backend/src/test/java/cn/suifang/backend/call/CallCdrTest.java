package cn.suifang.backend.call;

import static cn.suifang.telephony.api.CallEventType.DOCTOR_ANSWERED;
import static cn.suifang.telephony.api.CallEventType.ORIGINATE_ACCEPTED;
import static cn.suifang.telephony.api.CallEventType.PATIENT_ANSWERED;
import static cn.suifang.telephony.api.CallEventType.PATIENT_RINGING;
import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.telephony.api.CallLegs;
import cn.suifang.telephony.api.CallOutcome;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * mod_json_cdr posts a CDR per channel; the endpoint reconciles it with the event-derived call record.
 * The CDRs are built from {@code src/test/resources/cdr/*.json} (constructed from the module's documented
 * structure, see the README there): a connected call, doctor leg start +5.1 s / answer +8.2 s / bridge +13.5 s /
 * end +108.7 s (duration 103, billsec 100), patient leg answer +13.5 s / end +108.6 s (duration 100, billsec 95).
 */
class CallCdrTest extends CallTestSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Instant DOCTOR_ANSWER = Instant.parse("2026-11-23T02:00:08.213470Z");
    private static final Instant PATIENT_ANSWER = Instant.parse("2026-11-23T02:00:13.498765Z");
    private static final Instant PATIENT_END = Instant.parse("2026-11-23T02:01:48.620044Z");

    private long task;
    private UUID call;

    @BeforeEach
    void requestACall() {
        task = dischargeAndTask("P001");
        call = callFor("cardDoc", task);
        consumer.pollOnce().block();
    }

    // ------------------------------------------------------------------ authentication

    @Test
    void cdrWithoutTheRightBasicCredentials_is401AndWritesNothing() {
        String body = doctorLeg(v -> { });
        List<Consumer<HttpHeaders>> wrong = List.of(
                h -> { },
                h -> h.setBasicAuth(CDR_USER, "wrong-password"),
                h -> h.setBasicAuth("someone", CDR_PASSWORD),
                h -> h.set(HttpHeaders.AUTHORIZATION, "Basic not-base64!"),
                h -> h.setBearerAuth(token("admin")));

        for (Consumer<HttpHeaders> headers : wrong) {
            web.post().uri("/api/telephony/cdr").headers(headers).contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                    .exchange().expectStatus().isUnauthorized()
                    .expectHeader().valueMatches(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"suifang-cdr\".*")
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.code").isEqualTo("SF-2020");
        }

        assertThat(count("SELECT count(*) FROM call_cdr")).isZero();
        assertThat(callRow(call)).containsEntry("status", "REQUESTED");
    }

    // ------------------------------------------------------------------ reconciliation

    @Test
    void cdrsOfACallTheEventsLeftOpen_endItConnectedWithTheSwitchsValues() {
        // the bridge delivered the start of the call, then its events were lost
        emit(event(call, ORIGINATE_ACCEPTED), event(call, DOCTOR_ANSWERED), event(call, PATIENT_RINGING));
        poll();
        Map<String, Object> eventDoctorAnswer = Map.of("at", callRow(call).get("doctor_answered_at"));

        postCdr(patientLeg(v -> { })).expectStatus().isOk().expectBody().jsonPath("$.result").isEqualTo("APPLIED");
        assertThat(callRow(call)).as("a patient-leg CDR alone does not end the call").containsEntry("status", "RINGING_PATIENT");

        postCdr(doctorLeg(v -> { })).expectStatus().isOk().expectBody().jsonPath("$.result").isEqualTo("APPLIED");

        Map<String, Object> row = callRow(call);
        assertThat(row).containsEntry("status", "ENDED").containsEntry("outcome", "CONNECTED")
                .containsEntry("hangup_cause", "NORMAL_CLEARING").containsEntry("billsec", 95)
                .containsEntry("duration_sec", 103);
        assertThat(instantOf(row.get("patient_answered_at"))).isEqualTo(PATIENT_ANSWER);
        assertThat(instantOf(row.get("ended_at"))).isEqualTo(Instant.parse("2026-11-23T02:01:48.655120Z"));
        assertThat(row.get("doctor_answered_at")).as("event-derived values are kept").isEqualTo(eventDoctorAnswer.get("at"));
        assertThat(count("SELECT count(*) FROM call_cdr WHERE closed_call AND leg = 'DOCTOR'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM call_cdr_mismatch")).isZero();
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'CALL_CDR' AND actor_type = 'SYSTEM'"
                + " AND actor_id IS NULL AND resource_id = '" + call + "'")).isEqualTo(2);
        assertThat(callView("cardDoc", call)).containsEntry("outcomeLabel", "已接通").containsEntry("billsec", 95);
    }

    @Test
    void doctorLegCdrAlone_ofAStuckCallWhosePatientWasBusy_endsItBusy() {
        emit(event(call, ORIGINATE_ACCEPTED), event(call, DOCTOR_ANSWERED));
        poll();

        // log-b-leg=false or the B-leg never became a channel: the A-leg carries the reason in originate_disposition
        postCdr(doctorLeg(v -> {
            v.put("originate_disposition", "USER_BUSY");
            v.put("hangup_cause", "USER_BUSY");
            v.put("bridge_uepoch", "0");
            v.put("bridge_epoch", "0");
            v.remove("last_bridge_hangup_cause");
        })).expectStatus().isOk();

        assertThat(callRow(call)).containsEntry("status", "ENDED").containsEntry("outcome", "BUSY")
                .containsEntry("hangup_cause", "USER_BUSY").containsEntry("billsec", 0).containsEntry("duration_sec", 103);
    }

    @Test
    void theSameCdrTwice_changesNothingTheSecondTime() {
        postCdr(patientLeg(v -> { })).expectStatus().isOk();
        postCdr(doctorLeg(v -> { })).expectStatus().isOk();
        Map<String, Object> before = callRow(call);
        long audits = count("SELECT count(*) FROM audit_event");

        postCdr(doctorLeg(v -> { })).expectStatus().isOk().expectBody().jsonPath("$.result").isEqualTo("DUPLICATE");
        postCdr(patientLeg(v -> { })).expectStatus().isOk().expectBody().jsonPath("$.result").isEqualTo("DUPLICATE");

        assertThat(callRow(call)).isEqualTo(before);
        assertThat(count("SELECT count(*) FROM call_cdr")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM audit_event")).isEqualTo(audits);
    }

    @Test
    void cdrsDisagreeingWithTheEvents_keepTheEventValues_recordTheMismatch_andFillWhatIsMissing() {
        // the events ended the call: talk time 90 s, duration 110 s; no answer times came through
        emit(event(call, ORIGINATE_ACCEPTED), ended(call, CallOutcome.CONNECTED, "NORMAL_CLEARING", 90));
        poll();

        postCdr(patientLeg(v -> { })).expectStatus().isOk()
                .expectBody().jsonPath("$.detail").isEqualTo("已核对，发现 1 处不一致，已记录");
        postCdr(doctorLeg(v -> { })).expectStatus().isOk();

        Map<String, Object> row = callRow(call);
        assertThat(row).containsEntry("status", "ENDED").containsEntry("outcome", "CONNECTED")
                .containsEntry("billsec", 90).containsEntry("duration_sec", 110);
        assertThat(instantOf(row.get("doctor_answered_at"))).isEqualTo(DOCTOR_ANSWER);
        assertThat(instantOf(row.get("patient_answered_at"))).isEqualTo(PATIENT_ANSWER);
        List<Map<String, Object>> mismatches = db.sql("""
                        SELECT m.field, m.recorded_value, m.cdr_value, c.leg FROM call_cdr_mismatch m
                        JOIN call_cdr c ON c.id = m.cdr_id WHERE m.call_id = :call ORDER BY m.id""")
                .bind("call", call).fetch().all().collectList().block();
        assertThat(mismatches).containsExactly(
                Map.of("field", "billsec", "recorded_value", "90", "cdr_value", "95", "leg", "PATIENT"),
                Map.of("field", "duration_sec", "recorded_value", "110", "cdr_value", "103", "leg", "DOCTOR"));
        assertThat(db.sql("SELECT detail FROM audit_event WHERE action = 'CALL_CDR' ORDER BY id").map(r -> r.get(0, String.class))
                .all().collectList().block())
                .containsExactly("leg=PATIENT; filled=patient_answered_at; mismatches=billsec",
                        "leg=DOCTOR; filled=doctor_answered_at; mismatches=duration_sec");
    }

    @Test
    void cdrSayingThePatientAnswered_whenTheEventsSayNoAnswer_isRecordedAsAnOutcomeMismatch() {
        emit(event(call, ORIGINATE_ACCEPTED), event(call, DOCTOR_ANSWERED), event(call, PATIENT_RINGING),
                ended(call, CallOutcome.PATIENT_NO_ANSWER, "NO_ANSWER", 0));
        poll();

        postCdr(patientLeg(v -> { })).expectStatus().isOk();

        assertThat(callRow(call)).containsEntry("outcome", "PATIENT_NO_ANSWER").containsEntry("billsec", 0);
        assertThat(count("SELECT count(*) FROM call_cdr_mismatch WHERE field = 'outcome'"
                + " AND recorded_value = 'PATIENT_NO_ANSWER' AND cdr_value = 'CONNECTED'")).isEqualTo(1);
    }

    // ------------------------------------------------------------------ encodings, bad input, strangers

    @Test
    void formAndBase64EncodedCdrs_areReadLikeJson() {
        String form = "cdr=" + URLEncoder.encode(patientLeg(v -> { }), StandardCharsets.UTF_8);
        post(MediaType.APPLICATION_FORM_URLENCODED, form).expectStatus().isOk();
        String base64 = "cdr=" + Base64.getEncoder().encodeToString(doctorLeg(v -> { }).getBytes(StandardCharsets.UTF_8));
        post(MediaType.parseMediaType("application/x-www-form-base64-encoded"), base64).expectStatus().isOk();

        assertThat(callRow(call)).containsEntry("status", "ENDED").containsEntry("outcome", "CONNECTED")
                .containsEntry("billsec", 95);
    }

    @Test
    void malformedCdr_is400NamingTheFieldAndWritesNothing() {
        record Bad(String body, String field) {
        }
        List<Bad> bad = List.of(
                new Bad("{\"variables\": {\"uuid\": ", "(body)"),
                new Bad("[1, 2]", "(body)"),
                new Bad("{\"core-uuid\": \"x\"}", "variables"),
                new Bad(doctorLeg(v -> v.put("suifang_call_id", "not-a-uuid")), "variables.suifang_call_id"),
                new Bad(doctorLeg(v -> v.remove("uuid")), "variables.uuid"),
                new Bad(doctorLeg(v -> v.put("billsec", "abc")), "variables.billsec"),
                new Bad(doctorLeg(v -> v.put("end_uepoch", "-5")), "variables.end_uepoch"),
                new Bad(doctorLeg(v -> v.put("hangup_cause", "X".repeat(65))), "variables.hangup_cause"));

        for (Bad b : bad) {
            postCdr(b.body()).expectStatus().isBadRequest()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody()
                    .jsonPath("$.code").isEqualTo("SF-2021")
                    .jsonPath("$.errors[0].field").isEqualTo(b.field())
                    .jsonPath("$.detail").value(d -> assertThat((String) d).startsWith("话单内容有误："));
        }
        post(MediaType.APPLICATION_FORM_URLENCODED, "other=1").expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("cdr");

        assertThat(count("SELECT count(*) FROM call_cdr")).isZero();
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'CALL_CDR'")).isZero();
        assertThat(callRow(call)).containsEntry("status", "REQUESTED");
    }

    @Test
    void cdrOfAnotherCallOnTheSwitch_orOfAnUnknownCall_isAcceptedAsIgnored() {
        UUID unknown = UUID.randomUUID();

        postCdr(doctorLeg(v -> v.remove("suifang_call_id"))).expectStatus().isAccepted()
                .expectBody().jsonPath("$.result").isEqualTo("IGNORED");
        postCdr(doctorLeg(v -> {
            v.put("suifang_call_id", unknown.toString());
            v.put("uuid", unknown.toString());
        })).expectStatus().isAccepted().expectBody().jsonPath("$.result").isEqualTo("IGNORED");
        postCdr(doctorLeg(v -> v.put("uuid", UUID.randomUUID().toString()))).expectStatus().isAccepted();

        assertThat(count("SELECT count(*) FROM call_cdr")).isZero();
        assertThat(callRow(call)).containsEntry("status", "REQUESTED");
    }

    // ------------------------------------------------------------------ helpers

    private WebTestClient.ResponseSpec postCdr(String json) {
        return post(MediaType.APPLICATION_JSON, json);
    }

    private WebTestClient.ResponseSpec post(MediaType type, String body) {
        // mod_json_cdr appends ?uuid=<channel uuid> to the configured url
        return web.post().uri("/api/telephony/cdr?uuid={uuid}", call).headers(h -> h.setBasicAuth(CDR_USER, CDR_PASSWORD))
                .contentType(type).bodyValue(body).exchange();
    }

    private String doctorLeg(Consumer<ObjectNode> variables) {
        return cdr("cdr/doctor-leg.json", variables);
    }

    private String patientLeg(Consumer<ObjectNode> variables) {
        return cdr("cdr/patient-leg.json", variables);
    }

    private String cdr(String resource, Consumer<ObjectNode> variables) {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(resource)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replace("__CALL_ID__", call.toString())
                    .replace("__PATIENT_UUID__", CallLegs.patientLegUuid(call.toString()))
                    .replace("__TASK_ID__", Long.toString(task));
            ObjectNode root = (ObjectNode) JSON.readTree(text);
            variables.accept((ObjectNode) root.get("variables"));
            return JSON.writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
