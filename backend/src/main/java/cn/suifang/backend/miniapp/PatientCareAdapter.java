package cn.suifang.backend.miniapp;

import cn.suifang.backend.alert.AlertEngine;
import cn.suifang.backend.alert.AlertService;
import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.crypto.Masking;
import cn.suifang.backend.crypto.PiiCipher;
import cn.suifang.backend.crypto.PiiCipher.PiiField;
import cn.suifang.backend.observation.ObservationCode;
import cn.suifang.backend.observation.ObservationService;
import cn.suifang.backend.pathway.Channel;
import cn.suifang.backend.questionnaire.QuestionnaireService;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.task.TaskService;
import cn.suifang.miniapp.Caller;
import cn.suifang.miniapp.port.PatientCare;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The patient's side of follow-up on the backend's domain. The acting principal is the patient (PATIENT) or the
 * family member's binding (PROXY), so audit rows, questionnaire responses and readings all say who it was.
 */
@Component
class PatientCareAdapter implements PatientCare {

    /** Readings may be reported up to this long after they were measured. */
    static final Duration REPORT_WINDOW = Duration.ofDays(30);

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final QuestionnaireService questionnaires;
    private final ObservationService observations;
    private final AlertEngine alerts;
    private final cn.suifang.backend.advice.Interventions interventions;
    private final cn.suifang.backend.observation.PatientFacts facts;
    private final AlertService alertService;
    private final TaskService tasks;
    private final AuditService audit;
    private final PiiCipher cipher;
    private final SuifangProperties properties;
    private final Clock clock;

    PatientCareAdapter(DatabaseClient db, TransactionalOperator tx, QuestionnaireService questionnaires,
                       ObservationService observations, AlertEngine alerts, cn.suifang.backend.advice.Interventions interventions, cn.suifang.backend.observation.PatientFacts facts, AlertService alertService, TaskService tasks,
                       AuditService audit, PiiCipher cipher, SuifangProperties properties, Clock clock) {
        this.db = db;
        this.tx = tx;
        this.questionnaires = questionnaires;
        this.observations = observations;
        this.alerts = alerts;
        this.interventions = interventions;
        this.facts = facts;
        this.alertService = alertService;
        this.tasks = tasks;
        this.audit = audit;
        this.cipher = cipher;
        this.properties = properties;
        this.clock = clock;
    }

    /** Who acts: the patient themself, or the proxy's binding. */
    static Principal actor(Caller c) {
        return c.proxy() ? new Principal(Principal.ActorType.PROXY, c.bindingId(), 0, 0, Set.of())
                : new Principal(Principal.ActorType.PATIENT, c.patientId(), 0, 0, Set.of());
    }

    private Mono<Void> audited(Caller c, String action, String resourceType, Object resourceId, String detail) {
        return audit.record(actor(c), action, resourceType, resourceId, List.of(c.patientId()),
                (c.proxy() ? "proxy binding=" + c.bindingId() : "self") + (detail == null ? "" : " " + detail));
    }

    // ------------------------------------------------------------------ plan and advice

    @Override
    public Mono<Plan> plan(Caller c) {
        LocalDate today = LocalDate.now(clock);
        return db.sql("""
                        SELECT p.name, p.consent_follow_up, p.consent_recording, h.name AS hospital,
                               COALESCE(d.caller_id, :defaultCaller) AS caller
                        FROM patient p JOIN hospital h ON h.id = p.hospital_id JOIN department d ON d.id = p.department_id
                        WHERE p.id = :p""")
                .bind("p", c.patientId()).bind("defaultCaller", properties.telephony().callerId())
                .map(r -> new Object[] {r.get("name", String.class), r.get("consent_follow_up", Boolean.class),
                        r.get("consent_recording", Boolean.class), r.get("hospital", String.class), r.get("caller", String.class)})
                .one()
                .flatMap(p -> db.sql("""
                                SELECT t.id, t.due_date, t.window_end, t.title, t.channel, t.status, s.questionnaire_code
                                FROM follow_up_task t LEFT JOIN pathway_step s ON s.id = t.step_id
                                WHERE t.patient_id = :p AND t.status <> 'CANCELLED'
                                  AND (t.status IN ('PENDING', 'IN_PROGRESS') OR t.completed_at >= :since)
                                ORDER BY t.due_date, t.id""")
                        .bind("p", c.patientId()).bind("since", OffsetDateTime.now(clock).minusYears(1))
                        .map(r -> {
                            String channel = r.get("channel", String.class);
                            String status = r.get("status", String.class);
                            return new Contact(r.get("id", Long.class), r.get("due_date", LocalDate.class),
                                    r.get("window_end", LocalDate.class), r.get("title", String.class), channel,
                                    channelLabel(channel), "PHONE".equals(channel) ? (String) p[4] : null, status,
                                    statusLabel(status, r.get("due_date", LocalDate.class), today),
                                    r.get("questionnaire_code", String.class));
                        })
                        .all().collectList()
                        .map(all -> new Plan(Masking.name((String) p[0]), (String) p[3],
                                all.stream().filter(x -> open(x.status())).toList(),
                                all.stream().filter(x -> !open(x.status())).sorted((a, b) -> b.date().compareTo(a.date())).toList(),
                                Boolean.TRUE.equals(p[1]), Boolean.TRUE.equals(p[2]))))
                .flatMap(plan -> audited(c, "MINIAPP_PLAN_READ", "patient", c.patientId(), null).thenReturn(plan));
    }

