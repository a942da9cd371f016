package cn.suifang.backend.fhir;

import ca.uhn.fhir.context.FhirContext;
import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.note.NoteOutcome;
import cn.suifang.backend.observation.ObservationCode;
import cn.suifang.backend.pathway.Channel;
import cn.suifang.backend.patient.PatientAccess;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import io.r2dbc.spi.Readable;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Composition;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A patient's record as one FHIR R4 {@code collection} Bundle, so the hospital can take it anywhere: the patient, each
 * discharge (Encounter with its diagnoses, procedures, summary, instructions and medicines), the follow-up plan
 * (CarePlan with the pathway's planned steps), the follow-up tasks (Task), questionnaire answers and scores
 * (QuestionnaireResponse), readings and lab results (Observation, LOINC and UCUM where known), and the contact record
 * (Communication: notes and call attempts; never recordings).
 * <p>
 * The patient's phone and ID-card numbers are left out on purpose (PIPL 《个人信息保护法》 art. 6: no more personal information
 * than the purpose needs): the MRN identifies the patient to the hospital; the identifiers stay in the system, masked.
 */
@Service
public class FhirExport {

    /** LOINC codes whose property (moles/volume) matches our canonical unit, preferred when lab_code_map has several. */
    private static final Map<ObservationCode, String> CANONICAL_LOINC = Map.of(ObservationCode.FPG, "14771-0",
            ObservationCode.PPG, "14760-3", ObservationCode.TC, "14647-2", ObservationCode.LDL_C, "22748-8",
            ObservationCode.TG, "14927-8", ObservationCode.CREATININE, "14682-9");
    private static final Set<ObservationCode> VITAL_SIGNS = Set.of(ObservationCode.SBP, ObservationCode.DBP, ObservationCode.HR,
            ObservationCode.WEIGHT, ObservationCode.SPO2);

    private final DatabaseClient db;
    private final PatientAccess access;
    private final AuditService audit;
    private final FhirContext fhir;
    private final SuifangProperties properties;
    private final Clock clock;
    private final JsonMapper json = JsonMapper.builder().build();

