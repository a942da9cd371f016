package cn.suifang.backend.questionnaire;

import cn.suifang.backend.alert.AlertCondition;
import cn.suifang.backend.alert.AlertEngine;
import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.Rows;
import cn.suifang.backend.observation.ObservationService;
import cn.suifang.backend.patient.PatientAccess;
import cn.suifang.backend.security.Principal;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Questionnaire responses, from the patient (mini-program), a family member acting for them, or staff asking the
 * questions by phone. A submission is checked completely before anything is stored; then, in one transaction, the
 * response, the readings it contains, the questionnaire task it settles and the alerts its answers raise. Submits are
 * idempotent by client request id.
 */
@Service
public class QuestionnaireService {

    /** How many days before its due date a questionnaire task may be settled by a response. */
    static final int EARLY_DAYS = 3;

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final PatientAccess access;
    private final QuestionnaireCatalog catalog;
    private final ObservationService observations;
    private final AlertEngine alerts;
    private final cn.suifang.backend.observation.PatientFacts facts;
    private final AuditService audit;
    private final Clock clock;

    QuestionnaireService(DatabaseClient db, TransactionalOperator tx, PatientAccess access, QuestionnaireCatalog catalog,
                         ObservationService observations, AlertEngine alerts, cn.suifang.backend.observation.PatientFacts facts, AuditService audit, Clock clock) {
        this.db = db;
        this.tx = tx;
        this.access = access;
        this.catalog = catalog;
        this.observations = observations;
        this.alerts = alerts;
        this.facts = facts;
        this.audit = audit;
        this.clock = clock;
    }

    /** Who is answering, as stored with the response. */
    public enum SubmittedBy { PATIENT, PROXY, STAFF }

    public record Submission(String clientRequestId, Long taskId, Map<String, Object> answers) {
    }

    /** What a submission did. {@code alerts} is for staff; a patient is shown {@code advice} only. */
    public record Result(long responseId, String questionnaireCode, int version, Integer score, String band,
                         String bandLabel, Boolean positive, Long taskId, List<AlertEngine.Raised> alerts,
                         List<String> advice, boolean replay, OffsetDateTime submittedAt) {
    }

    public record Summary(long id, String questionnaireCode, String title, Integer score, String bandLabel,
                          String submittedBy, Long taskId, OffsetDateTime submittedAt) {
    }

    /** One answered item as a person reads it. */
    public record AnsweredItem(String itemId, String question, Object answer, String answerText) {
    }

    public record Detail(Summary summary, int version, List<AnsweredItem> items) {
    }

    public record Listed(String code, int version, String title, String intro, String licence, int items, boolean scored) {
    }

    public Flux<Listed> active() {
        return catalog.allActive().map(s -> new Listed(s.definition().code(), s.definition().version(), s.definition().title(),
                s.definition().intro(), s.definition().licence(), s.definition().items().size(),
                "SUM".equals(s.definition().scoring().method())));
    }

    public Mono<Questionnaire> definition(String code) {
        return catalog.active(code).map(QuestionnaireCatalog.Stored::definition)
                .switchIfEmpty(Mono.error(() -> missing(code)));
    }

    private static ApiException missing(String code) {
        return ApiException.notFound(2609, "问卷不存在或已停用：" + code);
    }

    /**
     * @param bindingId the mini-program binding the patient or proxy answered through; null for staff
     */
    public Mono<Result> submit(Principal actor, long patientId, String code, SubmittedBy by, Long bindingId, Submission s) {
        return access.require(actor, patientId)
                .then(catalog.active(code))
                .switchIfEmpty(Mono.error(() -> missing(code)))
                .flatMap(stored -> {
                    Questionnaire.Scored scored = stored.definition().score(s.answers());
                    return replay(patientId, code, s.clientRequestId())
                            .switchIfEmpty(Mono.defer(() -> tx.transactional(store(actor, patientId, stored, by, bindingId, s, scored))))
                            .onErrorResume(DataIntegrityViolationException.class,
                                    e -> replay(patientId, code, s.clientRequestId()).switchIfEmpty(Mono.error(e)));
                });
    }

    private Mono<Result> replay(long patientId, String code, String clientRequestId) {
        return db.sql("""
                        SELECT r.*, q.version FROM questionnaire_response r JOIN questionnaire q ON q.id = r.questionnaire_id
                        WHERE r.client_request_id = :crid""")
                .bind("crid", clientRequestId)
                .map(r -> new Object[] {r.get("patient_id", Long.class), r.get("questionnaire_code", String.class),
                        new Result(r.get("id", Long.class), r.get("questionnaire_code", String.class),
                                r.get("version", Integer.class), r.get("score", Integer.class), r.get("band", String.class),
                                r.get("band_label", String.class), null, r.get("task_id", Long.class), List.of(), List.of(),
                                true, r.get("created_at", OffsetDateTime.class))})
                .one()
                .flatMap(row -> (Long) row[0] == patientId && code.equals(row[1]) ? Mono.just((Result) row[2])
                        : Mono.error(ApiException.conflict(2610, "duplicate-request", "该请求号已用于另一份问卷提交")));
    }

