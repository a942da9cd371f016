package cn.suifang.backend.report;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.note.NoteService;
import cn.suifang.backend.observation.ObservationCode;
import cn.suifang.backend.observation.ObservationService;
import cn.suifang.backend.patient.PatientService;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.workbench.WorkbenchService;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The printable health report (打印健康报告): gathers what the patient should take home — identity, diagnoses,
 * indicator trends, follow-up history, where they are in their recovery, lifestyle advice — and renders it as a
 * PDF off the event loop. Printing names the patient in full, so it is audited like any other read.
 */
@Service
public class HealthReportService {

    /** Indicators charted on the report, in this order; blood pressure draws SBP and DBP together. */
    static final List<List<ObservationCode>> CHARTS = List.of(
            List.of(ObservationCode.SBP, ObservationCode.DBP), List.of(ObservationCode.FPG),
            List.of(ObservationCode.HBA1C), List.of(ObservationCode.LDL_C), List.of(ObservationCode.WEIGHT));
    private static final int NOTES_SHOWN = 5;

    private final DatabaseClient db;
    private final PatientService patients;
    private final WorkbenchService workbench;
    private final NoteService notes;
    private final ObservationService observations;
    private final AuditService audit;
    private final cn.suifang.backend.summary.StageSummaries summaries;
    private final cn.suifang.backend.advice.Interventions interventions;
    private final SuifangProperties properties;
    private final Clock clock;

    HealthReportService(DatabaseClient db, PatientService patients, WorkbenchService workbench, NoteService notes,
                        ObservationService observations, cn.suifang.backend.summary.StageSummaries summaries,
                        cn.suifang.backend.advice.Interventions interventions, AuditService audit, SuifangProperties properties,
                        Clock clock) {
        this.summaries = summaries;
        this.interventions = interventions;
        this.db = db;
        this.patients = patients;
        this.workbench = workbench;
        this.notes = notes;
        this.observations = observations;
        this.audit = audit;
        this.properties = properties;
        this.clock = clock;
    }

    /** The care plan the report summarises: the patient's most recent one. */
    record PlanSummary(long encounterId, String pathwayCode, String pathwayName, int completed, int planned,
                       int unreachable) {
    }

    public record Report(String fileName, byte[] pdf) {
    }

    public Mono<Report> render(Principal principal, long patientId) {
        principal.requireStaff();
        LocalDate today = LocalDate.now(clock.withZone(properties.zone()));
        return patients.get(principal, patientId)
                .flatMap(patient -> Mono.zip(hospitalName(principal.hospitalId()), staffName(principal.id()),
                                plan(patientId), latestEncounter(patientId),
                                notes.ofPatient(patientId, NOTES_SHOWN).collectList(),
                                observations.series(patientId, CHARTS.stream().flatMap(List::stream).toList()).collectList(),
                                summaries.latestSigned(patientId), interventions.forReport(patientId))
                        .flatMap(t -> {
                            Optional<PlanSummary> plan = t.getT3();
                            Mono<Optional<WorkbenchService.EncounterSummary>> encounter = plan.map(PlanSummary::encounterId)
                                    .or(() -> t.getT4())
                                    .map(id -> workbench.encounter(id).map(Optional::of))
                                    .orElse(Mono.just(Optional.empty()));
                            return encounter.map(e -> new HealthReportPdf.Data(t.getT1(), t.getT2(), today, properties.zone(), patient,
                                    e.orElse(null), plan.orElse(null), t.getT5(), t.getT6(),
                                    HealthAdvice.forPathway(plan.map(PlanSummary::pathwayCode).orElse(null)),
                                    t.getT7().orElse(null), t.getT8()));
                        }))
                .flatMap(data -> Mono.fromCallable(() -> HealthReportPdf.render(data, Path.of(properties.report().fontPath())))
                        .subscribeOn(Schedulers.boundedElastic())
                        .map(pdf -> new Report("健康报告-" + data.patient().mrn() + "-" + today + ".pdf", pdf)))
                .flatMap(report -> audit.record(principal, "REPORT_PRINT", "patient", patientId, List.of(patientId),
                        "bytes=" + report.pdf().length).thenReturn(report));
    }

    private Mono<String> hospitalName(long hospitalId) {
        return db.sql("SELECT name FROM hospital WHERE id = :id").bind("id", hospitalId)
                .map(r -> r.get(0, String.class)).one().defaultIfEmpty("");
    }

    private Mono<String> staffName(long staffId) {
        return db.sql("SELECT name FROM staff WHERE id = :id").bind("id", staffId)
                .map(r -> r.get(0, String.class)).one().defaultIfEmpty("");
    }

    private Mono<Optional<PlanSummary>> plan(long patientId) {
        return db.sql("""
                        SELECT cp.encounter_id, pw.code, pw.name,
                               count(t.id) FILTER (WHERE t.status = 'COMPLETED') AS completed,
                               count(t.id) FILTER (WHERE t.status <> 'CANCELLED') AS planned,
                               count(t.id) FILTER (WHERE t.status = 'UNREACHABLE') AS unreachable
                        FROM care_plan cp JOIN pathway pw ON pw.id = cp.pathway_id
                        LEFT JOIN follow_up_task t ON t.care_plan_id = cp.id
                        WHERE cp.patient_id = :p AND cp.status <> 'CANCELLED'
                        GROUP BY cp.id, cp.start_date, cp.encounter_id, pw.code, pw.name
                        ORDER BY cp.start_date DESC, cp.id DESC LIMIT 1""")
                .bind("p", patientId)
                .map(r -> new PlanSummary(r.get("encounter_id", Long.class), r.get("code", String.class),
                        r.get("name", String.class), r.get("completed", Long.class).intValue(),
                        r.get("planned", Long.class).intValue(), r.get("unreachable", Long.class).intValue()))
                .one().map(Optional::of).defaultIfEmpty(Optional.empty());
    }

    private Mono<Optional<Long>> latestEncounter(long patientId) {
        return db.sql("""
                        SELECT id FROM encounter WHERE patient_id = :p AND NOT voided
                        ORDER BY discharge_date DESC, id DESC LIMIT 1""")
                .bind("p", patientId).map(r -> r.get(0, Long.class)).one()
                .map(Optional::of).defaultIfEmpty(Optional.empty());
    }

    /** Days since discharge as a stage a patient understands. */
    static String stage(long daysSinceDischarge) {
        if (daysSinceDischarge <= 30) {
            return "出院早期（1 个月内）：重点是按时服药、观察症状、逐步恢复活动";
        }
        if (daysSinceDischarge <= 90) {
            return "恢复期（1–3 个月）：巩固治疗效果，指标逐步达标，建立健康生活方式";
        }
        if (daysSinceDischarge <= 365) {
            return "稳定期（3–12 个月）：坚持长期治疗，定期复查，预防复发";
        }
        return "长期管理期（1 年以上）：保持健康生活方式，按医嘱定期随访与复查";
    }
}