    FhirExport(DatabaseClient db, PatientAccess access, AuditService audit, FhirContext fhir, SuifangProperties properties,
               Clock clock) {
        this.db = db;
        this.access = access;
        this.audit = audit;
        this.fhir = fhir;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * The Bundle as JSON; only for staff who may see the patient (404 otherwise); every export is audited. Patients take
     * their own data from the mini-program ({@code /api/mp/my-data}).
     */
    public Mono<String> export(Principal principal, long patientId) {
        principal.requireStaff();
        return access.require(principal, patientId)
                .then(load(patientId))
                .publishOn(Schedulers.boundedElastic())
                .map(this::bundle)
                .flatMap(bundle -> audit.record(principal, "FHIR_EXPORT", "patient", patientId, List.of(patientId),
                                "resources=" + bundle.getEntry().size())
                        .thenReturn(bundle))
                .publishOn(Schedulers.boundedElastic())
                .map(bundle -> fhir.newJsonParser().encodeResourceToString(bundle));
    }

    // ------------------------------------------------------------------ what is read

    record PatientRow(long id, String mrn, String name, String gender, LocalDate birthDate, String hospitalCode,
                      String hospitalName, String departmentCode, String departmentName) {
    }

    record EncounterRow(long id, String source, String sourceEncounterId, String departmentCode, String departmentName,
                        String attendingNo, String attendingName, LocalDate admission, LocalDate discharge,
                        List<String> diagnoses, List<String> procedures, String summary, String instructions,
                        List<String> medications) {
    }

    record PlanRow(long id, long encounterId, long pathwayId, String pathwayCode, String pathwayName, LocalDate start,
                   String status) {
    }

    record StepRow(long pathwayId, long id, int seq, int offsetDays, int windowDays, String channel, String role,
                   String title, String instructions) {
    }

    record TaskRow(long id, long carePlanId, Long stepId, String title, String channel, String role, String assigneeNo,
                   String assigneeName, LocalDate due, LocalDate windowEnd, String status, String outcome,
                   OffsetDateTime completedAt, OffsetDateTime createdAt) {
    }

    record ResponseRow(long id, String code, int version, String title, String definition, Long taskId, String answers,
                       Integer score, String bandLabel, String submittedBy, OffsetDateTime at) {
    }

    record ObservationRow(long id, ObservationCode code, BigDecimal value, OffsetDateTime at, String source, Long encounterId) {
    }

    record NoteRow(long id, long taskId, String authorNo, String authorName, String outcome, String channel,
                   List<String> symptoms, String adherence, List<String> adverse, List<String> advice, LocalDate next,
                   String freeText, OffsetDateTime at, Integer billsec) {
    }

    record CallRow(String id, long taskId, String staffNo, String staffName, String status, String outcome,
                   OffsetDateTime at, Integer billsec) {
    }

    record Data(PatientRow patient, List<EncounterRow> encounters, Map<String, String> codeNames, List<PlanRow> plans,
                List<StepRow> steps, List<TaskRow> tasks, List<ResponseRow> responses, List<ObservationRow> observations,
                Map<ObservationCode, String> loinc, List<NoteRow> notes, List<CallRow> calls, Health health) {
    }
    record TagRow(long id, String code, String label, String category, String reason, OffsetDateTime setAt,
                  OffsetDateTime clearedAt, String clearedReason) {
    }

    record RiskRow(long id, String model, OffsetDateTime at, boolean complete, BigDecimal value, String unit,
                   String categoryLabel, String inputs, List<String> missing, List<String> reasons) {
    }

    record AdviceRow(long id, String kind, String title, String body, String status, OffsetDateTime sentAt, String staffNo,
                     String staffName, String outcome, OffsetDateTime outcomeAt) {
    }

    record SummaryRow(long id, long carePlanId, String phaseLabel, LocalDate start, LocalDate end, String narrative,
                      String status, OffsetDateTime generatedAt, OffsetDateTime signedAt, String signerNo, String signerName) {
    }

    /** Tags, risk assessments, health advice sent and stage summaries: the health-management part of the record. */
    record Health(List<TagRow> tags, List<RiskRow> risks, List<AdviceRow> advice, List<SummaryRow> summaries) {
    }


    private Mono<Data> load(long patientId) {
        Mono<PatientRow> patient = db.sql("""
                        SELECT p.*, h.code AS hospital_code, h.name AS hospital_name, d.code AS dept_code, d.name AS dept_name
                        FROM patient p JOIN hospital h ON h.id = p.hospital_id JOIN department d ON d.id = p.department_id
                        WHERE p.id = :p""").bind("p", patientId)
                .map(r -> new PatientRow(r.get("id", Long.class), r.get("mrn", String.class), r.get("name", String.class),
                        r.get("gender", String.class), r.get("birth_date", LocalDate.class), r.get("hospital_code", String.class),
                        r.get("hospital_name", String.class), r.get("dept_code", String.class), r.get("dept_name", String.class)))
                .one();
        var encounters = db.sql("""
                        SELECT e.*, d.code AS dept_code, d.name AS dept_name, s.employee_no, s.name AS staff_name
                        FROM encounter e JOIN department d ON d.id = e.department_id
                        LEFT JOIN staff s ON s.id = e.attending_staff_id
                        WHERE e.patient_id = :p AND NOT e.voided ORDER BY e.discharge_date, e.id""").bind("p", patientId)
                .map(r -> new EncounterRow(r.get("id", Long.class), r.get("source", String.class),
                        r.get("source_encounter_id", String.class), r.get("dept_code", String.class),
                        r.get("dept_name", String.class), r.get("employee_no", String.class), r.get("staff_name", String.class),
                        r.get("admission_date", LocalDate.class), r.get("discharge_date", LocalDate.class),
                        strings(r, "diagnoses"), strings(r, "procedures"), r.get("discharge_summary", String.class),
                        r.get("discharge_instructions", String.class), strings(r, "discharge_medications")))
                .all().collectList();
        var codeNames = db.sql("""
                        SELECT code, name FROM icd10_code WHERE code IN (SELECT unnest(diagnoses) FROM encounter WHERE patient_id = :p)
                        UNION ALL
                        SELECT code, name FROM procedure_code WHERE code IN (SELECT unnest(procedures) FROM encounter WHERE patient_id = :p)""")
                .bind("p", patientId)
                .map(r -> Map.entry(r.get("code", String.class), r.get("name", String.class))).all()
                .collectMap(Map.Entry::getKey, Map.Entry::getValue, HashMap::new);
        var plans = db.sql("""
                        SELECT cp.*, pw.code AS pathway_code, pw.name AS pathway_name
                        FROM care_plan cp JOIN pathway pw ON pw.id = cp.pathway_id WHERE cp.patient_id = :p ORDER BY cp.id""")
                .bind("p", patientId)
                .map(r -> new PlanRow(r.get("id", Long.class), r.get("encounter_id", Long.class), r.get("pathway_id", Long.class),
                        r.get("pathway_code", String.class), r.get("pathway_name", String.class),
                        r.get("start_date", LocalDate.class), r.get("status", String.class)))
                .all().collectList();
        var steps = db.sql("""
                        SELECT s.* FROM pathway_step s WHERE s.pathway_id IN (SELECT pathway_id FROM care_plan WHERE patient_id = :p)
                        ORDER BY s.pathway_id, s.seq""").bind("p", patientId)
                .map(r -> new StepRow(r.get("pathway_id", Long.class), r.get("id", Long.class), r.get("seq", Integer.class),
                        r.get("offset_days", Integer.class), r.get("window_days", Integer.class), r.get("channel", String.class),
                        r.get("role", String.class), r.get("title", String.class), r.get("instructions", String.class)))
                .all().collectList();
        var tasks = db.sql("""
                        SELECT t.*, s.employee_no, s.name AS staff_name FROM follow_up_task t
                        LEFT JOIN staff s ON s.id = t.assignee_id WHERE t.patient_id = :p ORDER BY t.due_date, t.id""")
                .bind("p", patientId)
                .map(r -> new TaskRow(r.get("id", Long.class), r.get("care_plan_id", Long.class), r.get("step_id", Long.class),
                        r.get("title", String.class), r.get("channel", String.class), r.get("role", String.class),
                        r.get("employee_no", String.class), r.get("staff_name", String.class), r.get("due_date", LocalDate.class),
                        r.get("window_end", LocalDate.class), r.get("status", String.class), r.get("outcome", String.class),
                        r.get("completed_at", OffsetDateTime.class), r.get("created_at", OffsetDateTime.class)))
                .all().collectList();
        var responses = db.sql("""
                        SELECT r.*, q.version, q.title, CAST(q.definition AS TEXT) AS definition_text,
                               CAST(r.answers AS TEXT) AS answers_text
                        FROM questionnaire_response r JOIN questionnaire q ON q.id = r.questionnaire_id
                        WHERE r.patient_id = :p ORDER BY r.created_at, r.id""").bind("p", patientId)
                .map(r -> new ResponseRow(r.get("id", Long.class), r.get("questionnaire_code", String.class),
                        r.get("version", Integer.class), r.get("title", String.class), r.get("definition_text", String.class),
                        r.get("task_id", Long.class), r.get("answers_text", String.class), r.get("score", Integer.class),
                        r.get("band_label", String.class), r.get("submitted_by_type", String.class),
                        r.get("created_at", OffsetDateTime.class)))
                .all().collectList();
        var observations = db.sql("""
                        SELECT * FROM observation WHERE patient_id = :p AND NOT voided ORDER BY effective_at, id""")
                .bind("p", patientId)
                .map(r -> new ObservationRow(r.get("id", Long.class), ObservationCode.valueOf(r.get("code", String.class)),
                        r.get("value", BigDecimal.class), r.get("effective_at", OffsetDateTime.class),
                        r.get("source", String.class), r.get("encounter_id", Long.class)))
                .all().collectList();
        var loinc = db.sql("SELECT code, observation_code, note FROM lab_code_map WHERE coding_system = 'LN' ORDER BY code")
                .map(r -> new String[] {r.get("code", String.class), r.get("observation_code", String.class), r.get("note", String.class)})
                .all().collectList().map(FhirExport::preferredLoinc);
        var notes = db.sql("""
                        SELECT n.*, s.employee_no, s.name AS staff_name, c.billsec FROM follow_up_note n
                        JOIN staff s ON s.id = n.author_id LEFT JOIN call_record c ON c.id = n.call_id
                        WHERE n.patient_id = :p AND NOT n.voided ORDER BY n.created_at, n.id""").bind("p", patientId)
                .map(r -> new NoteRow(r.get("id", Long.class), r.get("task_id", Long.class), r.get("employee_no", String.class),
                        r.get("staff_name", String.class), r.get("outcome", String.class), r.get("contact_channel", String.class),
                        strings(r, "symptoms"), r.get("adherence", String.class), strings(r, "adverse_reactions"),
                        strings(r, "advice"), r.get("next_contact_date", LocalDate.class), r.get("free_text", String.class),
                        r.get("created_at", OffsetDateTime.class), r.get("billsec", Integer.class)))
                .all().collectList();
        var calls = db.sql("""
                        SELECT c.*, s.employee_no, s.name AS staff_name FROM call_record c JOIN staff s ON s.id = c.staff_id
                        WHERE c.patient_id = :p AND NOT EXISTS (SELECT 1 FROM follow_up_note n WHERE n.call_id = c.id)
                        ORDER BY c.requested_at""").bind("p", patientId)
                .map(r -> new CallRow(r.get("id", UUID.class).toString(), r.get("task_id", Long.class),
                        r.get("employee_no", String.class), r.get("staff_name", String.class), r.get("status", String.class),
                        r.get("outcome", String.class), r.get("requested_at", OffsetDateTime.class), r.get("billsec", Integer.class)))
                .all().collectList();
        return Mono.zip(List.of(patient, encounters, codeNames, plans, steps, tasks, responses, observations, loinc, notes, calls,
                health(patientId)), FhirExport::data);
    }

    @SuppressWarnings("unchecked")
    private static Data data(Object[] p) {
        return new Data((PatientRow) p[0], (List<EncounterRow>) p[1], (Map<String, String>) p[2], (List<PlanRow>) p[3],
                (List<StepRow>) p[4], (List<TaskRow>) p[5], (List<ResponseRow>) p[6], (List<ObservationRow>) p[7],
                (Map<ObservationCode, String>) p[8], (List<NoteRow>) p[9], (List<CallRow>) p[10], (Health) p[11]);
    }

    /** The LOINC code to send per indicator: one lab_code_map knows, in our unit's property where there is a choice. */
    static Map<ObservationCode, String> preferredLoinc(List<String[]> rows) {
        Map<ObservationCode, String> chosen = new HashMap<>();
        for (String[] row : rows) {
            ObservationCode code = ObservationCode.valueOf(row[1]);
            String canonical = CANONICAL_LOINC.get(code);
            boolean massForMolarUnit = canonical != null && row[2] != null && row[2].contains("Mass/volume");
            if (row[0].equals(canonical) || (!massForMolarUnit && !chosen.containsKey(code))) {
                chosen.put(code, row[0]);
            }
        }
        return chosen;
    }

    private static List<String> strings(Readable r, String column) {
        String[] values = r.get(column, String[].class);
        return values == null ? List.of() : Arrays.asList(values);
    }

    private Mono<Health> health(long patientId) {
        var tags = db.sql("SELECT * FROM patient_tag WHERE patient_id = :p ORDER BY set_at, id").bind("p", patientId)
                .map(r -> new TagRow(r.get("id", Long.class), r.get("tag_code", String.class), r.get("label", String.class),
                        r.get("category", String.class), r.get("reason", String.class), r.get("set_at", OffsetDateTime.class),
                        r.get("cleared_at", OffsetDateTime.class), r.get("cleared_reason", String.class)))
                .all().collectList();
        var risks = db.sql("SELECT *, inputs::text AS inputs_text FROM risk_assessment WHERE patient_id = :p ORDER BY computed_at, id")
                .bind("p", patientId)
                .map(r -> new RiskRow(r.get("id", Long.class), r.get("model", String.class), r.get("computed_at", OffsetDateTime.class),
                        Boolean.TRUE.equals(r.get("complete", Boolean.class)), r.get("value", BigDecimal.class),
                        r.get("unit", String.class), r.get("category_label", String.class), r.get("inputs_text", String.class),
                        strings(r, "missing"), strings(r, "reasons")))
                .all().collectList();
        var advice = db.sql("""
                        SELECT i.*, s.employee_no, s.name AS staff_name FROM intervention i JOIN staff s ON s.id = i.sent_by
                        WHERE i.patient_id = :p ORDER BY i.sent_at, i.id""").bind("p", patientId)
                .map(r -> new AdviceRow(r.get("id", Long.class), r.get("kind", String.class), r.get("title", String.class),
                        r.get("body", String.class), r.get("status", String.class), r.get("sent_at", OffsetDateTime.class),
                        r.get("employee_no", String.class), r.get("staff_name", String.class), r.get("outcome", String.class),
                        r.get("outcome_at", OffsetDateTime.class)))
                .all().collectList();
        var summaries = db.sql("""
                        SELECT m.*, s.employee_no, s.name AS staff_name FROM stage_summary m LEFT JOIN staff s ON s.id = m.signed_by
                        WHERE m.patient_id = :p ORDER BY m.period_end, m.id""").bind("p", patientId)
                .map(r -> new SummaryRow(r.get("id", Long.class), r.get("care_plan_id", Long.class), r.get("phase_label", String.class),
                        r.get("period_start", LocalDate.class), r.get("period_end", LocalDate.class), r.get("narrative", String.class),
                        r.get("status", String.class), r.get("generated_at", OffsetDateTime.class),
                        r.get("signed_at", OffsetDateTime.class), r.get("employee_no", String.class), r.get("staff_name", String.class)))
                .all().collectList();
        return Mono.zip(tags, risks, advice, summaries).map(t -> new Health(t.getT1(), t.getT2(), t.getT3(), t.getT4()));
    }

    // ------------------------------------------------------------------ health management

    private static Flag flag(FhirSystems systems, TagRow t, Reference patient) {
        Flag f = new Flag();
        f.setId("tag-" + t.id());
        f.setStatus(t.clearedAt() == null ? Flag.FlagStatus.ACTIVE : Flag.FlagStatus.INACTIVE);
        f.addCategory(new CodeableConcept().setText(t.category()));
        f.setCode(new CodeableConcept(new Coding(systems.tag(), t.code(), t.label())).setText(t.label() + "：" + t.reason()));
        f.setSubject(patient);
        Period period = new Period().setStartElement(new DateTimeType(Date.from(t.setAt().toInstant()), TemporalPrecisionEnum.SECOND));
        if (t.clearedAt() != null) {
            period.setEndElement(new DateTimeType(Date.from(t.clearedAt().toInstant()), TemporalPrecisionEnum.SECOND));
        }
        f.setPeriod(period);
        return f;
    }

    private static RiskAssessment risk(RiskRow r, Reference patient) {
        RiskAssessment a = new RiskAssessment();
        a.setId("risk-" + r.id());
        a.setStatus(RiskAssessment.RiskAssessmentStatus.FINAL);
        a.setSubject(patient);
        a.setOccurrence(new DateTimeType(Date.from(r.at().toInstant()), TemporalPrecisionEnum.SECOND));
        boolean par = "CHINA_PAR".equals(r.model());
        a.setMethod(new CodeableConcept().setText(par ? "China-PAR（Yang X 等，Circulation 2016）" : "中国糖尿病风险评分（Zhou X 等，Diabetes Care 2013）"));
        if (r.complete()) {
            var prediction = a.addPrediction().setOutcome(new CodeableConcept().setText(par ? "10年动脉粥样硬化性心血管病" : "2型糖尿病"));
            prediction.setQualitativeRisk(new CodeableConcept().setText(r.categoryLabel()));
            if (par) {
                prediction.setProbability(new DecimalType(r.value().movePointLeft(2)));
            } else {
                prediction.setRationale("总分 " + r.value().stripTrailingZeros().toPlainString() + " 分");
            }
            a.addNote().setText("依据：" + r.inputs());
        } else {
            a.addNote().setText("未计算：" + String.join("；", r.reasons())
                    + (r.missing().isEmpty() ? "" : "（缺少：" + String.join("、", r.missing()) + "）"));
        }
        return a;
    }

    private static Communication advice(FhirSystems systems, PatientRow p, AdviceRow a, Reference patient) {
        Communication c = new Communication();
        c.setId("advice-" + a.id());
        c.setStatus("CANCELLED".equals(a.status()) ? Communication.CommunicationStatus.STOPPED
                : Communication.CommunicationStatus.COMPLETED);
        c.addCategory(new CodeableConcept(new Coding(systems.adviceKind(), a.kind(), cn.suifang.backend.advice.Interventions.kindLabel(a.kind()))));
        c.setSubject(patient);
        c.addRecipient(patient);
        c.setSentElement(new DateTimeType(Date.from(a.sentAt().toInstant()), TemporalPrecisionEnum.SECOND));
        c.setSender(staff(systems, p, a.staffNo(), a.staffName()));
        c.addPayload().setContent(new StringType(a.title() + "\n" + a.body()));
        if (a.outcome() != null) {
            c.addNote().setText("是否做到：" + cn.suifang.backend.advice.Interventions.outcomeLabel(a.outcome()))
                    .setTimeElement(new DateTimeType(Date.from(a.outcomeAt().toInstant()), TemporalPrecisionEnum.SECOND));
        }
        return c;
    }

    private static Composition summary(FhirSystems systems, PatientRow p, SummaryRow s, Reference patient) {
        Composition c = new Composition();
        c.setId("summary-" + s.id());
        boolean signed = "SIGNED".equals(s.status());
        c.setStatus(signed ? Composition.CompositionStatus.FINAL : Composition.CompositionStatus.PRELIMINARY);
        c.setType(new CodeableConcept(new Coding(FhirSystems.LOINC, "11506-3", "Progress note")).setText("健康阶段总结"));
        c.setSubject(patient);
        c.setDateElement(new DateTimeType(Date.from((signed ? s.signedAt() : s.generatedAt()).toInstant()), TemporalPrecisionEnum.SECOND));
        c.addAuthor(signed ? staff(systems, p, s.signerNo(), s.signerName()) : new Reference().setDisplay("随访系统（草稿，待医生审核）"));
        c.setTitle(s.phaseLabel() + "阶段总结（" + s.start() + " 至 " + s.end() + "）");
        if (signed) {
            c.addAttester().setMode(Composition.CompositionAttestationMode.LEGAL)
                    .setTimeElement(new DateTimeType(Date.from(s.signedAt().toInstant()), TemporalPrecisionEnum.SECOND))
                    .setParty(staff(systems, p, s.signerNo(), s.signerName()));
        }
        var section = c.addSection().setTitle("总结");
        section.getText().setStatus(org.hl7.fhir.r4.model.Narrative.NarrativeStatus.ADDITIONAL)
                .setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\">" + java.util.Arrays.stream(s.narrative().split("\n"))
                        .map(line -> "<p>" + escape(line) + "</p>").collect(Collectors.joining()) + "</div>");
        section.addEntry(new Reference("CarePlan/" + s.carePlanId()));
        return c;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    // ------------------------------------------------------------------ the Bundle

    private Bundle bundle(Data d) {
        FhirSystems systems = new FhirSystems(properties.fhir().baseUrl());
        ZoneId zone = properties.zone();
        Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION);
        bundle.setId(UUID.randomUUID().toString());
        bundle.setTimestamp(Date.from(clock.instant()));
        bundle.setIdentifier(new Identifier().setSystem("urn:ietf:rfc:3986").setValue("urn:uuid:" + bundle.getIdPart()));
        List<Resource> resources = new ArrayList<>();
        PatientRow p = d.patient();
        Reference patient = new Reference("Patient/" + p.id()).setDisplay(p.name());
        resources.add(patient(systems, p));
        for (EncounterRow e : d.encounters()) {
            resources.addAll(encounter(systems, p, e, patient, d.codeNames()));
        }
        Map<Long, List<TaskRow>> tasksByPlan = d.tasks().stream().collect(Collectors.groupingBy(TaskRow::carePlanId));
        for (PlanRow plan : d.plans()) {
            List<StepRow> steps = d.steps().stream().filter(s -> s.pathwayId() == plan.pathwayId()).toList();
            resources.add(carePlan(systems, plan, steps, tasksByPlan.getOrDefault(plan.id(), List.of()), patient, zone));
        }
        for (TaskRow t : d.tasks()) {
            resources.add(task(systems, p, t, patient));
        }
        Map<Long, Long> planOfTask = d.tasks().stream().collect(Collectors.toMap(TaskRow::id, TaskRow::carePlanId));
        for (ResponseRow r : d.responses()) {
            resources.add(response(systems, r, r.taskId() == null ? null : planOfTask.get(r.taskId()), patient));
        }
        for (ObservationRow o : d.observations()) {
            resources.add(observation(systems, o, d.loinc().get(o.code()), patient));
        }
        for (NoteRow n : d.notes()) {
            resources.add(note(systems, p, n, patient));
        }
        for (CallRow c : d.calls()) {
            resources.add(call(systems, p, c, patient));
        }
        d.health().tags().forEach(t -> resources.add(flag(systems, t, patient)));
        d.health().risks().forEach(r -> resources.add(risk(r, patient)));
        d.health().advice().forEach(a -> resources.add(advice(systems, p, a, patient)));
        d.health().summaries().forEach(s -> resources.add(summary(systems, p, s, patient)));
        for (Resource r : resources) {
            bundle.addEntry().setFullUrl(systems.fullUrl(r.fhirType(), r.getIdElement().getIdPart())).setResource(r);
        }
        return bundle;
    }

