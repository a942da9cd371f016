package cn.suifang.backend.fhir;

import cn.suifang.backend.discharge.DischargeRecord;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import ca.uhn.fhir.model.api.TemporalPrecisionEnum;

/**
 * Reads what the hospital sends into our records: a finished Encounter with its Patient, Conditions (ICD-10),
 * Procedures, discharge documents and medicines becomes a {@link DischargeRecord}; an Observation (or each component of
 * a panel) becomes lab values with their codings, value, unit and time. References are followed within the Bundle
 * (fullUrl, {@code Type/id}) and into contained resources ({@code #id}). Whatever is missing or unusable is a
 * {@link Refusal} naming the element (FHIRPath) and saying in Chinese what to fix.
 */
final class FhirMapper {

    /** Identifier types a hospital uses for the resident ID card (HL7 v2 table 0203 and local habits). */
    private static final Set<String> ID_CARD_TYPES = Set.of("NNCHN", "NI", "ID", "SFZ", "IDCARD");
    private static final Set<Observation.ObservationStatus> FINAL = Set.of(Observation.ObservationStatus.FINAL,
            Observation.ObservationStatus.AMENDED, Observation.ObservationStatus.CORRECTED);

    private FhirMapper() {
    }

    /** Content we cannot use, with the HTTP status it earns (400 malformed, 422 unprocessable) and where it is. */
    static final class Refusal extends RuntimeException {
        /** Unique per throw site (SF-29xx), sent in OperationOutcome.issue.details, so a ticket leads to the code. */
        final String code;
        final int status;
        final IssueType type;
        final String expression;

        Refusal(String code, int status, IssueType type, String expression, String message) {
            super(message);
            this.code = code;
            this.status = status;
            this.type = type;
            this.expression = expression;
        }

        static Refusal required(String code, String expression, String message) {
            return new Refusal(code, 422, IssueType.REQUIRED, expression, message);
        }
    }

    /** One resource of the request: its position in the Bundle (0 for a lone resource) and fullUrl. */
    record Item(int index, String fullUrl, Resource resource) {
    }

    // ------------------------------------------------------------------ references

    /** Finds what a reference points at: contained resources, then the Bundle's entries by fullUrl or Type/id. */
    static final class Resolver {
        private final Map<String, Item> byIdentity = new HashMap<>();
        private final Map<Resource, Item> byResource = new IdentityHashMap<>();

        Resolver(List<Item> items) {
            for (Item item : items) {
                byResource.put(item.resource(), item);
                if (item.fullUrl() != null && !item.fullUrl().isBlank()) {
                    byIdentity.putIfAbsent(item.fullUrl().strip(), item);
                }
                var id = item.resource().getIdElement();
                if (id.hasIdPart()) {
                    byIdentity.putIfAbsent(item.resource().fhirType() + "/" + id.getIdPart(), item);
                    if (id.getValue() != null) {
                        byIdentity.putIfAbsent(id.getValue(), item);
                    }
                }
            }
        }

        /** The resource (of the Bundle, or contained in {@code container}); null when not found. */
        Resource resolve(Reference reference, Resource container) {
            if (reference == null || reference.isEmpty()) {
                return null;
            }
            IBaseResource linked = reference.getResource();
            if (linked instanceof Resource r) {
                return r;
            }
            String ref = reference.getReference();
            if (ref == null || ref.isBlank()) {
                return null;
            }
            if (ref.startsWith("#")) {
                return container instanceof DomainResource d ? contained(d, ref.substring(1)) : null;
            }
            Item item = byIdentity.get(ref.strip());
            if (item == null) {
                org.hl7.fhir.r4.model.IdType id = new org.hl7.fhir.r4.model.IdType(ref.strip());
                if (id.hasResourceType() && id.hasIdPart()) {
                    item = byIdentity.get(id.getResourceType() + "/" + id.getIdPart());
                }
            }
            return item == null ? null : item.resource();
        }