    private Mono<Result> store(Principal actor, long patientId, QuestionnaireCatalog.Stored stored, SubmittedBy by,
                               Long bindingId, Submission s, Questionnaire.Scored scored) {
        Questionnaire q = stored.definition();
        OffsetDateTime now = OffsetDateTime.now(clock);
        return task(patientId, q.code(), s.taskId())
                .map(java.util.Optional::of).defaultIfEmpty(java.util.Optional.empty())
                .flatMap(task -> db.sql("""
                                INSERT INTO questionnaire_response (patient_id, questionnaire_id, questionnaire_code, task_id,
                                    client_request_id, answers, score, band, band_label, submitted_by_type, submitted_by_id,
                                    binding_id, created_at)
                                VALUES (:p, :q, :code, :task, :crid, CAST(:answers AS JSONB), :score, :band, :label, :by, :byId,
                                    :binding, :now)
                                RETURNING id""")
                        .bind("p", patientId).bind("q", stored.id()).bind("code", q.code())
                        .bind("task", Rows.param(task.orElse(null), Long.class)).bind("crid", s.clientRequestId())
                        .bind("answers", QuestionnaireCatalog.JSON.writeValueAsString(scored.answers()))
                        .bind("score", Rows.param(scored.score(), Integer.class))
                        .bind("band", Rows.param(scored.band() == null ? null : scored.band().code(), String.class))
                        .bind("label", Rows.param(scored.band() == null ? null : scored.band().label(), String.class))
                        .bind("by", by.name()).bind("byId", Rows.param(actor.actorId(), Long.class))
                        .bind("binding", Rows.param(bindingId, Long.class)).bind("now", now)
                        .map(r -> r.get("id", Long.class)).one()
                        .flatMap(responseId -> Flux.fromIterable(scored.readings())
                                .concatMap(r -> observations.reported(patientId, r, now, "QUESTIONNAIRE",
                                        actor.isStaff() ? actor.id() : null, bindingId, null))
                                .collectList()
                                .flatMap(ids -> settle(task.orElse(null), actor)
                                        .then(alerts.onReadings(patientId, ids))
                                        .zipWith(alerts.onResponse(patientId,
                                                new AlertCondition.Response(q.code(), scored.score(), scored.answers())),
                                                (a, b) -> Stream.concat(a.stream(), b.stream()).toList())
                                        .flatMap(raised -> facts.changed(patientId).thenReturn(raised)))
                                .flatMap(raised -> audit.record(actor, "QUESTIONNAIRE_SUBMIT", "questionnaire_response",
                                                responseId, List.of(patientId), q.code() + " by=" + by)
                                        .thenReturn(new Result(responseId, q.code(), q.version(), scored.score(),
                                                scored.band() == null ? null : scored.band().code(),
                                                scored.band() == null ? null : scored.band().label(), scored.positive(),
                                                task.orElse(null), raised,
                                                raised.stream().map(AlertEngine.Raised::patientAdvice)
                                                        .filter(a -> a != null && !a.isBlank()).distinct().toList(),
                                                false, now)))));
    }

    /**
     * The questionnaire task this response settles: the one named (it must be the patient's open questionnaire task of
     * this questionnaire), else the patient's earliest open one of this questionnaire due within {@link #EARLY_DAYS}.
     */
    private Mono<Long> task(long patientId, String code, Long taskId) {
        LocalDate today = LocalDate.now(clock);
        if (taskId == null) {
            return db.sql("""
                            SELECT t.id FROM follow_up_task t JOIN pathway_step s ON s.id = t.step_id
                            WHERE t.patient_id = :p AND t.status IN ('PENDING', 'IN_PROGRESS') AND t.channel = 'QUESTIONNAIRE'
                              AND s.questionnaire_code = :code AND t.due_date <= :until
                            ORDER BY t.due_date, t.id LIMIT 1
                            FOR UPDATE OF t""")
                    .bind("p", patientId).bind("code", code).bind("until", today.plusDays(EARLY_DAYS))
                    .map(r -> r.get("id", Long.class)).one();
        }
        return db.sql("""
                        SELECT t.id, t.status, t.channel, s.questionnaire_code FROM follow_up_task t
                        LEFT JOIN pathway_step s ON s.id = t.step_id
                        WHERE t.id = :t AND t.patient_id = :p FOR UPDATE OF t""")
                .bind("t", taskId).bind("p", patientId)
                .map(r -> new String[] {r.get("status", String.class), r.get("channel", String.class),
                        r.get("questionnaire_code", String.class)})
                .one()
                .switchIfEmpty(Mono.error(() -> ApiException.badRequest(2611, "taskId", "该随访任务不属于这位患者")))
                .flatMap(t -> {
                    if (!"QUESTIONNAIRE".equals(t[1]) || (t[2] != null && !t[2].equals(code))) {
                        return Mono.error(ApiException.badRequest(2612, "taskId", "该随访任务不是这份问卷的任务"));
                    }
                    if (!"PENDING".equals(t[0]) && !"IN_PROGRESS".equals(t[0])) {
                        return Mono.error(ApiException.conflict(2613, "task-closed", "该问卷任务已结束，无需再次提交"));
                    }
                    return Mono.just(taskId);
                });
    }