    private static Patient patient(FhirSystems systems, PatientRow p) {
        Patient patient = new Patient();
        patient.setId(Long.toString(p.id()));
        patient.addIdentifier().setUse(Identifier.IdentifierUse.USUAL)
                .setType(new CodeableConcept(new Coding(FhirSystems.V2_0203, "MR", "Medical record number")).setText("病案号"))
                .setSystem(systems.mrn(p.hospitalCode())).setValue(p.mrn());
        patient.setActive(true);
        patient.addName().setUse(org.hl7.fhir.r4.model.HumanName.NameUse.OFFICIAL).setText(p.name());
        patient.setGender(switch (p.gender()) {
            case "MALE" -> Enumerations.AdministrativeGender.MALE;
            case "FEMALE" -> Enumerations.AdministrativeGender.FEMALE;
            default -> Enumerations.AdministrativeGender.UNKNOWN;
        });
        if (p.birthDate() != null) {
            patient.setBirthDateElement(new DateType(p.birthDate().toString()));
        }
        patient.setManagingOrganization(new Reference().setIdentifier(new Identifier().setSystem(systems.hospital())
                .setValue(p.hospitalCode())).setDisplay(p.hospitalName()));
        return patient;
    }

    private static List<Resource> encounter(FhirSystems systems, PatientRow p, EncounterRow e, Reference patient,
                                            Map<String, String> names) {
        List<Resource> out = new ArrayList<>();
        String id = Long.toString(e.id());
        Reference encounterRef = new Reference("Encounter/" + id);
        Encounter encounter = new Encounter();
        encounter.setId(id);
        encounter.addIdentifier().setUse(Identifier.IdentifierUse.OFFICIAL)
                .setType(new CodeableConcept(new Coding(FhirSystems.V2_0203, "VN", "Visit number")).setText("住院号"))
                .setSystem(systems.encounter(p.hospitalCode(), e.source())).setValue(e.sourceEncounterId());
        encounter.setStatus(Encounter.EncounterStatus.FINISHED);
        encounter.setClass_(new Coding(FhirSystems.V3_ACT_CODE, "IMP", "inpatient encounter"));
        encounter.addType().setText("住院");
        encounter.setSubject(patient);
        encounter.setServiceType(new CodeableConcept(new Coding(systems.department(p.hospitalCode()), e.departmentCode(),
                e.departmentName())).setText(e.departmentName()));
        if (e.attendingNo() != null) {
            encounter.addParticipant()
                    .addType(new CodeableConcept(new Coding(FhirSystems.V3_PARTICIPATION_TYPE, "ATND", "attender")))
                    .setIndividual(staff(systems, p, e.attendingNo(), e.attendingName()));
        }
        encounter.setPeriod(new Period().setStartElement(new DateTimeType(e.admission().toString()))
                .setEndElement(new DateTimeType(e.discharge().toString())));
        out.add(encounter);
        for (int i = 0; i < e.diagnoses().size(); i++) {
            String code = e.diagnoses().get(i);
            Condition condition = new Condition();
            condition.setId(id + "-dx" + (i + 1));
            condition.addCategory(new CodeableConcept(new Coding(FhirSystems.CONDITION_CATEGORY, "encounter-diagnosis",
                    "Encounter Diagnosis")));
            condition.setVerificationStatus(new CodeableConcept(new Coding(FhirSystems.CONDITION_VERIFICATION, "confirmed",
                    "Confirmed")));
            condition.setCode(new CodeableConcept(new Coding(systems.icd10(code), code, names.get(code)))
                    .setText(names.getOrDefault(code, code)));
            condition.setSubject(patient);
            condition.setEncounter(encounterRef);
            condition.setRecordedDateElement(new DateTimeType(e.discharge().toString()));
            out.add(condition);
            encounter.addDiagnosis().setCondition(new Reference("Condition/" + condition.getIdPart()))
                    .setUse(new CodeableConcept(new Coding(FhirSystems.DIAGNOSIS_ROLE, "DD", "Discharge diagnosis")))
                    .setRank(i + 1);
        }
        for (int i = 0; i < e.procedures().size(); i++) {
            String code = e.procedures().get(i);
            Procedure procedure = new Procedure();
            procedure.setId(id + "-px" + (i + 1));
            procedure.setStatus(Procedure.ProcedureStatus.COMPLETED);
            procedure.setCode(new CodeableConcept(new Coding(systems.icd9(code), code, names.get(code)))
                    .setText(names.getOrDefault(code, code)));
            procedure.setSubject(patient);
            procedure.setEncounter(encounterRef);
            out.add(procedure);
        }
        if (e.summary() != null) {
            out.add(document(id + "-summary", FhirSystems.LOINC_DISCHARGE_SUMMARY, "Discharge summary", "出院小结",
                    e.summary(), patient, encounterRef));
        }
        if (e.instructions() != null) {
            out.add(document(id + "-instructions", FhirSystems.LOINC_DISCHARGE_INSTRUCTIONS, "Hospital Discharge instructions",
                    "出院医嘱", e.instructions(), patient, encounterRef));
        }
        for (int i = 0; i < e.medications().size(); i++) {
            MedicationStatement medication = new MedicationStatement();
            medication.setId(id + "-med" + (i + 1));
            medication.setStatus(MedicationStatement.MedicationStatementStatus.ACTIVE);
            medication.setMedication(new CodeableConcept().setText(e.medications().get(i)));
            medication.setSubject(patient);
            medication.setContext(encounterRef);
            medication.setDateAssertedElement(new DateTimeType(e.discharge().toString()));
            medication.addNote(new Annotation(new org.hl7.fhir.r4.model.MarkdownType("出院带药")));
            out.add(medication);
        }
        return out;
    }