        Item itemOf(Resource resource) {
            return byResource.get(resource);
        }

        private static Resource contained(DomainResource container, String id) {
            for (Resource r : container.getContained()) {
                String own = r.getIdElement().getIdPart();
                if (own != null && (own.equals(id) || own.equals("#" + id))) {
                    return r;
                }
            }
            return null;
        }
    }

    // ------------------------------------------------------------------ patients

    /** How we find the patient: MRN and, when sent, the ID-card number. */
    record PatientKey(String mrn, String idCard) {
    }

    static PatientKey key(List<Identifier> identifiers, String expression) {
        String mrn = null;
        String fallback = null;
        String idCard = null;
        for (Identifier identifier : identifiers) {
            String value = identifier.getValue();
            if (value == null || value.isBlank()) {
                continue;
            }
            if (isIdCard(identifier)) {
                idCard = value.strip();
            } else if (hasType(identifier, "MR") || (identifier.getSystem() != null && identifier.getSystem().endsWith("/mrn"))) {
                mrn = mrn == null ? value.strip() : mrn;
            } else if (fallback == null) {
                fallback = value.strip();
            }
        }
        mrn = mrn != null ? mrn : fallback;
        if (mrn == null && idCard == null) {
            throw Refusal.required("SF-2902", expression, "缺少患者标识：请在 identifier 中给出病案号（type 为 v2-0203 的 MR）");
        }
        return new PatientKey(mrn, idCard);
    }

    private static boolean isIdCard(Identifier identifier) {
        return FhirSystems.CN_ID_CARD_OID.equals(identifier.getSystem()) || identifier.getType().getCoding().stream()
                .anyMatch(c -> c.getCode() != null && ID_CARD_TYPES.contains(c.getCode().toUpperCase(Locale.ROOT)));
    }

    private static boolean hasType(Identifier identifier, String code) {
        return identifier.getType().getCoding().stream().anyMatch(c -> code.equalsIgnoreCase(c.getCode()));
    }

    /** The patient a resource is about: a Patient in the Bundle or contained, or a logical reference by identifier. */
    static PatientKey subject(Reference subject, Resource container, Resolver resolver, String expression) {
        Resource patient = resolver.resolve(subject, container);
        if (patient instanceof Patient p) {
            return key(p.getIdentifier(), "Patient.identifier");
        }
        if (subject != null && subject.hasIdentifier()) {
            return key(List.of(subject.getIdentifier()), expression + ".identifier");
        }
        throw Refusal.required("SF-2903", expression, "找不到患者：subject 应引用同一 Bundle 中（或 contained）的 Patient，"
                + "或以 identifier 给出病案号");
    }

    // ------------------------------------------------------------------ discharges

    /** A discharge and the Bundle entries it was read from (the Patient, Conditions …), which answer with it. */
    record Discharge(DischargeRecord record, Set<Resource> used) {
    }

    static boolean discharged(Encounter e) {
        return e.getStatus() == Encounter.EncounterStatus.FINISHED && e.getPeriod().hasEnd();
    }

