package cn.suifang.backend.patient;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.Rows;
import cn.suifang.backend.crypto.Masking;
import cn.suifang.backend.crypto.PiiCipher;
import cn.suifang.backend.crypto.PiiCipher.PiiField;
import cn.suifang.backend.security.Principal;
import io.r2dbc.spi.Readable;
import java.time.Clock;
import java.time.LocalDate;
import java.time.Period;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;

/** Patient records: demographics with encrypted identifiers, and the upsert that imports use. */
@Service
public class PatientService {

    private final DatabaseClient db;
    private final PiiCipher cipher;
    private final PatientAccess access;
    private final AuditService audit;
    private final Clock clock;

    PatientService(DatabaseClient db, PiiCipher cipher, PatientAccess access, AuditService audit, Clock clock) {
        this.db = db;
        this.cipher = cipher;
        this.access = access;
        this.audit = audit;
        this.clock = clock;
    }

    /** What an authorised reader sees: identifiers masked, never in clear. */
    public record PatientView(long id, String mrn, String name, String gender, LocalDate birthDate, Integer age,
                              String phoneMasked, String idCardMasked, long departmentId, String departmentName,
                              Long responsibleStaffId, String responsibleStaffName, Long careTeamId,
                              List<String> tags, boolean consentFollowUp, boolean consentRecording) {
    }

    /** Validated, normalised demographics from an import. */
    public record Demographics(String mrn, String name, String gender, LocalDate birthDate, String phone,
                               String idCard, Boolean consentFollowUp, Boolean consentRecording) {
    }

    /**
     * @param followUpConsentWithdrawn the patient had agreed to follow-up and this record says they no longer do:
     *                                 the caller cancels their open tasks
     */
    public record Upserted(long patientId, boolean created, boolean changed, boolean followUpConsentWithdrawn) {
    }

    public Mono<PatientView> get(Principal principal, long patientId) {
        return access.require(principal, patientId)
                .then(load(patientId))
                .flatMap(v -> audit.record(principal, "PATIENT_READ", "patient", patientId, List.of(patientId), null)
                        .thenReturn(v));
    }