    private static DocumentReference document(String id, String loinc, String display, String title, String text,
                                              Reference patient, Reference encounter) {
        DocumentReference doc = new DocumentReference();
        doc.setId(id);
        doc.setStatus(Enumerations.DocumentReferenceStatus.CURRENT);
        doc.setType(new CodeableConcept(new Coding(FhirSystems.LOINC, loinc, display)).setText(title));
        doc.setSubject(patient);
        doc.setDescription(title);
        doc.addContent().setAttachment(new Attachment().setContentType("text/plain;charset=UTF-8").setLanguage("zh-CN")
                .setTitle(title).setData(text.getBytes(StandardCharsets.UTF_8)));
        doc.getContext().addEncounter(encounter);
        return doc;
    }

    private static CarePlan carePlan(FhirSystems systems, PlanRow plan, List<StepRow> steps, List<TaskRow> tasks,
                                     Reference patient, ZoneId zone) {
        CarePlan carePlan = new CarePlan();
        carePlan.setId(Long.toString(plan.id()));
        carePlan.setStatus(switch (plan.status()) {
            case "ACTIVE" -> CarePlan.CarePlanStatus.ACTIVE;
            case "COMPLETED" -> CarePlan.CarePlanStatus.COMPLETED;
            default -> CarePlan.CarePlanStatus.REVOKED;
        });
        carePlan.setIntent(CarePlan.CarePlanIntent.PLAN);
        carePlan.addCategory(new CodeableConcept(new Coding(systems.pathway(), plan.pathwayCode(), plan.pathwayName()))
                .setText("随访路径"));
        carePlan.setTitle(plan.pathwayName());
        carePlan.setDescription("出院后随访计划（随访路径：" + plan.pathwayName() + "）");
        carePlan.setSubject(patient);
        carePlan.setEncounter(new Reference("Encounter/" + plan.encounterId()));
        carePlan.setPeriod(new Period().setStartElement(new DateTimeType(plan.start().toString())));
        Map<Long, TaskRow> byStep = new HashMap<>();
        for (TaskRow t : tasks) {
            if (t.stepId() != null) {
                byStep.putIfAbsent(t.stepId(), t);
            }
        }
        for (StepRow s : steps) {
            TaskRow task = byStep.get(s.id());
            if (task != null) {
                // a planned step that has become a task: the Task says who, when and how it went
                carePlan.addActivity().setReference(new Reference("Task/" + task.id()).setDisplay(s.title()));
                continue;
            }
            LocalDate due = plan.start().plusDays(s.offsetDays());
            CarePlan.CarePlanActivityDetailComponent detail = carePlan.addActivity().getDetail();
            detail.setKind(CarePlan.CarePlanActivityKind.TASK);
            detail.setCode(new CodeableConcept(new Coding(systems.channel(), s.channel(), channelLabel(s.channel())))
                    .setText(s.title()));
            detail.setStatus(plan.status().equals("ACTIVE") ? CarePlan.CarePlanActivityStatus.NOTSTARTED
                    : CarePlan.CarePlanActivityStatus.CANCELLED);
            detail.setScheduled(new Period().setStartElement(new DateTimeType(due.toString()))
                    .setEndElement(new DateTimeType(due.plusDays(s.windowDays()).toString())));
            detail.setDescription(s.instructions() == null ? s.title()
                    : s.title() + "：" + s.instructions());
        }
        for (TaskRow t : tasks) {
            if (t.stepId() == null) {
                carePlan.addActivity().setReference(new Reference("Task/" + t.id()).setDisplay(t.title()));
            }
        }
        return carePlan;
    }

