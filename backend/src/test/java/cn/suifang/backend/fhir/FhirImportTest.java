package cn.suifang.backend.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

/**
 * FHIR R4 from the hospital's interface engine: discharges through the same import as CSV and HL7, results mapped
 * (LOINC or the LIS's own codes) and converted to our units, idempotent resends; malformed and unprocessable content
 * answered with an OperationOutcome naming the element, kept in the interface log and replayable once fixed.
 */
class FhirImportTest extends FhirTestBase {

    private static String uuid() {
        return "urn:uuid:" + UUID.randomUUID();
    }

    /** A finished PCI stay as a HIS sends it: Patient, Encounter, the discharge diagnosis and the stent procedure. */
    private Bundle dischargeBundle(String mrn, String visit) {
        Patient patient = patient(uuid(), mrn);
        patient.setGender(Enumerations.AdministrativeGender.MALE).setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1960-03-07"));
        patient.addTelecom().setSystem(org.hl7.fhir.r4.model.ContactPoint.ContactPointSystem.PHONE).setValue("13812345678");
        Encounter encounter = new Encounter();
        encounter.setId(uuid());
        encounter.addIdentifier().setSystem("http://his.example-hospital.cn/visit").setValue(visit);
        encounter.setStatus(Encounter.EncounterStatus.FINISHED);
        encounter.setClass_(new Coding(FhirSystems.V3_ACT_CODE, "IMP", null));
        encounter.setSubject(new Reference(patient.getIdElement().getValue()));
        encounter.setServiceType(new CodeableConcept(new Coding("http://his.example-hospital.cn/department", "CARD", "心血管内科")));
        encounter.addParticipant().getIndividual().getIdentifier().setValue("D001");
        java.time.LocalDate out = clock.today().minusDays(3);
        encounter.setPeriod(new Period().setStartElement(new DateTimeType(out.minusDays(5).toString()))
                .setEndElement(new DateTimeType(out + "T10:00:00+08:00")));
        Condition condition = new Condition();
        condition.setId(uuid());
        condition.setCode(new CodeableConcept(new Coding("http://hl7.org/fhir/sid/icd-10", "I21.0", "急性前壁心肌梗死")));
        condition.setSubject(new Reference(patient.getIdElement().getValue()));
        encounter.addDiagnosis().setCondition(new Reference(condition.getIdElement().getValue())).setRank(1);
        Procedure procedure = new Procedure();
        procedure.setId(uuid());
        procedure.setStatus(Procedure.ProcedureStatus.COMPLETED);
        procedure.setCode(new CodeableConcept(new Coding("http://hl7.org/fhir/sid/icd-9-cm", "36.07", null)));
        procedure.setSubject(new Reference(patient.getIdElement().getValue()));
        procedure.setEncounter(new Reference(encounter.getIdElement().getValue()));
        Bundle bundle = batch(patient, encounter, condition, procedure);
        bundle.setType(Bundle.BundleType.TRANSACTION);
        return bundle;
    }

