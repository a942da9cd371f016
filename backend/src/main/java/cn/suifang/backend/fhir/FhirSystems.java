package cn.suifang.backend.fhir;

import cn.suifang.backend.observation.ObservationCode;
import java.util.Locale;
import java.util.Map;

/**
 * The URIs our FHIR resources are coded and identified with. Standard ones where a standard exists (LOINC, UCUM,
 * ICD-10, HL7 v2/v3 tables); ours under {@code suifang.fhir.base-url} for what only this hospital knows (MRN, visit
 * number, department, staff number) and for our own code lists (indicators, task channel, note outcome).
 */
final class FhirSystems {

    static final String LOINC = "http://loinc.org";
    static final String UCUM = "http://unitsofmeasure.org";
    static final String ICD10 = "http://hl7.org/fhir/sid/icd-10";
    static final String ICD9CM = "http://hl7.org/fhir/sid/icd-9-cm";
    static final String V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203";
    static final String V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    static final String V3_PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
    static final String V3_PARTICIPATION_MODE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode";
    static final String CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category";
    static final String CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status";
    static final String DIAGNOSIS_ROLE = "http://terminology.hl7.org/CodeSystem/diagnosis-role";
    static final String OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";
    /** 居民身份证号 in the national health information data element standards (WS 363) */
    static final String CN_ID_CARD_OID = "urn:oid:2.16.156.10011.1.3";
    static final String LOINC_DISCHARGE_SUMMARY = "18842-5";
    static final String LOINC_DISCHARGE_INSTRUCTIONS = "8653-8";


    /** Our units → UCUM, and the UCUM codes senders use for them back to ours. */
    private static final Map<String, String> TO_UCUM = Map.of("mmHg", "mm[Hg]", "次/分", "/min", "mmol/L", "mmol/L",
            "%", "%", "kg", "kg", "pg/mL", "pg/mL", "μmol/L", "umol/L");
    private static final Map<String, String> FROM_UCUM = Map.of("mm[hg]", "mmHg", "/min", "次/分", "{beats}/min", "次/分",
            "{beat}/min", "次/分", "1/min", "次/分");

    private final String base;

    FhirSystems(String base) {
        this.base = base;
    }

    String mrn(String hospitalCode) {
        return base + "/sid/" + hospitalCode + "/mrn";
    }

    String encounter(String hospitalCode, String source) {
        return base + "/sid/" + hospitalCode + "/encounter/" + source;
    }

    String department(String hospitalCode) {
        return base + "/sid/" + hospitalCode + "/department";
    }

    String staff(String hospitalCode) {
        return base + "/sid/" + hospitalCode + "/staff";
    }

    String hospital() {
        return base + "/sid/hospital";
    }

    String indicator() {
        return base + "/CodeSystem/indicator";
    }

    String observationSource() {
        return base + "/CodeSystem/observation-source";
    }

    String pathway() {
        return base + "/CodeSystem/pathway";
    }

    String channel() {
        return base + "/CodeSystem/follow-up-channel";
    }

    String taskStatus() {
        return base + "/CodeSystem/task-status";
    }

    String noteOutcome() {
        return base + "/CodeSystem/follow-up-outcome";
    }

    String tag() {
        return base + "/CodeSystem/patient-tag";
    }

    String adviceKind() {
        return base + "/CodeSystem/advice-kind";
    }

    String role() {
        return base + "/CodeSystem/care-team-role";
    }

    /** 国家临床版 2.0 extension codes (I21.000x001) are not WHO ICD-10 codes: they get a system of their own. */
    String icd10(String code) {
        return code.matches("[A-Z][0-9]{2}(\\.[0-9]{1,2})?") ? ICD10 : base + "/CodeSystem/icd-10-cn";
    }

    String icd9(String code) {
        return code.matches("[0-9]{2}(\\.[0-9]{1,2})?") ? ICD9CM : base + "/CodeSystem/icd-9-cm-3-cn";
    }

    String questionnaire(String code) {
        return base + "/Questionnaire/" + code;
    }

    String fullUrl(String type, String id) {
        return base + "/" + type + "/" + id;
    }

    static String ucum(ObservationCode code) {
        return TO_UCUM.getOrDefault(code.unit(), code.unit());
    }

    /** A sender's unit (UCUM code or free text) in the spelling {@code LabUnits} converts from. */
    static String unitFromUcum(String unit) {
        return unit == null ? null : FROM_UCUM.getOrDefault(unit.strip().toLowerCase(Locale.ROOT), unit);
    }

    /**
     * The name lab_code_map knows a coding system by: LN for LOINC, SUIFANG for ours, else the last segment of the
     * sender's URI ({@code http://lis.example-hospital.cn/CodeSystem/LISLOCAL} → LISLOCAL, {@code urn:oid:1.2.3} → 1.2.3).
     */
    String labCodingSystem(String system) {
        if (system == null || system.isBlank()) {
            return "";
        }
        if (LOINC.equals(system)) {
            return "LN";
        }
        if (indicator().equals(system)) {
            return cn.suifang.backend.hl7.LabResults.OWN;
        }
        String s = system.strip();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        String last = s.substring(Math.max(s.lastIndexOf('/'), s.lastIndexOf(':')) + 1);
        String name = last.replaceAll("[^A-Za-z0-9_.-]", "");
        return name.length() > 32 ? name.substring(0, 32) : name;
    }
}
