package cn.suifang.backend.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import cn.suifang.backend.support.IntegrationTest;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

/** Posting and reading FHIR the way a hospital's interface engine does, and building the content it sends. */
abstract class FhirTestBase extends IntegrationTest {

    static final MediaType FHIR_JSON = MediaType.parseMediaType("application/fhir+json");
    static final String LIS = "http://lis.example-hospital.cn/CodeSystem/LISLOCAL";

    @Autowired
    protected FhirContext fhir;

    protected EntityExchangeResult<byte[]> postFhir(String staff, String body) {
        return web.post().uri("/api/fhir").header("Authorization", "Bearer " + token(staff))
                .contentType(FHIR_JSON).bodyValue(body.getBytes(StandardCharsets.UTF_8))
                .exchange().expectBody().returnResult();
    }

    protected String json(Resource r) {
        return fhir.newJsonParser().encodeResourceToString(r);
    }

    protected <T extends Resource> T parse(EntityExchangeResult<byte[]> r, Class<T> type) {
        assertThat(r.getResponseHeaders().getContentType()).as(text(r)).isNotNull();
        assertThat(r.getResponseHeaders().getContentType().isCompatibleWith(FHIR_JSON)).as(text(r)).isTrue();
        return fhir.newJsonParser().parseResource(type, text(r));
    }

    static String text(EntityExchangeResult<byte[]> r) {
        return r.getResponseBody() == null ? "" : new String(r.getResponseBody(), StandardCharsets.UTF_8);
    }

    /** Entry statuses of a batch-response, e.g. ["201 Created", "200 OK"]. */
    static List<String> statuses(Bundle response) {
        return response.getEntry().stream().map(e -> e.getResponse().getStatus()).toList();
    }

    static OperationOutcome.OperationOutcomeIssueComponent firstError(OperationOutcome outcome) {
        return outcome.getIssue().stream().filter(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
                .findFirst().orElseThrow(() -> new AssertionError("no error issue in the OperationOutcome"));
    }

    static Patient patient(String fullUrlId, String mrn) {
        Patient p = new Patient();
        p.setId(fullUrlId);
        p.addIdentifier(new Identifier().setType(new CodeableConcept(new Coding(FhirSystems.V2_0203, "MR", null)))
                .setSystem("http://his.example-hospital.cn/mrn").setValue(mrn));
        p.addName().setText("张三");
        return p;
    }

    /** A final lab result of the patient entry {@code patientRef}. */
    static Observation result(String system, String code, String value, String ucum, String patientRef, OffsetDateTime at) {
        Observation o = new Observation();
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.setCode(new CodeableConcept(new Coding(system, code, null)));
        o.setSubject(new Reference(patientRef));
        o.setEffective(new DateTimeType(java.util.Date.from(at.toInstant())));
        o.setValue(new Quantity().setValue(new java.math.BigDecimal(value)).setSystem(FhirSystems.UCUM).setCode(ucum).setUnit(ucum));
        return o;
    }

    static Bundle batch(Resource... resources) {
        Bundle b = new Bundle().setType(Bundle.BundleType.BATCH);
        for (Resource r : resources) {
            String fullUrl = r.getIdElement().getValue();
            b.addEntry().setFullUrl(fullUrl).setResource(r).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl(r.fhirType());
        }
        return b;
    }

    protected long patientId(String mrn) {
        return db.sql("SELECT id FROM patient WHERE mrn = :m").bind("m", mrn).map(r -> r.get(0, Long.class)).one().block();
    }

    /** The interface log's newest FHIR entry: id and status. */
    protected Object[] lastFhirLog() {
        return db.sql("SELECT id, status, detail FROM hl7_message WHERE channel = 'FHIR' ORDER BY id DESC LIMIT 1")
                .map(r -> new Object[] {r.get("id", Long.class), r.get("status", String.class), r.get("detail", String.class)})
                .one().block();
    }
}