    static Discharge discharge(Encounter encounter, List<Item> items, Resolver resolver, ZoneId zone) {
        Set<Resource> used = new LinkedHashSet<>();
        Resource subject = resolver.resolve(encounter.getSubject(), encounter);
        if (!(subject instanceof Patient patient)) {
            throw Refusal.required("SF-2904", "Encounter.subject", "出院登记需要患者信息：subject 应引用同一 Bundle 中（或 contained）的 Patient");
        }
        used.add(patient);
        PatientKey key = key(patient.getIdentifier(), "Patient.identifier");
        if (key.mrn() == null) {
            throw Refusal.required("SF-2905", "Patient.identifier", "缺少病案号：请在 Patient.identifier 中给出 type 为 MR 的病案号");
        }
        String name = name(patient);
        DischargeRecord.Gender gender = switch (patient.hasGender() ? patient.getGender().toCode() : "unknown") {
            case "male" -> DischargeRecord.Gender.MALE;
            case "female" -> DischargeRecord.Gender.FEMALE;
            default -> DischargeRecord.Gender.UNKNOWN;
        };
        LocalDate birth = patient.hasBirthDateElement() && patient.getBirthDateElement().getPrecision() == TemporalPrecisionEnum.DAY
                ? LocalDate.parse(patient.getBirthDateElement().getValueAsString()) : null;
        String phone = patient.getTelecom().stream()
                .filter(t -> t.getSystem() == ContactPoint.ContactPointSystem.PHONE && t.hasValue())
                .sorted(Comparator.comparing(t -> t.getUse() == ContactPoint.ContactPointUse.MOBILE ? 0 : 1))
                .map(ContactPoint::getValue).findFirst().orElse(null);

        String encounterId = encounter.getIdentifier().stream().filter(Identifier::hasValue)
                .sorted(Comparator.comparing(i -> hasType(i, "VN") ? 0 : 1))
                .map(Identifier::getValue).findFirst()
                .orElse(encounter.getIdElement().hasIdPart() && !encounter.getIdElement().getIdPart().startsWith("urn")
                        ? encounter.getIdElement().getIdPart() : null);
        if (encounterId == null || encounterId.isBlank()) {
            throw Refusal.required("SF-2906", "Encounter.identifier", "缺少住院号/就诊号：请在 Encounter.identifier 中给出");
        }
        String department = department(encounter, resolver, used);
        String attending = attending(encounter, resolver, used);
        if (!encounter.getPeriod().hasStart()) {
            throw Refusal.required("SF-2907", "Encounter.period.start", "缺少入院时间（Encounter.period.start）");
        }
        List<String> diagnoses = diagnoses(encounter, items, resolver, used);
        List<String> procedures = new ArrayList<>();
        String summary = null;
        String instructions = null;
        List<String> medications = new ArrayList<>();
        for (Resource r : related(encounter, items)) {
            if (r instanceof Procedure p && refersTo(p.getEncounter(), encounter, p, resolver)) {
                String code = code(p.getCode(), "icd-9", "icd9");
                if (code == null) {
                    throw new Refusal("SF-2908", 422, IssueType.CODEINVALID, "Procedure.code",
                            "手术操作需要 ICD-9-CM-3 编码（coding.system 含 icd-9）");
                }
                procedures.add(code);
                used.add(p);
            } else if (r instanceof DocumentReference d
                    && d.getContext().getEncounter().stream().anyMatch(ref -> refersTo(ref, encounter, d, resolver))) {
                String text = text(d);
                if (isType(d.getType(), FhirSystems.LOINC_DISCHARGE_SUMMARY)) {
                    summary = text;
                    used.add(d);
                } else if (isType(d.getType(), FhirSystems.LOINC_DISCHARGE_INSTRUCTIONS)) {
                    instructions = text;
                    used.add(d);
                }
            } else if (r instanceof MedicationStatement m && refersTo(m.getContext(), encounter, m, resolver)) {
                String medicine = m.hasMedicationCodeableConcept() ? text(m.getMedicationCodeableConcept()) : null;
                if (medicine != null) {
                    medications.add(medicine);
                    used.add(m);
                }
            }
        }
        DischargeRecord record = new DischargeRecord(encounterId.strip(),
                new DischargeRecord.PatientData(key.mrn(), name, gender, birth, phone, key.idCard(), null, null),
                department, attending, day(encounter.getPeriod().getStartElement(), zone, "Encounter.period.start"),
                day(encounter.getPeriod().getEndElement(), zone, "Encounter.period.end"), diagnoses, procedures, summary, instructions,
                medications.isEmpty() ? null : medications);
        return new Discharge(record, used);
    }

