package cn.suifang.backend.hl7;

import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.model.Group;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.model.Segment;
import ca.uhn.hl7v2.model.Structure;
import ca.uhn.hl7v2.util.Terser;
import cn.suifang.backend.discharge.DischargeRecord;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the segments Chinese HIS/LIS vendors send into our records, by position (so 2.3–2.5.1 and Z-segments alike
 * parse): PID (identifiers, name, sex, birth, phone), PV1 (department, attending, visit number, admission and
 * discharge), DG1 and PR1 (diagnoses and procedures, in order), OBR/OBX (results). A missing required field is an
 * {@link IllegalArgumentException} naming it, so the message is refused with the reason.
 */
final class Hl7Mapper {

    /** Identifier types a hospital uses for the resident ID card in PID-3. */
    private static final Set<String> ID_CARD_TYPES = Set.of("ID", "NI", "SFZ", "IDCARD");
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd");

    private Hl7Mapper() {
    }

    record Header(String controlId, String sendingApp, String type, String charset) {
    }

    static Header header(Message message) throws HL7Exception {
        Segment msh = (Segment) message.get("MSH");
        String type = Terser.get(msh, 9, 0, 1, 1) + "^" + Terser.get(msh, 9, 0, 2, 1);
        return new Header(Terser.get(msh, 10, 0, 1, 1), Terser.get(msh, 3, 0, 1, 1), type, Terser.get(msh, 18, 0, 1, 1));
    }

    /** Every segment named {@code name}, depth first, wherever its group puts it. */
    static List<Segment> segments(Group group, String name) throws HL7Exception {
        List<Segment> found = new ArrayList<>();
        for (String child : group.getNames()) {
            for (Structure s : group.getAll(child)) {
                if (s instanceof Group g) {
                    found.addAll(segments(g, name));
                } else if (s instanceof Segment seg && seg.getName().equals(name) && !seg.isEmpty()) {
                    found.add(seg);
                }
            }
        }
        return found;
    }

    private static Segment one(Message m, String name) throws HL7Exception {
        List<Segment> s = segments(m, name);
        if (s.isEmpty()) {
            throw new IllegalArgumentException("缺少 " + name + " 段");
        }
        return s.get(0);
    }