    @Test
    void aFinishedEncounterWithItsPatientAndConditions_isImportedLikeACsvDischarge_andOnlyOnce() {
        // Act
        String body = json(dischargeBundle("P801", "ZY801"));
        Bundle first = parse(postFhir("admin", body), Bundle.class);
        Bundle again = parse(postFhir("admin", body), Bundle.class);

        // Verify
        assertThat(first.getType()).isEqualTo(Bundle.BundleType.BATCHRESPONSE);
        assertThat(statuses(first)).containsExactly("201 Created", "201 Created", "201 Created", "201 Created");
        assertThat(count("SELECT count(*) FROM encounter WHERE source = 'HIS' AND source_encounter_id = 'ZY801' "
                + "AND primary_diagnosis = 'I21.0' AND procedures = '{36.07}'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM patient WHERE mrn = 'P801' AND name = '张三' AND gender = 'MALE' "
                + "AND phone_bidx IS NOT NULL")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM care_plan cp JOIN pathway p ON p.id = cp.pathway_id WHERE p.code = 'PCI'"))
                .as("the PCI pathway is matched by the procedure").isEqualTo(1);
        assertThat(statuses(again)).containsOnly("200 OK");
        assertThat(count("SELECT count(*) FROM encounter")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM hl7_message WHERE channel = 'FHIR' AND status = 'PROCESSED' "
                + "AND message_type = 'Bundle/transaction'")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM hl7_message WHERE position('张三' in encode(raw_enc, 'escape')) > 0"))
                .as("the request is stored encrypted").isZero();
    }

    @Test
    void glucoseInMgPerDl_isStoredInMmolPerL_runsTheAlertRules_andAResendStoresNothingTwice() {
        // Setup
        importBatch(pciDischarge("ZY001", "P001", 5));
        Patient patient = patient(uuid(), "P001");
        OffsetDateTime now = OffsetDateTime.now(clock);
        Observation first = result(FhirSystems.LOINC, "1558-6", "198", "mg/dL", patient.getIdElement().getValue(), now.minusDays(2));
        first.setId(uuid());
        Observation second = result(FhirSystems.LOINC, "1558-6", "216", "mg/dL", patient.getIdElement().getValue(), now.minusHours(3));
        second.setId(uuid());
        String body = json(batch(patient, first, second));

        // Act
        Bundle response = parse(postFhir("admin", body), Bundle.class);
        Bundle resent = parse(postFhir("admin", body), Bundle.class);

        // Verify
        assertThat(statuses(response)).as("the Patient only identifies whose results they are")
                .containsExactly("200 OK", "201 Created", "201 Created");
        assertThat(count("SELECT count(*) FROM observation WHERE code = 'FPG' AND unit = 'mmol/L' AND value IN (10.99, 11.99) "
                + "AND source = 'LAB'")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM alert WHERE rule_code = 'FPG_HIGH_REPEAT' AND status = 'OPEN'"))
                .as("two fasting glucose > 10 mmol/L within 14 days").isEqualTo(1);
        assertThat(statuses(resent)).containsExactly("200 OK", "200 OK", "200 OK");
        assertThat(count("SELECT count(*) FROM observation WHERE code = 'FPG'")).isEqualTo(2);
        assertThat(resent.getEntry().get(1).getResponse().getOutcome()).isInstanceOf(OperationOutcome.class);
    }

    @Test
    void malformedJson_isAnswered400WithAnOperationOutcome_andKept() {
        // Act
        EntityExchangeResult<byte[]> r = postFhir("admin", "{\"resourceType\": \"Bundle\", \"type\": \"batch\", \"entry\": [");

        // Verify
        assertThat(r.getStatus().value()).isEqualTo(400);
        OperationOutcome outcome = parse(r, OperationOutcome.class);
        assertThat(firstError(outcome).getCode()).isEqualTo(OperationOutcome.IssueType.STRUCTURE);
        assertThat(firstError(outcome).getDiagnostics()).contains("不是合法的 JSON");
        assertThat(firstError(outcome).getDetails().getText()).as("the code that leads to the place").matches("SF-29\\d\\d");
        assertThat(lastFhirLog()[1]).isEqualTo("REJECTED");
    }

    @Test
    void aResourceTypeWeDoNotTake_isAnswered422NamingTheElement_andKept() {
        // Act
        EntityExchangeResult<byte[]> r = postFhir("admin", "{\"resourceType\": \"Practitioner\", \"id\": \"d1\"}");

        // Verify
        assertThat(r.getStatus().value()).isEqualTo(422);
        var issue = firstError(parse(r, OperationOutcome.class));
        assertThat(issue.getCode()).isEqualTo(OperationOutcome.IssueType.NOTSUPPORTED);
        assertThat(issue.getExpression()).extracting(Object::toString).containsExactly("resourceType");
        assertThat(issue.getDiagnostics()).contains("Practitioner", "Bundle");
        assertThat(lastFhirLog()[1]).isEqualTo("REJECTED");
    }

    @Test
    void anObservationWithoutPatientIdentifier_isAnswered422AtPatientIdentifier() {
        // Setup: a lone Observation whose contained Patient carries no identifier
        String observation = """
                {"resourceType": "Observation", "id": "lab-1",
                 "contained": [{"resourceType": "Patient", "id": "p", "name": [{"text": "无名氏"}]}],
                 "status": "final", "code": {"coding": [{"system": "http://loinc.org", "code": "2093-3"}]},
                 "subject": {"reference": "#p"}, "effectiveDateTime": "2026-11-20T08:00:00+08:00",
                 "valueQuantity": {"value": 5.2, "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L"}}""";

        // Act
        EntityExchangeResult<byte[]> r = postFhir("admin", observation);

        // Verify
        assertThat(r.getStatus().value()).as(text(r)).isEqualTo(422);
        var issue = firstError(parse(r, OperationOutcome.class));
        assertThat(issue.getCode()).isEqualTo(OperationOutcome.IssueType.REQUIRED);
        assertThat(issue.getExpression()).extracting(Object::toString).containsExactly("Patient.identifier");
        assertThat(issue.getDiagnostics()).contains("病案号");
        assertThat(lastFhirLog()[1]).isEqualTo("REJECTED");
        assertThat(count("SELECT count(*) FROM observation")).isZero();
    }

    @Test
    void anUnknownLocalCode_isRefusedAndKept_thenStoredByReplayOnceMapped() {
        // Setup
        importBatch(pciDischarge("ZY001", "P001", 5));
        Patient patient = patient(uuid(), "P001");
        Observation glucose = result(LIS, "GLU", "11.2", "mmol/L", patient.getIdElement().getValue(), OffsetDateTime.now(clock));
        glucose.setId(uuid());

        // Act
        Bundle response = parse(postFhir("admin", json(batch(patient, glucose))), Bundle.class);

        // Verify: refused, naming the element, kept as a dead letter
        assertThat(statuses(response)).containsExactly("200 OK", "422 Unprocessable Entity");
        var issue = firstError((OperationOutcome) response.getEntry().get(1).getResponse().getOutcome());
        assertThat(issue.getCode()).isEqualTo(OperationOutcome.IssueType.CODEINVALID);
        assertThat(issue.getExpression()).extracting(Object::toString).containsExactly("Observation.code");
        assertThat(issue.getDiagnostics()).contains("LISLOCAL GLU");
        Object[] logged = lastFhirLog();
        assertThat(logged[1]).isEqualTo("REJECTED");
        get("admin", "/api/admin/hl7/messages?channel=FHIR&status=REJECTED").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$[0].id").isEqualTo(((Long) logged[0]).intValue())
                .jsonPath("$[0].channel").isEqualTo("FHIR")
                .jsonPath("$[0].detail").value(d -> assertThat(d.toString()).contains("LISLOCAL GLU"));
        get("admin", "/api/admin/hl7/messages?channel=HL7V2").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.length()").isEqualTo(0);

        // Act: IT maps the code and replays
        web.put().uri("/api/admin/lab-codes/LISLOCAL/GLU").header("Authorization", "Bearer " + token("admin"))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("observationCode", "FPG")).exchange()
                .expectStatus().isOk();
        post("admin", "/api/admin/hl7/messages/{id}/replay", Map.of(), logged[0]).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("PROCESSED").jsonPath("$.channel").isEqualTo("FHIR")
                .jsonPath("$.replayOf").isEqualTo(((Long) logged[0]).intValue());

        // Verify
        assertThat(count("SELECT count(*) FROM observation WHERE code = 'FPG' AND value = 11.2")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM hl7_message WHERE id = " + logged[0] + " AND replayed_at IS NOT NULL")).isEqualTo(1);
        post("admin", "/api/admin/hl7/messages/{id}/replay", Map.of(), logged[0]).exchange().expectStatus().isOk();
        assertThat(count("SELECT count(*) FROM observation WHERE code = 'FPG'")).as("a second replay stores nothing twice")
                .isEqualTo(1);
    }

    @Test
    void aDoctor_mayNotPostFhir_andNothingIsKept() {
        // Act
        EntityExchangeResult<byte[]> r = postFhir("cardDoc", json(dischargeBundle("P802", "ZY802")));

        // Verify
        assertThat(r.getStatus().value()).isEqualTo(403);
        assertThat(text(r)).contains("SF-1101");
        assertThat(count("SELECT count(*) FROM hl7_message")).isZero();
        assertThat(count("SELECT count(*) FROM patient")).isZero();
    }

    @Test
    void aDiagnosticReportsContainedResults_andNonFinalOnes_areAnsweredThroughTheReport() {
        // Setup
        importBatch(pciDischarge("ZY001", "P001", 5));
        Patient patient = patient(uuid(), "P001");
        org.hl7.fhir.r4.model.DiagnosticReport report = new org.hl7.fhir.r4.model.DiagnosticReport();
        report.setId(uuid());
        report.setStatus(org.hl7.fhir.r4.model.DiagnosticReport.DiagnosticReportStatus.FINAL);
        report.setCode(new CodeableConcept().setText("血脂四项"));
        report.setSubject(new Reference(patient.getIdElement().getValue()));
        Observation ldl = result(FhirSystems.LOINC, "13457-7", "145", "mg/dL", patient.getIdElement().getValue(),
                OffsetDateTime.now(clock));
        ldl.setId("ldl");
        Observation preliminary = result(FhirSystems.LOINC, "2571-8", "1.8", "mmol/L", patient.getIdElement().getValue(),
                OffsetDateTime.now(clock));
        preliminary.setId("tg");
        preliminary.setStatus(Observation.ObservationStatus.PRELIMINARY);
        report.addContained(ldl).addContained(preliminary);
        report.addResult(new Reference("#ldl")).addResult(new Reference("#tg"));

        // Act
        Bundle response = parse(postFhir("admin", json(batch(patient, report))), Bundle.class);

        // Verify
        assertThat(statuses(response)).containsExactly("200 OK", "201 Created");
        assertThat(count("SELECT count(*) FROM observation WHERE code = 'LDL_C' AND value = 3.75")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM observation WHERE code = 'TG'")).isZero();
        assertThat(((OperationOutcome) response.getEntry().get(1).getResponse().getOutcome()).getIssue())
                .anyMatch(i -> i.getDiagnostics().contains("非最终结果"));
    }

    @Test
    void aResultNamingThePatientOnlyByIdCard_findsThemThroughTheBlindIndex() {
        // Setup: the LIS knows the resident ID card, not our MRN
        importBatch(pciDischarge("ZY001", "P001", 5));
        Observation tc = result(FhirSystems.LOINC, "14647-2", "5.2", "mmol/L", null, OffsetDateTime.now(clock));
        tc.setId("tc-1");
        tc.setSubject(new Reference().setIdentifier(new org.hl7.fhir.r4.model.Identifier()
                .setSystem(FhirSystems.CN_ID_CARD_OID).setValue("110105196003071235")));

        // Act
        EntityExchangeResult<byte[]> r = postFhir("admin", json(tc));

        // Verify
        assertThat(r.getStatus().value()).as(text(r)).isEqualTo(201);
        assertThat(count("SELECT count(*) FROM observation WHERE code = 'TC' AND value = 5.2 AND patient_id = "
                + patientId("P001"))).isEqualTo(1);
    }

    @Test
    void aDischargeToAnUnknownDepartment_isAnswered422AtServiceType_andImportedByReplayOnceTheDepartmentExists() {
        // Setup
        Bundle bundle = dischargeBundle("P803", "ZY803");
        ((Encounter) bundle.getEntry().get(1).getResource()).getServiceType().getCodingFirstRep().setCode("CARD9");

        // Act
        Bundle response = parse(postFhir("admin", json(bundle)), Bundle.class);

        // Verify
        assertThat(statuses(response).get(1)).isEqualTo("422 Unprocessable Entity");
        var issue = firstError((OperationOutcome) response.getEntry().get(1).getResponse().getOutcome());
        assertThat(issue.getExpression()).extracting(Object::toString).containsExactly("Encounter.serviceType");
        assertThat(issue.getDiagnostics()).contains("CARD9");
        assertThat(count("SELECT count(*) FROM encounter")).isZero();
        Object[] logged = lastFhirLog();
        assertThat(logged[1]).isEqualTo("REJECTED");

        // Act: IT adds the department and replays
        db.sql("INSERT INTO department (hospital_id, code, name) VALUES (:h, 'CARD9', '心内九病区')")
                .bind("h", hospital.hospitalId).then().block();
        post("admin", "/api/admin/hl7/messages/{id}/replay", Map.of(), logged[0]).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("PROCESSED");

        // Verify
        assertThat(count("SELECT count(*) FROM encounter WHERE source_encounter_id = 'ZY803'")).isEqualTo(1);
    }
}