    private static String name(Patient patient) {
        HumanName name = patient.getName().stream().filter(n -> n.getUse() == HumanName.NameUse.OFFICIAL).findFirst()
                .orElse(patient.getNameFirstRep());
        String text = name.hasText() ? name.getText().strip()
                : ((name.hasFamily() ? name.getFamily() : "") + name.getGiven().stream().map(g -> g.getValue())
                .reduce("", String::concat)).strip();
        if (text.isEmpty()) {
            throw Refusal.required("SF-2909", "Patient.name", "缺少患者姓名（Patient.name）");
        }
        return text;
    }

    private static String department(Encounter encounter, Resolver resolver, Set<Resource> used) {
        List<Coding> codings = encounter.getServiceType().getCoding();
        for (Coding c : codings) {
            if (c.hasCode() && c.getSystem() != null && c.getSystem().endsWith("/department")) {
                return c.getCode();
            }
        }
        for (Coding c : codings) {
            if (c.hasCode()) {
                return c.getCode();
            }
        }
        Resource provider = resolver.resolve(encounter.getServiceProvider(), encounter);
        if (provider instanceof Organization o && o.getIdentifierFirstRep().hasValue()) {
            used.add(o);
            return o.getIdentifierFirstRep().getValue();
        }
        if (encounter.getServiceProvider().getIdentifier().hasValue()) {
            return encounter.getServiceProvider().getIdentifier().getValue();
        }
        throw Refusal.required("SF-2910", "Encounter.serviceType", "缺少出院科室：请在 Encounter.serviceType.coding 中给出科室编码");
    }

    private static String attending(Encounter encounter, Resolver resolver, Set<Resource> used) {
        List<Encounter.EncounterParticipantComponent> participants = encounter.getParticipant();
        Encounter.EncounterParticipantComponent chosen = participants.stream()
                .filter(p -> p.getType().stream().anyMatch(t -> t.getCoding().stream().anyMatch(c -> "ATND".equals(c.getCode()))))
                .findFirst().orElse(participants.isEmpty() ? null : participants.get(0));
        if (chosen == null) {
            return null;
        }
        Resource who = resolver.resolve(chosen.getIndividual(), encounter);
        if (who instanceof Practitioner p && p.getIdentifierFirstRep().hasValue()) {
            used.add(p);
            return p.getIdentifierFirstRep().getValue();
        }
        return chosen.getIndividual().getIdentifier().hasValue() ? chosen.getIndividual().getIdentifier().getValue() : null;
    }

    /** Encounter.diagnosis in rank order, then Conditions that name the encounter; ICD-10 codes, each once. */
    private static List<String> diagnoses(Encounter encounter, List<Item> items, Resolver resolver, Set<Resource> used) {
        List<String> codes = new ArrayList<>();
        List<Encounter.DiagnosisComponent> ranked = new ArrayList<>(encounter.getDiagnosis());
        ranked.sort(Comparator.comparingInt(d -> d.hasRank() ? d.getRank() : Integer.MAX_VALUE));
        for (int i = 0; i < ranked.size(); i++) {
            Resource r = resolver.resolve(ranked.get(i).getCondition(), encounter);
            if (!(r instanceof Condition c)) {
                throw Refusal.required("SF-2911", "Encounter.diagnosis[" + encounter.getDiagnosis().indexOf(ranked.get(i)) + "].condition",
                        "诊断引用的 Condition 不在同一 Bundle 中（或 contained）");
            }
            codes.add(icd10(c));
            used.add(c);
        }
        for (Resource r : related(encounter, items)) {
            if (r instanceof Condition c && !used.contains(c) && refersTo(c.getEncounter(), encounter, c, resolver)) {
                codes.add(icd10(c));
                used.add(c);
            }
        }
        if (codes.isEmpty()) {
            throw Refusal.required("SF-2912", "Encounter.diagnosis", "缺少出院诊断：请附上 ICD-10 编码的 Condition 并在 Encounter.diagnosis 中引用");
        }
        return codes.stream().distinct().toList();
    }