    private static String field(Segment s, int field, int component) throws HL7Exception {
        String v = Terser.get(s, field, 0, component, 1);
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static String required(Segment s, int field, int component, String what) throws HL7Exception {
        String v = field(s, field, component);
        if (v == null) {
            throw new IllegalArgumentException("缺少 " + s.getName() + "-" + field + (component > 1 ? "." + component : "")
                    + "（" + what + "）");
        }
        return v;
    }

    /** The medical record number, or null when PID-3 carries only the resident ID card (some LIS send nothing else). */
    static String mrnIfAny(Message m) throws HL7Exception {
        try {
            return mrn(m);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The resident ID card number in PID-3 (identifier type ID, NI, SFZ or IDCARD), as sent; null when absent. */
    static String idCard(Message m) throws HL7Exception {
        Segment pid = one(m, "PID");
        String idCard = null;
        for (int rep = 0; rep < pid.getField(3).length; rep++) {
            String type = Terser.get(pid, 3, rep, 5, 1);
            if (type != null && ID_CARD_TYPES.contains(type.strip().toUpperCase(Locale.ROOT))) {
                String v = Terser.get(pid, 3, rep, 1, 1);
                idCard = v == null || v.isBlank() ? idCard : v.strip();
            }
        }
        return idCard;
    }

    /** Demographics in PID as sent (an absent field is null: in HL7 it means "not sent", not "clear it"). */
    record Person(String name, String gender, LocalDate birthDate, String phone, String idCard) {
    }

    static Person person(Message m, ZoneId zone) throws HL7Exception {
        Segment pid = one(m, "PID");
        String family = field(pid, 5, 1);
        String given = family == null && field(pid, 5, 2) == null ? null : field(pid, 5, 2);
        String name = family == null && given == null ? null : (family == null ? "" : family) + (given == null ? "" : given);
        String sex = field(pid, 8, 1);
        String gender = "M".equalsIgnoreCase(sex) ? "MALE" : "F".equalsIgnoreCase(sex) ? "FEMALE" : null;
        String birth = field(pid, 7, 1);
        String phone = field(pid, 13, 1) != null ? field(pid, 13, 1) : field(pid, 13, 12);
        return new Person(name, gender, birth == null ? null : day(birth, zone), phone, idCard(m));
    }

    /** The medical record number: the PID-3 repetition typed MR, else the first. */
    static String mrn(Message m) throws HL7Exception {
        Segment pid = one(m, "PID");
        String first = null;
        for (int rep = 0; rep < pid.getField(3).length; rep++) {
            String id = Terser.get(pid, 3, rep, 1, 1);
            String type = Terser.get(pid, 3, rep, 5, 1);
            if (id == null || id.isBlank()) {
                continue;
            }
            if ("MR".equalsIgnoreCase(type)) {
                return id.strip();
            }
            if (first == null && (type == null || !ID_CARD_TYPES.contains(type.toUpperCase(Locale.ROOT)))) {
                first = id.strip();
            }
        }
        if (first == null) {
            throw new IllegalArgumentException("缺少 PID-3（病案号/患者ID）");
        }
        return first;
    }

    /** A discharge (ADT^A03, or ADT^A08 of a discharged visit) as the importer takes it. */
    static DischargeRecord discharge(Message m, ZoneId zone) throws HL7Exception {
        Segment pid = one(m, "PID");
        Segment pv1 = one(m, "PV1");
        String idCard = idCard(m);
        String family = field(pid, 5, 1);
        String given = field(pid, 5, 2);
        if (family == null && given == null) {
            throw new IllegalArgumentException("缺少 PID-5（姓名）");
        }
        String sex = field(pid, 8, 1);
        DischargeRecord.Gender gender = "M".equalsIgnoreCase(sex) ? DischargeRecord.Gender.MALE
                : "F".equalsIgnoreCase(sex) ? DischargeRecord.Gender.FEMALE : DischargeRecord.Gender.UNKNOWN;
        String birth = field(pid, 7, 1);
        String phone = field(pid, 13, 1);
        if (phone == null) {
            phone = field(pid, 13, 12);
        }
        String department = field(pv1, 10, 1) != null ? field(pv1, 10, 1) : required(pv1, 3, 1, "科室");
        String admitted = required(pv1, 44, 1, "入院时间");
        String discharged = required(pv1, 45, 1, "出院时间");
        List<String> diagnoses = new ArrayList<>();
        for (Segment dg1 : segments(m, "DG1")) {
            String code = field(dg1, 3, 1);
            if (code != null) {
                diagnoses.add(code);
            }
        }
        if (diagnoses.isEmpty()) {
            throw new IllegalArgumentException("缺少 DG1-3（出院诊断 ICD-10）");
        }
        List<String> procedures = new ArrayList<>();
        for (Segment pr1 : segments(m, "PR1")) {
            String code = field(pr1, 3, 1);
            if (code != null) {
                procedures.add(code);
            }
        }
        return new DischargeRecord(required(pv1, 19, 1, "住院号/就诊号"),
                new DischargeRecord.PatientData(mrn(m), (family == null ? "" : family) + (given == null ? "" : given),
                        gender, birth == null ? null : day(birth, zone), phone, idCard == null ? null : idCard.strip(),
                        null, null),
                department, field(pv1, 7, 1), day(admitted, zone), day(discharged, zone), diagnoses, procedures,
                null, null, List.of());
    }

    /** One result line: OBX-3 (code, text, coding system), OBX-5 value, OBX-6 unit, OBX-11 status, when measured. */
    record Lab(int index, String system, String code, String text, String value, String unit, String status,
               OffsetDateTime at) {
    }

    static List<Lab> labs(Message m, ZoneId zone) throws HL7Exception {
        List<Segment> obr = segments(m, "OBR");
        String obrTime = obr.isEmpty() ? null : field(obr.get(0), 7, 1);
        List<Lab> labs = new ArrayList<>();
        int i = 0;
        for (Segment obx : segments(m, "OBX")) {
            i++;
            String when = field(obx, 14, 1) != null ? field(obx, 14, 1) : obrTime;
            labs.add(new Lab(i, field(obx, 3, 3), field(obx, 3, 1), field(obx, 3, 2), field(obx, 5, 1), field(obx, 6, 1),
                    field(obx, 11, 1), when == null ? null : time(when, zone)));
        }
        return labs;
    }

    static LocalDate day(String ts, ZoneId zone) {
        if (ts.length() < 8) {
            throw new IllegalArgumentException("日期格式应为 YYYYMMDD[HHMM[SS]]，收到 " + ts);
        }
        return LocalDate.parse(ts.substring(0, 8), DAY);
    }

    static OffsetDateTime time(String ts, ZoneId zone) {
        String digits = ts.replaceAll("[^0-9]", "");
        LocalDate d = day(digits, zone);
        int hour = digits.length() >= 10 ? Integer.parseInt(digits.substring(8, 10)) : 0;
        int minute = digits.length() >= 12 ? Integer.parseInt(digits.substring(10, 12)) : 0;
        int second = digits.length() >= 14 ? Integer.parseInt(digits.substring(12, 14)) : 0;
        return LocalDateTime.of(d.getYear(), d.getMonth(), d.getDayOfMonth(), hour, minute, second)
                .atZone(zone).toOffsetDateTime();
    }
}