    private static Task task(FhirSystems systems, PatientRow p, TaskRow t, Reference patient) {
        Task task = new Task();
        task.setId(Long.toString(t.id()));
        task.setStatus(switch (t.status()) {
            case "PENDING" -> Task.TaskStatus.READY;
            case "IN_PROGRESS" -> Task.TaskStatus.INPROGRESS;
            case "COMPLETED" -> Task.TaskStatus.COMPLETED;
            case "CANCELLED" -> Task.TaskStatus.CANCELLED;
            default -> Task.TaskStatus.FAILED;   // UNREACHABLE, REFUSED: see businessStatus
        });
        task.setBusinessStatus(new CodeableConcept(new Coding(systems.taskStatus(), t.status(), taskStatusLabel(t.status())))
                .setText(taskStatusLabel(t.status())));
        task.setIntent(Task.TaskIntent.PLAN);
        task.setCode(new CodeableConcept(new Coding(systems.channel(), t.channel(), channelLabel(t.channel()))));
        task.setDescription(t.title());
        task.addBasedOn(new Reference("CarePlan/" + t.carePlanId()));
        task.setFor(patient);
        task.setAuthoredOnElement(new DateTimeType(Date.from(t.createdAt().toInstant()), TemporalPrecisionEnum.SECOND));
        task.getRestriction().setPeriod(new Period().setStartElement(new DateTimeType(t.due().toString()))
                .setEndElement(new DateTimeType(t.windowEnd().toString())));
        task.addPerformerType(new CodeableConcept(new Coding(systems.role(), t.role(), Role.valueOf(t.role()).label())));
        if (t.assigneeNo() != null) {
            task.setOwner(staff(systems, p, t.assigneeNo(), t.assigneeName()));
        }
        if (t.completedAt() != null) {
            task.setExecutionPeriod(new Period().setEndElement(
                    new DateTimeType(Date.from(t.completedAt().toInstant()), TemporalPrecisionEnum.SECOND)));
        }
        if (t.outcome() != null) {
            task.addOutput().setType(new CodeableConcept().setText("随访结果"))
                    .setValue(new CodeableConcept(new Coding(systems.noteOutcome(), t.outcome(), outcomeLabel(t.outcome()))));
        }
        return task;
    }