    private static boolean open(String status) {
        return "PENDING".equals(status) || "IN_PROGRESS".equals(status);
    }

    private static String channelLabel(String channel) {
        try {
            return Channel.valueOf(channel).label();
        } catch (IllegalArgumentException e) {
            return channel;
        }
    }

    private static String statusLabel(String status, LocalDate due, LocalDate today) {
        return switch (status) {
            case "PENDING", "IN_PROGRESS" -> due.isAfter(today) ? "待进行" : "进行中";
            case "COMPLETED" -> "已完成";
            case "UNREACHABLE" -> "未联系上";
            case "REFUSED" -> "已婉拒";
            default -> status;
        };
    }

    @Override
    public Mono<List<Advice>> advice(Caller c) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        Flux<Advice> fromAlerts = db.sql("""
                        SELECT id, patient_advice, raised_at, level = 1 AND status = 'OPEN' AS confirm FROM alert
                        WHERE patient_id = :p AND patient_advice IS NOT NULL AND raised_at >= :since
                        ORDER BY raised_at DESC""")
                .bind("p", c.patientId()).bind("since", now.minusDays(90))
                .map(r -> new Advice("ALERT", r.get("id", Long.class), r.get("patient_advice", String.class),
                        r.get("raised_at", OffsetDateTime.class), Boolean.TRUE.equals(r.get("confirm", Boolean.class)),
                        null, null, null, null, null))
                .all();
        Flux<Advice> fromNotes = db.sql("""
                        SELECT n.created_at, a FROM follow_up_note n, unnest(n.advice) a
                        WHERE n.patient_id = :p AND NOT n.voided AND n.created_at >= :since
                        ORDER BY n.created_at DESC""")
                .bind("p", c.patientId()).bind("since", now.minusDays(180))
                .map(r -> new Advice("NOTE", null, r.get("a", String.class), r.get("created_at", OffsetDateTime.class), false,
                        null, null, null, null, null))
                .all();
        // a clinician's health advice: shown until answered or withdrawn, then kept for 90 days; opening it marks it read
        Flux<Advice> fromInterventions = db.sql("""
                        UPDATE intervention SET read_at = COALESCE(read_at, :now)
                        WHERE patient_id = :p AND (status = 'ACTIVE' OR status = 'COMPLETED' AND outcome_at >= :since)
                        RETURNING id, kind, title, body, sent_at, outcome""")
                .bind("p", c.patientId()).bind("now", now).bind("since", now.minusDays(90))
                .map(r -> new Advice("INTERVENTION", null, r.get("body", String.class), r.get("sent_at", OffsetDateTime.class),
                        r.get("outcome", String.class) == null, r.get("id", Long.class), r.get("title", String.class),
                        cn.suifang.backend.advice.Interventions.kindLabel(r.get("kind", String.class)),
                        r.get("outcome", String.class),
                        cn.suifang.backend.advice.Interventions.outcomeLabel(r.get("outcome", String.class))))
                .all()
                .sort(java.util.Comparator.comparing(Advice::at).reversed());
        return fromInterventions.concatWith(fromAlerts).concatWith(fromNotes).collectList()
                .flatMap(list -> audited(c, "MINIAPP_ADVICE_READ", "patient", c.patientId(), null).thenReturn(list));
    }

    @Override
    public Mono<Void> interventionOutcome(Caller c, long interventionId, String outcome) {
        return interventions.patientOutcome(actor(c), c.patientId(), interventionId, outcome).then();
    }

    @Override
    public Mono<Void> adviceRead(Caller c, long alertId) {
        return alertService.adviceRead(actor(c), c.patientId(), alertId);
    }

    // ------------------------------------------------------------------ questionnaires

    @Override
    public Mono<List<Pending>> pendingQuestionnaires(Caller c) {
        return db.sql("""
                        SELECT t.id, s.questionnaire_code, q.title, t.due_date, t.window_end
                        FROM follow_up_task t JOIN pathway_step s ON s.id = t.step_id
                        JOIN questionnaire q ON q.code = s.questionnaire_code AND q.status = 'ACTIVE'
                        WHERE t.patient_id = :p AND t.status IN ('PENDING', 'IN_PROGRESS') AND t.channel = 'QUESTIONNAIRE'
                          AND t.due_date <= :until
                        ORDER BY t.due_date, t.id""")
                .bind("p", c.patientId()).bind("until", LocalDate.now(clock).plusDays(3))
                .map(r -> new Pending(r.get("id", Long.class), r.get("questionnaire_code", String.class),
                        r.get("title", String.class), r.get("due_date", LocalDate.class), r.get("window_end", LocalDate.class)))
                .all().collectList();
    }

    @Override
    public Mono<Object> questionnaire(Caller c, String code) {
        return questionnaires.definition(code).map(q -> (Object) q);
    }

    @Override
    public Mono<Submitted> submitQuestionnaire(Caller c, String clientRequestId, String code, Long taskId,
                                               Map<String, Object> answers) {
        QuestionnaireService.SubmittedBy by = c.proxy() ? QuestionnaireService.SubmittedBy.PROXY
                : QuestionnaireService.SubmittedBy.PATIENT;
        return questionnaires.submit(actor(c), c.patientId(), code, by, c.bindingId(),
                        new QuestionnaireService.Submission(clientRequestId, taskId, answers))
                .flatMap(r -> (r.taskId() == null ? Mono.just(0)
                        : award(c.patientId(), properties.miniapp().pointsQuestionnaire(), "QUESTIONNAIRE", "task:" + r.taskId()))
                        .map(points -> new Submitted(r.responseId(), r.questionnaireCode(), r.score(), r.bandLabel(),
                                r.advice(), r.replay() ? 0 : points, r.replay())));
    }

    /** Adds points once per (patient, reason, reference); 0 when already given or the rule gives none. */
    private Mono<Integer> award(long patientId, int points, String reason, String reference) {
        if (points <= 0) {
            return Mono.just(0);
        }
        return db.sql("""
                        INSERT INTO points_entry (patient_id, points, reason, reference, created_at) VALUES (:p, :n, :r, :ref, :now)
                        ON CONFLICT (patient_id, reason, reference) DO NOTHING""")
                .bind("p", patientId).bind("n", points).bind("r", reason).bind("ref", reference)
                .bind("now", OffsetDateTime.now(clock))
                .fetch().rowsUpdated().map(n -> n > 0 ? points : 0);
    }

    // ------------------------------------------------------------------ readings

    @Override
    public Mono<Reported> reportReadings(Caller c, String clientRequestId, List<Reading> readings) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        List<ObservationService.Reading> checked = new ArrayList<>();
        List<OffsetDateTime> times = new ArrayList<>();
        for (int i = 0; i < readings.size(); i++) {
            Reading r = readings.get(i);
            ObservationService.Reading reading = new ObservationService.Reading(ObservationCode.valueOf(r.code()), r.value(),
                    r.unit());
            ObservationService.validate("readings[" + i + "]", reading);
            OffsetDateTime at = r.measuredAt() == null ? now : r.measuredAt();
            if (at.isAfter(now.plusMinutes(5)) || at.isBefore(now.minus(REPORT_WINDOW))) {
                throw ApiException.badRequest(2718, "readings[" + i + "].measuredAt", "测量时间不能晚于现在，也不能早于30天前");
            }
            checked.add(reading);
            times.add(at);
        }
        String source = c.proxy() ? "PROXY" : "PATIENT";
        return db.sql("SELECT count(*) FROM observation WHERE client_request_id = :crid AND patient_id = :p")
                .bind("crid", clientRequestId).bind("p", c.patientId())
                .map(r -> r.get(0, Long.class)).one()
                .flatMap(existing -> existing > 0 ? Mono.just(new Reported(existing.intValue(), List.of(), true))
                        : tx.transactional(Flux.range(0, checked.size())
                                .concatMap(i -> observations.reported(c.patientId(), checked.get(i), times.get(i), source, null,
                                        c.bindingId(), clientRequestId))
                                .collectList()
                                .flatMap(ids -> alerts.onReadings(c.patientId(), ids)
                                        .flatMap(raised -> facts.changed(c.patientId()).thenReturn(raised))
                                        .flatMap(raised -> audited(c, "READINGS_REPORT", "patient", c.patientId(),
                                                checked.stream().map(x -> x.code().name()).distinct().toList().toString())
                                                .then(award(c.patientId(), properties.miniapp().pointsReading(), "READINGS",
                                                        "day:" + LocalDate.now(clock.withZone(properties.zone()))))
                                                .thenReturn(new Reported(ids.size(), raised.stream()
                                                        .map(AlertEngine.Raised::patientAdvice)
                                                        .filter(a -> a != null && !a.isBlank()).distinct().toList(), false))))));
    }

    @Override
    public Mono<List<ReadingView>> readings(Caller c, String code, int days) {
        ObservationCode oc = ObservationCode.valueOf(code);
        return db.sql("""
                        SELECT value, unit, effective_at, source FROM observation
                        WHERE patient_id = :p AND code = :c AND NOT voided AND effective_at >= :since
                        ORDER BY effective_at, id""")
                .bind("p", c.patientId()).bind("c", code).bind("since", OffsetDateTime.now(clock).minusDays(days))
                .map(r -> new ReadingView(code, oc.label(), r.get("value", BigDecimal.class), r.get("unit", String.class),
                        r.get("effective_at", OffsetDateTime.class), sourceLabel(r.get("source", String.class))))
                .all().collectList()
                .flatMap(list -> audited(c, "MINIAPP_READINGS_READ", "patient", c.patientId(), code).thenReturn(list));
    }

    static String sourceLabel(String source) {
        return switch (source) {
            case "PATIENT" -> "本人上报";
            case "PROXY" -> "家属代报";
            case "NOTE" -> "随访记录";
            case "QUESTIONNAIRE" -> "问卷";
            case "LAB" -> "化验";
            default -> "设备";
        };
    }

    // ------------------------------------------------------------------ points, consent, own data

    @Override
    public Mono<Points> points(Caller c) {
        return db.sql("SELECT points, reason, created_at FROM points_entry WHERE patient_id = :p ORDER BY created_at DESC, id DESC")
                .bind("p", c.patientId())
                .map(r -> new PointsEntry(r.get("points", Integer.class),
                        "QUESTIONNAIRE".equals(r.get("reason", String.class)) ? "按时完成随访问卷" : "上报健康数据",
                        r.get("created_at", OffsetDateTime.class)))
                .all().collectList()
                .map(entries -> new Points(entries.stream().mapToInt(PointsEntry::points).sum(), entries));
    }

    @Override
    public Mono<Consent> consent(Caller c, Boolean followUp, Boolean recording) {
        if (c.proxy()) {
            return Mono.error(new ApiException(HttpStatus.FORBIDDEN, "patient-only", 2719,
                    "同意或撤回同意须由患者本人操作，家属代办不可代为决定"));
        }
        Principal patient = actor(c);
        return tx.transactional(db.sql("SELECT consent_follow_up, consent_recording FROM patient WHERE id = :p FOR UPDATE")
                .bind("p", c.patientId())
                .map(r -> new boolean[] {Boolean.TRUE.equals(r.get(0, Boolean.class)), Boolean.TRUE.equals(r.get(1, Boolean.class))})
                .one()
                .flatMap(was -> {
                    boolean fu = followUp == null ? was[0] : followUp;
                    boolean rec = recording == null ? was[1] : recording;
                    Mono<Long> cancelled = was[0] && !fu ? tasks.cancelForWithdrawnConsent(patient, c.patientId()) : Mono.just(0L);
                    return db.sql("""
                                    UPDATE patient SET consent_follow_up = :fu, consent_recording = :rec, changed_at = now()
                                    WHERE id = :p""")
                            .bind("p", c.patientId()).bind("fu", fu).bind("rec", rec).then()
                            .then(cancelled)
                            .flatMap(n -> audit.record(patient, "CONSENT_CHANGE", "patient", c.patientId(), List.of(c.patientId()),
                                            "followUp=" + fu + " recording=" + rec + " via mini-program")
                                    .thenReturn(new Consent(fu, rec, n.intValue())));
                }));
    }

    @Override
    public Mono<Map<String, Object>> myData(Caller c) {
        Map<String, Object> out = new LinkedHashMap<>();
        Mono<Void> person = db.sql("""
                        SELECT p.name, p.gender, p.birth_date, p.phone_enc, p.id_card_enc, p.consent_follow_up, p.consent_recording,
                               h.name AS hospital FROM patient p JOIN hospital h ON h.id = p.hospital_id WHERE p.id = :p""")
                .bind("p", c.patientId())
                .map(r -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", r.get("name", String.class));
                    m.put("gender", r.get("gender", String.class));
                    m.put("birthDate", r.get("birth_date", LocalDate.class));
                    byte[] phone = r.get("phone_enc", byte[].class);
                    byte[] idCard = r.get("id_card_enc", byte[].class);
                    m.put("phone", phone == null ? null : Masking.phone(cipher.decrypt(PiiField.PATIENT_PHONE, phone)));
                    m.put("idCard", idCard == null ? null : Masking.idCard(cipher.decrypt(PiiField.PATIENT_ID_CARD, idCard)));
                    m.put("consentFollowUp", r.get("consent_follow_up", Boolean.class));
                    m.put("consentRecording", r.get("consent_recording", Boolean.class));
                    m.put("hospital", r.get("hospital", String.class));
                    return m;
                }).one().doOnNext(m -> out.put("patient", m)).then();
        Mono<Void> encounters = rows("""
                SELECT e.admission_date, e.discharge_date, d.name AS department, e.primary_diagnosis,
                       icd.name AS diagnosis_name, e.discharge_instructions, e.discharge_medications
                FROM encounter e JOIN department d ON d.id = e.department_id
                LEFT JOIN icd10_code icd ON icd.code = e.primary_diagnosis
                WHERE e.patient_id = :p AND NOT e.voided ORDER BY e.discharge_date""", c, "encounters", out);
        Mono<Void> followUps = rows("""
                SELECT t.due_date, t.title, t.channel, t.status, t.completed_at FROM follow_up_task t
                WHERE t.patient_id = :p ORDER BY t.due_date, t.id""", c, "followUps", out);
        Mono<Void> notes = rows("""
                SELECT n.created_at, n.outcome, n.contact_channel, n.symptoms, n.adherence, n.advice, n.next_contact_date
                FROM follow_up_note n WHERE n.patient_id = :p AND NOT n.voided ORDER BY n.created_at""", c, "notes", out);
        Mono<Void> responses = rows("""
                SELECT r.created_at, q.title, r.score, r.band_label, r.submitted_by_type, r.answers::text AS answers
                FROM questionnaire_response r JOIN questionnaire q ON q.id = r.questionnaire_id
                WHERE r.patient_id = :p ORDER BY r.created_at""", c, "questionnaires", out);
        Mono<Void> readings = rows("""
                SELECT code, value, unit, effective_at, source FROM observation
                WHERE patient_id = :p AND NOT voided ORDER BY effective_at, id""", c, "readings", out);
        Mono<Void> advice = rows("""
                SELECT raised_at, title, patient_advice, status FROM alert WHERE patient_id = :p ORDER BY raised_at""",
                c, "alerts", out);
        Mono<Void> calls = rows("""
                SELECT requested_at, status, outcome, billsec, recording_path IS NOT NULL AS recorded FROM call_record
                WHERE patient_id = :p ORDER BY requested_at""", c, "calls", out);
        return person.then(encounters).then(followUps).then(notes).then(responses).then(readings).then(advice).then(calls)
                .then(Mono.fromSupplier(() -> {
                    out.put("exportedAt", OffsetDateTime.now(clock));
                    out.put("note", "这是医院随访系统中保存的您的个人信息副本。证件号与手机号已部分隐藏；如需更正，请联系随访护士。");
                    return out;
                }))
                .flatMap(data -> audited(c, "DATA_EXPORT", "patient", c.patientId(), null).thenReturn(data));
    }

    private Mono<Void> rows(String sql, Caller c, String key, Map<String, Object> out) {
        return db.sql(sql).bind("p", c.patientId()).fetch().all().collectList().doOnNext(list -> out.put(key, list)).then();
    }
}