    Mono<PatientView> load(long patientId) {
        return db.sql("""
                        SELECT p.*, d.name AS department_name, s.name AS staff_name
                        FROM patient p JOIN department d ON d.id = p.department_id
                        LEFT JOIN staff s ON s.id = p.responsible_staff_id
                        WHERE p.id = :id""")
                .bind("id", patientId)
                .map(this::view)
                .one()
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(1302, "患者不存在或无权查看")));
    }

    private PatientView view(Readable r) {
        LocalDate birth = r.get("birth_date", LocalDate.class);
        return new PatientView(r.get("id", Long.class), r.get("mrn", String.class), r.get("name", String.class),
                r.get("gender", String.class), birth,
                birth == null ? null : Period.between(birth, LocalDate.now(clock)).getYears(),
                Masking.phone(cipher.decrypt(PiiField.PATIENT_PHONE, r.get("phone_enc", byte[].class))),
                Masking.idCard(cipher.decrypt(PiiField.PATIENT_ID_CARD, r.get("id_card_enc", byte[].class))),
                r.get("department_id", Long.class), r.get("department_name", String.class),
                r.get("responsible_staff_id", Long.class), r.get("staff_name", String.class),
                r.get("care_team_id", Long.class), Rows.strings(r, "tags"),
                Boolean.TRUE.equals(r.get("consent_follow_up", Boolean.class)),
                Boolean.TRUE.equals(r.get("consent_recording", Boolean.class)));
    }

    /**
     * The live patient of this hospital with this medical record number, else (when the sender gives it) the one with
     * this resident ID-card number, found by its blind index. Empty when neither matches.
     */
    public Mono<Long> find(long hospitalId, String mrn, String idCard) {
        Mono<Long> byMrn = mrn == null || mrn.isBlank() ? Mono.empty()
                : db.sql("SELECT id FROM patient WHERE hospital_id = :h AND mrn = :mrn AND NOT voided")
                        .bind("h", hospitalId).bind("mrn", mrn.strip()).map(r -> r.get("id", Long.class)).one();
        byte[] index = idCard == null || idCard.isBlank() ? null
                : cipher.blindIndex(PiiField.PATIENT_ID_CARD, idCard.strip().toUpperCase(java.util.Locale.ROOT));
        return byMrn.switchIfEmpty(Mono.defer(() -> index == null ? Mono.empty()
                : db.sql("SELECT id FROM patient WHERE hospital_id = :h AND id_card_bidx = :idx AND NOT voided ORDER BY id LIMIT 1")
                        .bind("h", hospitalId).bind("idx", index).map(r -> r.get("id", Long.class)).one()));
    }

    /**
     * Creates the patient or refreshes their demographics, keyed by (hospital, MRN). Keeps the existing
     * responsible staff and care team unless the patient has none yet. Consent flags given in the record (HIS's
     * latest 随访/录音知情同意) replace the stored ones; absent flags keep them. Run inside the caller's transaction.
     */
    public Mono<Upserted> upsert(Principal actor, long hospitalId, Demographics d, long departmentId,
                                 Long responsibleStaffId, Long careTeamId) {
        byte[] phoneIdx = cipher.blindIndex(PiiField.PATIENT_PHONE, d.phone());
        byte[] idIdx = cipher.blindIndex(PiiField.PATIENT_ID_CARD, d.idCard());
        return db.sql("""
                        SELECT id, name, gender, birth_date, phone_bidx, id_card_bidx, consent_follow_up, consent_recording
                        FROM patient
                        WHERE hospital_id = :h AND mrn = :mrn FOR UPDATE""")
                .bind("h", hospitalId).bind("mrn", d.mrn())
                .map(r -> new Object[] {r.get("id", Long.class), r.get("name", String.class),
                        r.get("gender", String.class), r.get("birth_date", LocalDate.class),
                        r.get("phone_bidx", byte[].class), r.get("id_card_bidx", byte[].class),
                        r.get("consent_follow_up", Boolean.class), r.get("consent_recording", Boolean.class)})
                .one()
                .flatMap(existing -> {
                    long id = (Long) existing[0];
                    boolean same = d.name().equals(existing[1]) && d.gender().equals(existing[2])
                            && java.util.Objects.equals(d.birthDate(), existing[3])
                            && java.util.Arrays.equals(phoneIdx, (byte[]) existing[4])
                            && java.util.Arrays.equals(idIdx, (byte[]) existing[5])
                            && (d.consentFollowUp() == null || d.consentFollowUp().equals(existing[6]))
                            && (d.consentRecording() == null || d.consentRecording().equals(existing[7]));
                    boolean withdrawn = Boolean.TRUE.equals(existing[6]) && Boolean.FALSE.equals(d.consentFollowUp());
                    if (same) {
                        return Mono.just(new Upserted(id, false, false, false));
                    }
                    return db.sql("""
                                    UPDATE patient SET name = :name, gender = :gender, birth_date = :birth,
                                        phone_enc = :penc, phone_bidx = :pidx, id_card_enc = :ienc, id_card_bidx = :iidx,
                                        responsible_staff_id = COALESCE(responsible_staff_id, :staff),
                                        care_team_id = COALESCE(care_team_id, :team),
                                        consent_follow_up = COALESCE(:cfu, consent_follow_up),
                                        consent_recording = COALESCE(:crec, consent_recording),
                                        changed_at = now(), changed_by = :by
                                    WHERE id = :id""")
                            .bind("id", id)
                            .bind("name", d.name()).bind("gender", d.gender())
                            .bind("birth", Rows.param(d.birthDate(), LocalDate.class))
                            .bind("penc", Rows.param(cipher.encrypt(PiiField.PATIENT_PHONE, d.phone()), byte[].class))
                            .bind("pidx", Rows.param(phoneIdx, byte[].class))
                            .bind("ienc", Rows.param(cipher.encrypt(PiiField.PATIENT_ID_CARD, d.idCard()), byte[].class))
                            .bind("iidx", Rows.param(idIdx, byte[].class))
                            .bind("staff", Rows.param(responsibleStaffId, Long.class))
                            .bind("team", Rows.param(careTeamId, Long.class))
                            .bind("cfu", Rows.param(d.consentFollowUp(), Boolean.class))
                            .bind("crec", Rows.param(d.consentRecording(), Boolean.class))
                            .bind("by", Rows.param(actor.actorId(), Long.class))
                            .then()
                            .thenReturn(new Upserted(id, false, true, withdrawn));
                })
                .switchIfEmpty(Mono.defer(() -> db.sql("""
                                INSERT INTO patient (hospital_id, mrn, name, gender, birth_date, phone_enc, phone_bidx,
                                    id_card_enc, id_card_bidx, department_id, responsible_staff_id, care_team_id,
                                    consent_follow_up, consent_recording, created_by)
                                VALUES (:h, :mrn, :name, :gender, :birth, :penc, :pidx, :ienc, :iidx, :dept, :staff, :team,
                                    :cfu, :crec, :by)
                                RETURNING id""")
                        .bind("h", hospitalId).bind("mrn", d.mrn())
                        .bind("name", d.name()).bind("gender", d.gender())
                        .bind("birth", Rows.param(d.birthDate(), LocalDate.class))
                        .bind("penc", Rows.param(cipher.encrypt(PiiField.PATIENT_PHONE, d.phone()), byte[].class))
                        .bind("pidx", Rows.param(phoneIdx, byte[].class))
                        .bind("ienc", Rows.param(cipher.encrypt(PiiField.PATIENT_ID_CARD, d.idCard()), byte[].class))
                        .bind("iidx", Rows.param(idIdx, byte[].class))
                        .bind("dept", departmentId)
                        .bind("staff", Rows.param(responsibleStaffId, Long.class))
                        .bind("team", Rows.param(careTeamId, Long.class))
                        .bind("cfu", d.consentFollowUp() == null || d.consentFollowUp())
                        .bind("crec", d.consentRecording() == null || d.consentRecording())
                        .bind("by", Rows.param(actor.actorId(), Long.class))
                        .map(r -> r.get("id", Long.class))
                        .one()
                        .map(id -> new Upserted(id, true, true, false))));
    }

    /**
     * An in-hospital update of a known patient's demographics (HL7 ADT^A08): only the fields given change, an absent one
     * keeps its value (in HL7 an empty field means "not sent"). Returns whether anything changed. Run inside the
     * caller's transaction; audited as PATIENT_UPDATE without the values.
     */
    public Mono<Boolean> refresh(Principal actor, long patientId, String name, String gender, LocalDate birthDate,
                                 String phone, String idCard) {
        byte[] phoneIdx = phone == null ? null : cipher.blindIndex(PiiField.PATIENT_PHONE, phone);
        byte[] idIdx = idCard == null ? null : cipher.blindIndex(PiiField.PATIENT_ID_CARD, idCard);
        return db.sql("""
                        UPDATE patient SET name = COALESCE(:name, name), gender = COALESCE(:gender, gender),
                            birth_date = COALESCE(:birth, birth_date),
                            phone_enc = COALESCE(:penc, phone_enc), phone_bidx = COALESCE(:pidx, phone_bidx),
                            id_card_enc = COALESCE(:ienc, id_card_enc), id_card_bidx = COALESCE(:iidx, id_card_bidx),
                            changed_at = now(), changed_by = :by
                        WHERE id = :id AND (name IS DISTINCT FROM COALESCE(:name, name)
                            OR gender IS DISTINCT FROM COALESCE(:gender, gender)
                            OR birth_date IS DISTINCT FROM COALESCE(:birth, birth_date)
                            OR phone_bidx IS DISTINCT FROM COALESCE(:pidx, phone_bidx)
                            OR id_card_bidx IS DISTINCT FROM COALESCE(:iidx, id_card_bidx))""")
                .bind("id", patientId)
                .bind("name", Rows.param(name, String.class)).bind("gender", Rows.param(gender, String.class))
                .bind("birth", Rows.param(birthDate, LocalDate.class))
                .bind("penc", Rows.param(phone == null ? null : cipher.encrypt(PiiField.PATIENT_PHONE, phone), byte[].class))
                .bind("pidx", Rows.param(phoneIdx, byte[].class))
                .bind("ienc", Rows.param(idCard == null ? null : cipher.encrypt(PiiField.PATIENT_ID_CARD, idCard), byte[].class))
                .bind("iidx", Rows.param(idIdx, byte[].class))
                .bind("by", Rows.param(actor.actorId(), Long.class))
                .fetch().rowsUpdated()
                .flatMap(n -> n == 0 ? Mono.just(false)
                        : audit.record(actor, "PATIENT_UPDATE", "patient", patientId, List.of(patientId), "ADT^A08").thenReturn(true));
    }
}