    private QuestionnaireResponse response(FhirSystems systems, ResponseRow r, Long carePlanId, Reference patient) {
        QuestionnaireResponse qr = new QuestionnaireResponse();
        qr.setId(Long.toString(r.id()));
        qr.setQuestionnaire(systems.questionnaire(r.code()) + "|" + r.version());
        qr.setStatus(QuestionnaireResponse.QuestionnaireResponseStatus.COMPLETED);
        qr.setSubject(patient);
        qr.setAuthoredElement(new DateTimeType(Date.from(r.at().toInstant()), TemporalPrecisionEnum.SECOND));
        if ("PATIENT".equals(r.submittedBy())) {
            qr.setAuthor(patient);
        }
        if (carePlanId != null) {
            qr.addBasedOn(new Reference("CarePlan/" + carePlanId));   // R4: CarePlan | ServiceRequest, not the Task
        }
        JsonNode definition = json.readTree(r.definition());
        JsonNode answers = json.readTree(r.answers());
        for (JsonNode item : definition.path("items")) {
            String linkId = item.path("id").asString();
            JsonNode answer = answers.get(linkId);
            if (answer == null || answer.isNull()) {
                continue;
            }
            QuestionnaireResponse.QuestionnaireResponseItemComponent qi = qr.addItem().setLinkId(linkId)
                    .setText(item.path("text").asString());
            for (JsonNode value : answer.isArray() ? answer : List.of(answer)) {
                qi.addAnswer().setValue(answerValue(item, value));
            }
        }
        if (r.score() != null) {
            qr.addItem().setLinkId("total-score").setText("总分" + (r.bandLabel() == null ? "" : "（" + r.bandLabel() + "）"))
                    .addAnswer().setValue(new org.hl7.fhir.r4.model.IntegerType(r.score()));
        }
        return qr;
    }