    private static String icd10(Condition c) {
        String code = code(c.getCode(), "icd-10", "icd10");
        if (code == null) {
            throw new Refusal("SF-2913", 422, IssueType.CODEINVALID, "Condition.code", "诊断需要 ICD-10 编码（coding.system 含 icd-10）");
        }
        return code;
    }

    /** The Bundle's other entries and the encounter's contained resources. */
    private static List<Resource> related(Encounter encounter, List<Item> items) {
        List<Resource> all = new ArrayList<>(encounter.getContained());
        items.forEach(i -> all.add(i.resource()));
        return all;
    }

    private static boolean refersTo(Reference ref, Encounter encounter, Resource from, Resolver resolver) {
        return ref != null && !ref.isEmpty() && resolver.resolve(ref, from) == encounter
                || ref != null && ref.hasReference() && ref.getReference().startsWith("#")
                && Resolver.contained(encounter, ref.getReference().substring(1)) == from;
    }

    private static String code(CodeableConcept concept, String... systemMarks) {
        for (Coding c : concept.getCoding()) {
            String system = c.getSystem() == null ? "" : c.getSystem().toLowerCase(Locale.ROOT);
            for (String mark : systemMarks) {
                if (c.hasCode() && system.contains(mark)) {
                    return c.getCode().strip();
                }
            }
        }
        return null;
    }

    private static boolean isType(CodeableConcept type, String loinc) {
        return type.getCoding().stream().anyMatch(c -> FhirSystems.LOINC.equals(c.getSystem()) && loinc.equals(c.getCode()));
    }

    private static String text(DocumentReference d) {
        Attachment a = d.getContentFirstRep().getAttachment();
        if (a.hasData()) {
            return new String(a.getData(), StandardCharsets.UTF_8);
        }
        return d.hasDescription() ? d.getDescription() : null;
    }

    private static String text(CodeableConcept c) {
        if (c.hasText()) {
            return c.getText();
        }
        return c.getCoding().stream().map(x -> x.hasDisplay() ? x.getDisplay() : x.getCode()).filter(x -> x != null)
                .findFirst().orElse(null);
    }

    /** The calendar day in the hospital's zone (a date-only value is taken as it is). */
    static LocalDate day(BaseDateTimeType t, ZoneId zone, String expression) {
        if (t.getPrecision().ordinal() <= TemporalPrecisionEnum.DAY.ordinal()) {
            if (t.getPrecision() != TemporalPrecisionEnum.DAY) {
                throw new Refusal("SF-2914", 422, IssueType.VALUE, expression, "日期须精确到日：" + t.getValueAsString());
            }
            return LocalDate.parse(t.getValueAsString().substring(0, 10));
        }
        return t.getValue().toInstant().atZone(zone).toLocalDate();
    }

    // ------------------------------------------------------------------ results

    /** One value to store: the codings to look up, the value and unit as sent, and where each was. */
    record LabValue(List<Coding> codings, BigDecimal value, String unit, OffsetDateTime at, String source,
                    String codeExpression, String valueExpression) {
    }

