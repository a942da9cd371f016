package cn.suifang.backend.security;

import cn.suifang.backend.support.MutableClock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Request bodies as plain, mutable JSON trees (maps and lists), so a test can break exactly one field
 * by its JSON path — {@code set(body, "discharges[0].patient.phone", "12345")} — and send the rest intact.
 * Dates are relative to the test clock's default day, which every test starts from.
 */
final class TestPayloads {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final LocalDate TODAY = MutableClock.DEFAULT_DAY;
    /** Marker value for {@link #set}: remove the field instead of setting it. */
    static final Object ABSENT = new Object();

    private static final int[] ID_WEIGHTS = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    private static final String ID_CHECK = "10X98765432";

    private TestPayloads() {
    }

    /** A valid PCI discharge in cardiology, discharged five days before the test day, attending D001 (cardDoc). */
    static Map<String, Object> dischargeRow(String encounterId, String mrn) {
        Map<String, Object> patient = new LinkedHashMap<>();
        patient.put("mrn", mrn);
        patient.put("name", "张三");
        patient.put("gender", "MALE");
        patient.put("birthDate", "1960-03-07");
        patient.put("phone", "13812345678");
        patient.put("idCard", idCard("11010519600307123"));
        patient.put("consentFollowUp", true);
        patient.put("consentRecording", true);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("encounterId", encounterId);
        row.put("patient", patient);
        row.put("departmentCode", "CARD");
        row.put("attendingEmployeeNo", "D001");
        row.put("admissionDate", TODAY.minusDays(10).toString());
        row.put("dischargeDate", TODAY.minusDays(5).toString());
        row.put("diagnoses", new ArrayList<>(List.of("I21.0", "I10")));
        row.put("procedures", new ArrayList<>(List.of("36.07")));
        row.put("dischargeSummary", "冠脉造影示前降支狭窄90%，植入药物洗脱支架1枚。");
        row.put("dischargeInstructions", "双联抗血小板12个月。");
        row.put("medications", new ArrayList<>(List.of("阿司匹林肠溶片 100mg qd")));
        return row;
    }

    @SafeVarargs
    static Map<String, Object> dischargeBatch(Map<String, Object>... rows) {
        Map<String, Object> batch = new LinkedHashMap<>();
        batch.put("source", "HIS");
        batch.put("discharges", new ArrayList<>(List.of(rows)));
        return batch;
    }

    static Map<String, Object> note(String clientRequestId) {
        Map<String, Object> reading = new LinkedHashMap<>();
        reading.put("code", "SBP");
        reading.put("value", 128);
        reading.put("unit", "mmHg");
        Map<String, Object> note = new LinkedHashMap<>();
        note.put("clientRequestId", clientRequestId);
        note.put("outcome", "COMPLETED");
        note.put("readings", new ArrayList<>(List.of(reading)));
        note.put("adherence", "GOOD");
        note.put("nextContactDate", TODAY.plusDays(30).toString());
        return note;
    }

    /** A FHIR batch from the LIS: patient P001's total cholesterol, LOINC-coded, in mmol/L. */
    static Map<String, Object> fhirResults() {
        String patient = "urn:uuid:0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
        Map<String, Object> mr = Map.of("type", Map.of("coding", List.of(Map.of(
                "system", "http://terminology.hl7.org/CodeSystem/v2-0203", "code", "MR"))), "value", "P001");
        Map<String, Object> observation = Map.of("resourceType", "Observation", "status", "final",
                "code", Map.of("coding", List.of(Map.of("system", "http://loinc.org", "code", "14647-2"))),
                "subject", Map.of("reference", patient),
                "valueQuantity", Map.of("value", 5.2, "unit", "mmol/L", "system", "http://unitsofmeasure.org", "code", "mmol/L"));
        return Map.of("resourceType", "Bundle", "type", "batch", "entry", List.of(
                Map.of("fullUrl", patient, "resource", Map.of("resourceType", "Patient", "identifier", List.of(mr)),
                        "request", Map.of("method", "POST", "url", "Patient")),
                Map.of("fullUrl", "urn:uuid:7c6b5a49-3827-4165-9f0e-d1c2b3a49586", "resource", observation,
                        "request", Map.of("method", "POST", "url", "Observation"))));
    }

    static Map<String, Object> pathway(String code) {
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("offsetDays", 3);
        step.put("channel", "PHONE");
        step.put("role", "NURSE_COORDINATOR");
        step.put("title", "出院后第3天电话随访");
        Map<String, Object> pathway = new LinkedHashMap<>();
        pathway.put("code", code);
        pathway.put("name", "测试随访路径");
        pathway.put("icdPrefixes", new ArrayList<>(List.of("I21")));
        pathway.put("steps", new ArrayList<>(List.of(step)));
        return pathway;
    }

    static Map<String, Object> staff(String employeeNo) {
        Map<String, Object> staff = new LinkedHashMap<>();
        staff.put("employeeNo", employeeNo);
        staff.put("name", "新同事");
        staff.put("departmentCode", "CARD");
        staff.put("roles", new ArrayList<>(List.of("NURSE_COORDINATOR")));
        staff.put("phone", "13800001111");
        return staff;
    }

    /** Sets (or with {@link #ABSENT} removes) the value at a JSON path such as {@code steps[0].channel}. */
    @SuppressWarnings("unchecked")
    static <T> T set(T root, String path, Object value) {
        List<Object> keys = keys(path);
        Object node = root;
        for (Object key : keys.subList(0, keys.size() - 1)) {
            node = key instanceof Integer i ? ((List<Object>) node).get(i) : ((Map<String, Object>) node).get(key);
        }
        Object last = keys.get(keys.size() - 1);
        if (last instanceof Integer i) {
            ((List<Object>) node).set(i, value);
        } else if (value == ABSENT) {
            ((Map<String, Object>) node).remove(last);
        } else {
            ((Map<String, Object>) node).put((String) last, value);
        }
        return root;
    }

    private static List<Object> keys(String path) {
        List<Object> keys = new ArrayList<>();
        for (String part : path.split("\\.")) {
            int bracket = part.indexOf('[');
            keys.add(bracket < 0 ? part : part.substring(0, bracket));
            while (bracket >= 0) {
                int close = part.indexOf(']', bracket);
                keys.add(Integer.parseInt(part.substring(bracket + 1, close)));
                bracket = part.indexOf('[', close);
            }
        }
        return keys;
    }

    static String json(Object value) {
        return JSON.writeValueAsString(value);
    }

    /** A resident ID-card number: 17 digits plus the GB 11643 (ISO 7064 MOD 11-2) check character. */
    static String idCard(String first17) {
        int sum = 0;
        for (int i = 0; i < 17; i++) {
            sum += (first17.charAt(i) - '0') * ID_WEIGHTS[i];
        }
        return first17 + ID_CHECK.charAt(sum % 11);
    }

    /** About 9 MB of text: beyond the 8 MB codec limit for JSON bodies. */
    static String nineMegabytes() {
        return "随".repeat(3 * 1024 * 1024);
    }
}