    private static org.hl7.fhir.r4.model.Type answerValue(JsonNode item, JsonNode value) {
        for (JsonNode option : item.path("options")) {
            if (value.isNumber() && option.path("value").asInt() == value.asInt()) {
                return new Coding().setCode(value.asString()).setDisplay(option.path("label").asString());
            }
        }
        if (value.isIntegralNumber()) {
            return new org.hl7.fhir.r4.model.IntegerType(value.asInt());
        }
        if (value.isNumber()) {
            return new org.hl7.fhir.r4.model.DecimalType(value.decimalValue());
        }
        if (value.isBoolean()) {
            return new org.hl7.fhir.r4.model.BooleanType(value.asBoolean());
        }
        return new StringType(value.asString());
    }

    private static Observation observation(FhirSystems systems, ObservationRow o, String loinc, Reference patient) {
        Observation obs = new Observation();
        obs.setId(Long.toString(o.id()));
        obs.setStatus(Observation.ObservationStatus.FINAL);
        boolean vital = VITAL_SIGNS.contains(o.code());
        obs.addCategory(new CodeableConcept(new Coding(FhirSystems.OBSERVATION_CATEGORY, vital ? "vital-signs" : "laboratory",
                vital ? "Vital Signs" : "Laboratory")));
        obs.addCategory(new CodeableConcept(new Coding(systems.observationSource(), o.source(), sourceLabel(o.source()))));
        CodeableConcept code = new CodeableConcept().setText(o.code().label());
        if (loinc != null) {
            code.addCoding(new Coding(FhirSystems.LOINC, loinc, null));
        }
        code.addCoding(new Coding(systems.indicator(), o.code().name(), o.code().label()));
        obs.setCode(code);
        obs.setSubject(patient);
        if (o.encounterId() != null) {
            obs.setEncounter(new Reference("Encounter/" + o.encounterId()));
        }
        obs.setEffective(new DateTimeType(Date.from(o.at().toInstant()), TemporalPrecisionEnum.SECOND));
        obs.setValue(new Quantity().setValue(new BigDecimal(o.value().stripTrailingZeros().toPlainString()))
                .setUnit(o.code().unit()).setSystem(FhirSystems.UCUM).setCode(FhirSystems.ucum(o.code())));
        return obs;
    }

