package cn.suifang.backend.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.TestCalls;
import cn.suifang.backend.support.TestHospital;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

/**
 * The patient's record as a FHIR R4 Bundle: conforms to the R4 core specification, leaves the ID-card and phone numbers
 * out, is audited like every read of patient data, and comes back whole when imported into another hospital.
 */
class FhirExportTest extends FhirTestBase {

    /**
     * Patient P001 after a PCI discharge (summary, instructions, medicines), with a LOINC-coded lab result, a follow-up
     * note with a blood-pressure reading, an unanswered call and a PHQ-2.
     */
    private long seededPatient() {
        importBatch(pciDischarge("ZY001", "P001", 5));
        long patient = patientId("P001");
        Patient p = patient("urn:uuid:8a0d6c3e-5b7a-4f0e-9a51-0c2f1e7d4b11", "P001");
        Observation fpg = result(FhirSystems.LOINC, "14771-0", "7.8", "mmol/L", p.getIdElement().getValue(),
                OffsetDateTime.now(clock).minusDays(1));
        fpg.setId("urn:uuid:1f7e9b0a-3c52-4d7e-8e61-5a2b9c0d7e22");
        assertThat(postFhir("admin", json(batch(p, fpg))).getStatus().value()).isEqualTo(200);
        List<Long> tasks = db.sql("SELECT id FROM follow_up_task WHERE patient_id = :p ORDER BY due_date, id").bind("p", patient)
                .map(r -> r.get(0, Long.class)).all().collectList().block();
        post("cardDoc", "/api/tasks/{id}/notes", Map.of("clientRequestId", "fhir-note-1", "outcome", "COMPLETED",
                "readings", List.of(Map.of("code", "SBP", "value", 128, "unit", "mmHg")), "adherence", "GOOD",
                "symptoms", List.of("胸闷"), "freeText", "活动后偶有胸闷，嘱按时服药"), tasks.get(0))
                .exchange().expectStatus().isCreated();
        TestCalls.insert(db, tasks.get(1), hospital.staff("cardNurse1"), "ENDED", "PATIENT_NO_ANSWER", false, null, null,
                OffsetDateTime.now(clock).minusHours(2));
        db.sql("""
                        INSERT INTO questionnaire_response (patient_id, questionnaire_id, questionnaire_code, client_request_id,
                            answers, score, band, band_label, submitted_by_type)
                        SELECT :p, id, code, 'fhir-phq2', '{"q1": 1, "q2": 2}', 3, 'POSITIVE', '筛查阳性', 'PATIENT'
                        FROM questionnaire WHERE code = 'PHQ2' AND status = 'ACTIVE'""").bind("p", patient).then().block();
        // health management: lifestyle answers (risk assessments), a manual tag, advice followed up, a signed summary
        post("cardNurse1", "/api/patients/{id}/questionnaire-responses", Map.of("clientRequestId", "fhir-life",
                "questionnaireCode", "LIFESTYLE", "answers", Map.of("smoking", 2, "alcohol", 0, "exercise", 1, "salt", 1,
                        "bpMeds", 0, "familyAscvd", 0, "familyDiabetes", 1, "height", 170, "weight", 84, "waist", 96)), patient)
                .exchange().expectStatus().isCreated();
        post("cardNurse1", "/api/patients/{id}/tags", Map.of("label", "听力障碍", "reason", "请联系女儿"), patient)
                .exchange().expectStatus().isCreated();
        long item = count("SELECT id FROM advice_item WHERE code = 'QUIT_SMOKING'");
        Number advice = (Number) post("cardDoc", "/api/patients/{id}/interventions", Map.of("adviceItemId", item), patient)
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody().get("id");
        post("cardNurse1", "/api/interventions/{id}/outcome", Map.of("outcome", "NOT_DONE"), advice).exchange().expectStatus().isOk();
        Map<?, ?> summary = post("cardDoc", "/api/patients/{id}/stage-summaries", Map.of(), patient)
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody();
        post("cardDoc", "/api/stage-summaries/{id}/sign", Map.of("version", summary.get("version")), summary.get("id"))
                .exchange().expectStatus().isOk();
        return patient;
    }

    private EntityExchangeResult<byte[]> export(String staff, long patientId) {
        return get(staff, "/api/patients/{id}/fhir", patientId).exchange().expectBody().returnResult();
    }