    /** The values of an Observation (one, or one per component of a panel); empty when it is not final. */
    static List<LabValue> values(Observation o, String sourceSystem, ZoneId zone) {
        if (!FINAL.contains(o.getStatus())) {
            return List.of();
        }
        OffsetDateTime at = o.hasEffectiveDateTimeType() ? time(o.getEffectiveDateTimeType(), zone)
                : o.hasEffectivePeriod() && o.getEffectivePeriod().hasStart() ? time(o.getEffectivePeriod().getStartElement(), zone)
                : o.hasIssued() ? OffsetDateTime.ofInstant(o.getIssued().toInstant(), zone) : null;
        String source = o.getCategory().stream().flatMap(c -> c.getCoding().stream())
                .filter(c -> sourceSystem.equals(c.getSystem()) && c.hasCode()).map(Coding::getCode)
                .filter(c -> Set.of("LAB", "NOTE", "PATIENT", "PROXY", "QUESTIONNAIRE", "DEVICE").contains(c)).findFirst()
                .orElse(o.getCategory().stream().flatMap(c -> c.getCoding().stream())
                        .anyMatch(c -> "vital-signs".equals(c.getCode())) ? "DEVICE" : "LAB");
        if (o.hasValue()) {
            return List.of(value(o.getCode(), o.getValue(), at, source, "Observation"));
        }
        if (!o.hasComponent()) {
            throw Refusal.required("SF-2915", "Observation.value[x]", "缺少结果值：应为 valueQuantity（数值与单位）");
        }
        List<LabValue> values = new ArrayList<>();
        for (int i = 0; i < o.getComponent().size(); i++) {
            var c = o.getComponent().get(i);
            if (c.hasValue()) {
                values.add(value(c.getCode(), c.getValue(), at, source, "Observation.component[" + i + "]"));
            }
        }
        return values;
    }

    private static LabValue value(CodeableConcept code, org.hl7.fhir.r4.model.Type value, OffsetDateTime at, String source,
                                  String path) {
        if (!code.hasCoding()) {
            throw Refusal.required("SF-2916", path + ".code.coding", "缺少检验项目编码（code.coding：LOINC 或本院编码）");
        }
        if (!(value instanceof Quantity q) || !q.hasValue()) {
            throw new Refusal("SF-2917", 422, IssueType.VALUE, path + ".value[x]", "结果应为数值：valueQuantity（value 与 unit/code）");
        }
        String unit = FhirSystems.UCUM.equals(q.getSystem()) && q.hasCode() ? q.getCode() : q.hasUnit() ? q.getUnit() : q.getCode();
        return new LabValue(code.getCoding(), q.getValue(), FhirSystems.unitFromUcum(unit), at, source, path + ".code",
                path + ".valueQuantity");
    }

    private static OffsetDateTime time(BaseDateTimeType t, ZoneId zone) {
        if (t.getPrecision().ordinal() <= TemporalPrecisionEnum.DAY.ordinal()) {
            return day(t, zone, "Observation.effective").atStartOfDay(zone).toOffsetDateTime();
        }
        return OffsetDateTime.ofInstant(t.getValue().toInstant(), zone);
    }

    /**
     * The key that makes storing a result idempotent: "fhir:" and its absolute fullUrl (unique by definition), else
     * its Type/id or identifier qualified by the patient (those are only unique within the sender). Hashed when longer
     * than the column.
     */
    static String requestId(Item item, Resource observation, long patientId) {
        String own = item.resource() == observation ? item.fullUrl() : null;
        String key;
        if (own != null && (own.startsWith("urn:") || own.startsWith("http"))) {
            key = own;
        } else if (item.resource() != observation) {
            // contained in a DiagnosticReport: the report's identity and the result's local id
            String parent = item.fullUrl() != null && !item.fullUrl().isBlank() ? item.fullUrl()
                    : patientId + ":" + item.resource().fhirType() + "/" + item.resource().getIdElement().getIdPart();
            key = parent + "#" + observation.getIdElement().getIdPart().replace("#", "");
        } else if (observation.getIdElement().hasIdPart()) {
            key = patientId + ":Observation/" + observation.getIdElement().getIdPart();
        } else if (observation instanceof Observation o && o.getIdentifierFirstRep().hasValue()) {
            key = patientId + ":" + o.getIdentifierFirstRep().getSystem() + "|" + o.getIdentifierFirstRep().getValue();
        } else {
            throw new Refusal("SF-2918", 400, IssueType.REQUIRED, "Observation.identifier",
                    "无法去重：Observation 需要 fullUrl、id 或 identifier 之一，重发时保持不变");
        }
        String id = "fhir:" + key;
        return id.length() <= 64 ? id : "fhir:#" + sha256(key).substring(0, 58);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