    private static Communication note(FhirSystems systems, PatientRow p, NoteRow n, Reference patient) {
        Communication c = contact(systems, p, "note-" + n.id(), n.taskId(), n.channel(), n.at(), n.authorNo(), n.authorName(),
                patient);
        c.setStatus(Communication.CommunicationStatus.COMPLETED);
        c.addReasonCode(new CodeableConcept(new Coding(systems.noteOutcome(), n.outcome(), outcomeLabel(n.outcome()))));
        List<String> lines = new ArrayList<>();
        lines.add("随访结果：" + outcomeLabel(n.outcome()));
        if (n.billsec() != null) {
            lines.add("通话时长：" + n.billsec() + " 秒");
        }
        if (!n.symptoms().isEmpty()) {
            lines.add("症状：" + String.join("、", n.symptoms()));
        }
        if (n.adherence() != null) {
            lines.add("用药依从性：" + n.adherence());
        }
        if (!n.adverse().isEmpty()) {
            lines.add("不良反应：" + String.join("、", n.adverse()));
        }
        if (!n.advice().isEmpty()) {
            lines.add("建议：" + String.join("、", n.advice()));
        }
        if (n.next() != null) {
            lines.add("下次联系：" + n.next());
        }
        if (n.freeText() != null && !n.freeText().isBlank()) {
            lines.add("记录：" + n.freeText());
        }
        c.addPayload().setContent(new StringType(String.join("\n", lines)));
        return c;
    }

    private static Communication call(FhirSystems systems, PatientRow p, CallRow call, Reference patient) {
        Communication c = contact(systems, p, "call-" + call.id(), call.taskId(), "PHONE", call.at(), call.staffNo(),
                call.staffName(), patient);
        boolean ended = "ENDED".equals(call.status());
        c.setStatus(!ended ? Communication.CommunicationStatus.INPROGRESS
                : "CONNECTED".equals(call.outcome()) ? Communication.CommunicationStatus.COMPLETED
                : Communication.CommunicationStatus.NOTDONE);
        if (c.getStatus() == Communication.CommunicationStatus.NOTDONE) {
            c.setStatusReason(new CodeableConcept().setText("电话未接通（" + call.outcome() + "）"));
        }
        c.addPayload().setContent(new StringType("随访电话（双向回拨）" + (call.billsec() == null ? "" : "，通话 " + call.billsec() + " 秒")));
        return c;
    }

    private static Communication contact(FhirSystems systems, PatientRow p, String id, long taskId, String channel,
                                         OffsetDateTime at, String staffNo, String staffName, Reference patient) {
        Communication c = new Communication();
        c.setId(id);
        c.addPartOf(new Reference("Task/" + taskId));
        c.addCategory(new CodeableConcept(new Coding(systems.channel(), channel, channelLabel(channel))));
        if ("PHONE".equals(channel)) {
            c.addMedium(new CodeableConcept(new Coding(FhirSystems.V3_PARTICIPATION_MODE, "PHONE", "telephone")));
        }
        c.setSubject(patient);
        c.addRecipient(patient);
        c.setSentElement(new DateTimeType(Date.from(at.toInstant()), TemporalPrecisionEnum.SECOND));
        c.setSender(staff(systems, p, staffNo, staffName));
        return c;
    }

    /** A staff member by their employee number: the hospital knows them by it, no Practitioner resource needed. */
    private static Reference staff(FhirSystems systems, PatientRow p, String employeeNo, String name) {
        return new Reference().setType("Practitioner")
                .setIdentifier(new Identifier().setSystem(systems.staff(p.hospitalCode())).setValue(employeeNo))
                .setDisplay(name);
    }

    /** Notes may also record a WeChat contact, which is no pathway channel. */
    private static String channelLabel(String channel) {
        return java.util.Arrays.stream(Channel.values()).filter(c -> c.name().equals(channel)).map(Channel::label).findFirst()
                .orElse("WECHAT".equals(channel) ? "微信联系" : channel);
    }

    private static String taskStatusLabel(String status) {
        return switch (status) {
            case "PENDING" -> "待随访";
            case "IN_PROGRESS" -> "随访中";
            case "COMPLETED" -> "已完成";
            case "UNREACHABLE" -> "未联系上";
            case "REFUSED" -> "患者拒绝";
            default -> "已取消";
        };
    }

    private static String outcomeLabel(String outcome) {
        return switch (NoteOutcome.valueOf(outcome)) {
            case COMPLETED -> "已完成随访";
            case UNREACHABLE -> "未联系上";
            case REFUSED -> "患者拒绝";
            case READMITTED -> "已再入院";
        };
    }

    private static String sourceLabel(String source) {
        return switch (source) {
            case "LAB" -> "检验/医院系统";
            case "NOTE" -> "随访记录";
            case "PATIENT" -> "患者自报";
            case "PROXY" -> "家属代报";
            case "QUESTIONNAIRE" -> "问卷";
            default -> "设备";
        };
    }
}