    private Mono<Void> settle(Long taskId, Principal actor) {
        if (taskId == null) {
            return Mono.empty();
        }
        return db.sql("""
                        UPDATE follow_up_task SET status = 'COMPLETED', outcome = 'COMPLETED', attempts = attempts + 1,
                            completed_at = now(), version = version + 1, changed_at = now(), changed_by = :by
                        WHERE id = :id""")
                .bind("id", taskId).bind("by", Rows.param(actor.isStaff() ? actor.id() : null, Long.class))
                .then();
    }

    // ------------------------------------------------------------------ reading

    public Mono<List<Summary>> list(Principal actor, long patientId) {
        return access.require(actor, patientId)
                .then(db.sql("""
                                SELECT r.id, r.questionnaire_code, q.title, r.score, r.band_label, r.submitted_by_type,
                                       r.task_id, r.created_at
                                FROM questionnaire_response r JOIN questionnaire q ON q.id = r.questionnaire_id
                                WHERE r.patient_id = :p ORDER BY r.created_at DESC, r.id DESC LIMIT 200""")
                        .bind("p", patientId)
                        .map(r -> summary(r))
                        .all().collectList())
                .flatMap(list -> audit.record(actor, "QUESTIONNAIRE_LIST", "patient", patientId, List.of(patientId), null)
                        .thenReturn(list));
    }

    public Mono<Detail> get(Principal actor, long responseId) {
        return db.sql("""
                        SELECT r.*, r.answers::text AS answers_text, q.title, q.version FROM questionnaire_response r
                        JOIN questionnaire q ON q.id = r.questionnaire_id WHERE r.id = :id""")
                .bind("id", responseId)
                .map(r -> new Object[] {r.get("patient_id", Long.class), summary(r), r.get("questionnaire_id", Long.class),
                        r.get("answers_text", String.class), r.get("version", Integer.class)})
                .one()
                .filterWhen(row -> access.canSee(actor, (Long) row[0]))
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(2614, "问卷记录不存在或无权查看")))
                .flatMap(row -> catalog.byId((Long) row[2]).map(stored -> {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> answers = QuestionnaireCatalog.JSON.readValue((String) row[3], LinkedHashMap.class);
                    return new Detail((Summary) row[1], (Integer) row[4], readable(stored.definition(), answers));
                }).flatMap(d -> audit.record(actor, "QUESTIONNAIRE_READ", "questionnaire_response", responseId,
                        List.of((Long) row[0]), null).thenReturn(d)));
    }

    static List<AnsweredItem> readable(Questionnaire q, Map<String, Object> answers) {
        List<AnsweredItem> out = new ArrayList<>();
        for (Questionnaire.Item item : q.items()) {
            Object a = answers.get(item.id());
            if (a == null) {
                continue;
            }
            String text = switch (item.type()) {
                case SINGLE -> label(item, a);
                case MULTI -> ((List<?>) a).stream().map(v -> label(item, v)).reduce((x, y) -> x + "、" + y).orElse("");
                case NUMBER -> a + (item.observation() == null ? ""
                        : " " + cn.suifang.backend.observation.ObservationCode.valueOf(item.observation()).unit());
                case TEXT -> a.toString();
            };
            out.add(new AnsweredItem(item.id(), item.text(), a, text));
        }
        return out;
    }

    private static String label(Questionnaire.Item item, Object value) {
        int v = ((Number) value).intValue();
        return item.options().stream().filter(o -> o.value() == v).map(Questionnaire.Option::label).findFirst()
                .orElse(String.valueOf(v));
    }

    private static Summary summary(io.r2dbc.spi.Readable r) {
        return new Summary(r.get("id", Long.class), r.get("questionnaire_code", String.class), r.get("title", String.class),
                r.get("score", Integer.class), r.get("band_label", String.class), r.get("submitted_by_type", String.class),
                r.get("task_id", Long.class), r.get("created_at", OffsetDateTime.class));
    }
}