    @Test
    void export_conformsToTheR4CoreSpecification_andCarriesTheWholeRecord() {
        // Setup
        long patientId = seededPatient();

        // Act
        EntityExchangeResult<byte[]> r = export("cardDoc", patientId);

        // Verify
        assertThat(r.getStatus().value()).as(text(r)).isEqualTo(200);
        Bundle bundle = parse(r, Bundle.class);
        assertThat(bundle.getType()).isEqualTo(Bundle.BundleType.COLLECTION);
        Set<String> types = bundle.getEntry().stream().map(e -> e.getResource().fhirType()).collect(Collectors.toSet());
        assertThat(types).containsAll(List.of("Patient", "Encounter", "Condition", "Procedure", "DocumentReference",
                "MedicationStatement", "CarePlan", "Task", "QuestionnaireResponse", "Observation", "Communication", "Flag",
                "RiskAssessment", "Composition"));
        R4Conformance conformance = new R4Conformance(fhir);
        assertThat(conformance.errors(bundle)).isEmpty();
        assertThat(conformance.evaluatedInvariants).as("the invariants were really evaluated").isGreaterThan(500);

        Observation fpg = resources(bundle, Observation.class).stream()
                .filter(o -> o.getCode().getText().equals("空腹血糖")).findFirst().orElseThrow();
        assertThat(fpg.getCode().getCoding()).extracting(c -> c.getSystem() + "|" + c.getCode())
                .contains("http://loinc.org|14771-0", "https://suifang.example-hospital.cn/fhir/CodeSystem/indicator|FPG");
        assertThat(fpg.getValueQuantity().getSystem()).isEqualTo("http://unitsofmeasure.org");
        assertThat(fpg.getValueQuantity().getCode()).isEqualTo("mmol/L");
        Observation sbp = resources(bundle, Observation.class).stream()
                .filter(o -> o.getCode().getText().equals("收缩压")).findFirst().orElseThrow();
        assertThat(sbp.getValueQuantity().getCode()).isEqualTo("mm[Hg]");
        Patient patient = resources(bundle, Patient.class).get(0);
        assertThat(patient.getIdentifier()).singleElement()
                .satisfies(i -> assertThat(i.getValue()).isEqualTo("P001"));
    }

    @Test
    void export_leavesTheIdCardAndPhoneNumbersOut() {
        // Setup
        long patientId = seededPatient();

        // Act
        String body = text(export("cardDoc", patientId));

        // Verify (PIPL: the MRN identifies the patient to the hospital; the identifiers stay in the system)
        assertThat(body).doesNotContain("13812345678", "110105196003071235", "telecom");
    }

    @Test
    void export_isAuditedAsAReadOfThePatient_andHiddenFromOthers() {
        // Setup
        long patientId = seededPatient();

        // Act
        export("cardNurse2", patientId);
        EntityExchangeResult<byte[]> hidden = export("endoDoc", patientId);

        // Verify
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'FHIR_EXPORT' AND actor_type = 'STAFF' AND actor_id = "
                + hospital.staff("cardNurse2") + " AND resource_id = '" + patientId + "' AND " + patientId + " = ANY (patient_ids)"))
                .isEqualTo(1);
        assertThat(hidden.getStatus().value()).isEqualTo(404);
        assertThat(text(hidden)).contains("SF-1301");
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'FHIR_EXPORT' AND actor_id = " + hospital.staff("endoDoc")))
                .isZero();
    }

    @Test
    void roundTrip_theExportImportedIntoAFreshHospital_givesTheSameDischargeAndReadings() {
        // Setup
        long patientId = seededPatient();
        String exported = text(export("cardDoc", patientId));
        List<String> discharge = discharges();
        List<String> readings = readings();
        resetData(db);
        hospital = TestHospital.create(db, cipher);

        // Act
        EntityExchangeResult<byte[]> r = postFhir("admin", exported);

        // Verify
        Bundle response = parse(r, Bundle.class);
        assertThat(statuses(response)).as(text(r)).allMatch(s -> s.startsWith("2"));
        assertThat(discharges()).isEqualTo(discharge).hasSize(1);
        assertThat(readings()).isEqualTo(readings).hasSize(5); // the lab, the note and the lifestyle questionnaire, each with its source
        assertThat(count("SELECT count(*) FROM care_plan cp JOIN pathway p ON p.id = cp.pathway_id WHERE p.code = 'PCI'"))
                .isEqualTo(1);
    }

    private List<String> discharges() {
        return db.sql("""
                        SELECT concat_ws('|', e.source, e.source_encounter_id, d.code, s.employee_no, e.admission_date,
                            e.discharge_date, e.diagnoses, e.procedures, e.discharge_summary, e.discharge_instructions,
                            e.discharge_medications, p.mrn, p.name, p.gender, p.birth_date) AS row
                        FROM encounter e JOIN department d ON d.id = e.department_id JOIN patient p ON p.id = e.patient_id
                        LEFT JOIN staff s ON s.id = e.attending_staff_id ORDER BY e.id""")
                .map(r -> r.get(0, String.class)).all().collectList().block();
    }

    private List<String> readings() {
        return db.sql("""
                        SELECT concat_ws('|', code, value, unit, date_trunc('second', effective_at), source) FROM observation
                        ORDER BY code, effective_at""")
                .map(r -> r.get(0, String.class)).all().collectList().block();
    }

    private static <T extends Resource> List<T> resources(Bundle bundle, Class<T> type) {
        return bundle.getEntry().stream().map(Bundle.BundleEntryComponent::getResource).filter(type::isInstance)
                .map(type::cast).toList();
    }
}
