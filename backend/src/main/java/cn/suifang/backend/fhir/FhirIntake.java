package cn.suifang.backend.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.discharge.DischargeImportService;
import cn.suifang.backend.discharge.ImportReport;
import cn.suifang.backend.hl7.InterfaceLog;
import cn.suifang.backend.hl7.LabResults;
import cn.suifang.backend.patient.PatientService;
import cn.suifang.backend.security.Principal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What becomes of FHIR R4 content the hospital posts: a finished Encounter (with its Patient and Conditions) goes through
 * the same discharge import as CSV and HL7; Observations (alone, or the results of a DiagnosticReport) become observations
 * through the shared lab intake ({@link LabResults}: lab_code_map, unit conversion, plausibility, idempotency, alert
 * rules). Every request is answered in FHIR — a batch-response Bundle with each entry's status and OperationOutcome, or
 * one OperationOutcome — and kept in the interface log with its outcome; what was refused stays there, replayable.
 */
@Service
public class FhirIntake implements InterfaceLog.Replayer {

    private static final Logger log = LoggerFactory.getLogger(FhirIntake.class);
    private static final Set<String> ACCEPTED = Set.of("Bundle", "Patient", "Encounter", "Observation", "DiagnosticReport");
    /** Read as part of a discharge when an Encounter refers to them; nothing on their own. */
    private static final Set<String> PARTS = Set.of("Patient", "Condition", "Procedure", "DocumentReference",
            "MedicationStatement", "Organization", "Practitioner", "Location");

    /** What an entry did: wrote something, found it written already, had nothing for us, or was refused. */
    enum Effect { WRITTEN, UNCHANGED, IGNORED, REFUSED }

    /** One OperationOutcome issue; {@code code} (SF-29xx) names the place that refused, in issue.details. */
    record Issue(IssueSeverity severity, IssueType type, String diagnostics, String expression, String code) {
        Issue(IssueSeverity severity, IssueType type, String diagnostics, String expression) {
            this(severity, type, diagnostics, expression, null);
        }

        static Issue info(String diagnostics) {
            return new Issue(IssueSeverity.INFORMATION, IssueType.INFORMATIONAL, diagnostics, null);
        }

        static Issue of(FhirMapper.Refusal r) {
            return new Issue(IssueSeverity.ERROR, r.type, r.getMessage(), r.expression, r.code);
        }
    }

    record Answer(int status, Effect effect, List<Issue> issues) {
        static Answer ignored(String why) {
            return new Answer(200, Effect.IGNORED, List.of(Issue.info(why)));
        }

        static Answer refused(FhirMapper.Refusal r) {
            return new Answer(r.status, Effect.REFUSED, List.of(Issue.of(r)));
        }
    }

    /** The HTTP answer to a request and the log entry that keeps it. */
    public record Response(int status, String body, long logId) {
    }

    /** A parsed request: the Bundle's entries (or the one resource) and the entries refused before reading them. */
    private record Parsed(boolean bundle, String type, String controlId, String sendingApp, int size,
                          List<FhirMapper.Item> items, Map<Integer, Answer> early) {
    }

    private final FhirContext fhir;
    private final DischargeImportService imports;
    private final LabResults labResults;
    private final PatientService patients;
    private final InterfaceLog interfaceLog;
    private final TransactionalOperator tx;
    private final SuifangProperties properties;
    private final JsonMapper json = JsonMapper.builder().build();

    FhirIntake(FhirContext fhir, DischargeImportService imports, LabResults labResults, PatientService patients,
               InterfaceLog interfaceLog, TransactionalOperator tx, SuifangProperties properties) {
        this.fhir = fhir;
        this.imports = imports;
        this.labResults = labResults;
        this.patients = patients;
        this.interfaceLog = interfaceLog;
        this.tx = tx;
        this.properties = properties;
    }

    @Override
    public InterfaceLog.Channel channel() {
        return InterfaceLog.Channel.FHIR;
    }

    @Override
    public Mono<Long> replay(Principal by, String raw, long replayOf) {
        return receive(by, raw, replayOf).map(Response::logId);
    }

    /** Handles a request's body (as received, or replayed from the log by {@code replayOf}). */
    public Mono<Response> receive(Principal principal, String raw, Long replayOf) {
        return Mono.fromCallable(() -> parse(raw)).subscribeOn(Schedulers.boundedElastic())
                .flatMap(parsed -> process(principal, parsed)
                        .flatMap(answers -> respond(principal, raw, parsed, answers, replayOf))
                        .onErrorResume(e -> !(e instanceof FhirMapper.Refusal), e -> failed(principal, raw, parsed, e, replayOf)))
                .onErrorResume(FhirMapper.Refusal.class, r -> refused(principal, raw, r, replayOf));
    }

    // ------------------------------------------------------------------ reading the request

    private Parsed parse(String raw) {
        JsonNode tree;
        try {
            tree = json.readTree(raw);
        } catch (JacksonException e) {
            var at = e.getLocation();
            throw new FhirMapper.Refusal("SF-2919", 400, IssueType.STRUCTURE, null, "不是合法的 JSON"
                    + (at == null || at.getLineNr() < 0 ? "" : "（第 " + at.getLineNr() + " 行第 " + at.getColumnNr() + " 列附近）"));
        }
        if (tree == null || !tree.isObject()) {
            throw new FhirMapper.Refusal("SF-2920", 400, IssueType.STRUCTURE, null, "请求体应为一个 FHIR 资源（JSON 对象）");
        }
        JsonNode type = tree.get("resourceType");
        if (type == null || !type.isString() || type.asString().isBlank()) {
            throw new FhirMapper.Refusal("SF-2921", 400, IssueType.REQUIRED, "resourceType", "缺少 resourceType");
        }
        String resourceType = type.asString();
        if (!ACCEPTED.contains(resourceType)) {
            boolean known = fhir.getResourceTypes().contains(resourceType);
            throw new FhirMapper.Refusal("SF-2922", known ? 422 : 400, known ? IssueType.NOTSUPPORTED : IssueType.STRUCTURE, "resourceType",
                    (known ? "不接收单独的 " + resourceType : resourceType + " 不是 FHIR R4 资源类型")
                            + "：请发送 Bundle（batch、transaction 或 collection），或单个 Patient、Encounter、Observation、DiagnosticReport");
        }
        Resource resource;
        try {
            resource = (Resource) fhir.newJsonParser().parseResource(raw);
        } catch (DataFormatException e) {
            throw new FhirMapper.Refusal("SF-2923", 400, IssueType.STRUCTURE, null, "内容不符合 FHIR R4 结构："
                    + String.valueOf(e.getMessage()).replaceFirst("^HAPI-\\d+: ", ""));
        }
        if (!(resource instanceof Bundle bundle)) {
            String control = resource.getIdElement().hasIdPart() ? resource.getIdElement().getIdPart() : null;
            return new Parsed(false, resourceType, control, source(resource), 1,
                    List.of(new FhirMapper.Item(0, null, resource)), Map.of());
        }
        if (!Set.of(Bundle.BundleType.BATCH, Bundle.BundleType.TRANSACTION, Bundle.BundleType.COLLECTION).contains(bundle.getType())) {
            throw new FhirMapper.Refusal("SF-2924", 422, IssueType.NOTSUPPORTED, "Bundle.type",
                    "不接收 " + (bundle.hasType() ? bundle.getType().toCode() : "未注明类型的") + " Bundle：请用 batch、transaction 或 collection");
        }
        if (bundle.getEntry().isEmpty()) {
            throw FhirMapper.Refusal.required("SF-2925", "Bundle.entry", "Bundle 没有条目");
        }
        List<FhirMapper.Item> items = new ArrayList<>();
        Map<Integer, Answer> early = new LinkedHashMap<>();
        for (int i = 0; i < bundle.getEntry().size(); i++) {
            Bundle.BundleEntryComponent entry = bundle.getEntry().get(i);
            Bundle.HTTPVerb method = entry.hasRequest() ? entry.getRequest().getMethod() : null;
            if (entry.getResource() == null) {
                early.put(i, Answer.refused(new FhirMapper.Refusal("SF-2926", 400, IssueType.REQUIRED, "Bundle.entry[" + i + "].resource",
                        "条目缺少 resource")));
            } else if (method != null && method != Bundle.HTTPVerb.POST && method != Bundle.HTTPVerb.PUT) {
                early.put(i, Answer.refused(new FhirMapper.Refusal("SF-2927", 422, IssueType.NOTSUPPORTED, "Bundle.entry[" + i + "].request.method",
                        "只接受 POST 或 PUT 条目，收到 " + method.toCode())));
            } else {
                items.add(new FhirMapper.Item(i, entry.getFullUrl(), entry.getResource()));
            }
        }
        String control = bundle.getIdElement().hasIdPart() ? bundle.getIdElement().getIdPart()
                : bundle.getIdentifier().hasValue() ? bundle.getIdentifier().getValue() : null;
        return new Parsed(true, "Bundle/" + bundle.getType().toCode(), control, source(bundle), bundle.getEntry().size(),
                items, early);
    }

    private static String source(Resource r) {
        return r.getMeta().hasSource() ? r.getMeta().getSource() : null;
    }

    // ------------------------------------------------------------------ what is done with it

    /** A plan for one Observation: whose it is, and its values. */
    private record LabPlan(FhirMapper.Item owner, Observation observation, FhirMapper.PatientKey patient,
                           List<FhirMapper.LabValue> values) {
    }

    private Mono<Map<Integer, Answer>> process(Principal principal, Parsed p) {
        Map<Integer, Answer> answers = new LinkedHashMap<>(p.early());
        FhirMapper.Resolver resolver = new FhirMapper.Resolver(p.items());
        FhirSystems systems = new FhirSystems(properties.fhir().baseUrl());
        List<Map.Entry<FhirMapper.Item, FhirMapper.Discharge>> discharges = new ArrayList<>();
        List<LabPlan> labs = new ArrayList<>();
        Map<Integer, List<Integer>> reportResults = new LinkedHashMap<>();
        for (FhirMapper.Item item : p.items()) {
            try {
                if (item.resource() instanceof Encounter e) {
                    if (!FhirMapper.discharged(e)) {
                        answers.put(item.index(), Answer.ignored("在院或未结束的就诊：出院后（status 为 finished 且有 period.end）再建立随访"));
                    } else {
                        discharges.add(Map.entry(item, FhirMapper.discharge(e, p.items(), resolver, properties.zone())));
                    }
                } else if (item.resource() instanceof Observation o) {
                    labs.add(plan(item, o, o.getSubject(), resolver, systems, properties.zone()));
                } else if (item.resource() instanceof DiagnosticReport report) {
                    reportResults.put(item.index(), planReport(item, report, resolver, systems, labs, properties.zone()));
                }
            } catch (FhirMapper.Refusal r) {
                answers.put(item.index(), Answer.refused(r));
                if (item.resource() instanceof Encounter e) {
                    Resource subject = resolver.resolve(e.getSubject(), e);
                    FhirMapper.Item patient = subject == null ? null : resolver.itemOf(subject);
                    if (patient != null) {
                        answers.putIfAbsent(patient.index(), Answer.ignored(
                                "所属出院记录（entry[" + item.index() + "] Encounter）有误，未导入，原因见该条"));
                    }
                }
            }
        }
        return Flux.fromIterable(discharges)
                .concatMap(d -> discharge(principal, d.getValue()).doOnNext(answer -> {
                    answers.put(d.getKey().index(), answer);
                    // the Patient, Conditions … it was read from answer with it
                    d.getValue().used().stream().map(resolver::itemOf).filter(i -> i != null && !answers.containsKey(i.index()))
                            .forEach(i -> answers.put(i.index(), new Answer(answer.status(), answer.effect(), List.of(Issue.info(
                                    "随出院记录（entry[" + d.getKey().index() + "] Encounter）处理：" + summary(answer))))));
                }))
                .then(Mono.defer(() -> results(principal, labs, systems, answers)))
                .then(Mono.fromSupplier(() -> {
                    reportResults.forEach((index, entries) -> answers.put(index, report(entries, answers.get(index), answers)));
                    for (FhirMapper.Item item : p.items()) {
                        answers.computeIfAbsent(item.index(), i -> Answer.ignored(unhandled(item.resource().fhirType(), p.bundle())));
                    }
                    return answers;
                }));
    }

    private static String unhandled(String type, boolean inBundle) {
        if ("Patient".equals(type) && !inBundle) {
            return "单独的 Patient 不建立随访：请与出院的 Encounter（及其 Condition）放在同一 Bundle 中发送";
        }
        return PARTS.contains(type) ? "未被出院记录（Encounter）引用，未单独处理"
                : "随访系统不导入 " + type + "（导入 Patient、Encounter、Condition、Procedure、DocumentReference、"
                + "MedicationStatement、Observation、DiagnosticReport），已忽略";
    }

    private static LabPlan plan(FhirMapper.Item owner, Observation o, Reference subject, FhirMapper.Resolver resolver,
                                FhirSystems systems, java.time.ZoneId zone) {
        if (!o.hasCode() || !o.getCode().hasCoding()) {
            throw FhirMapper.Refusal.required("SF-2928", "Observation.code", "缺少检验项目编码（code.coding：LOINC 或本院编码）");
        }
        FhirMapper.PatientKey patient = FhirMapper.subject(o.hasSubject() ? o.getSubject() : subject, owner.resource(),
                resolver, "Observation.subject");
        return new LabPlan(owner, o, patient, FhirMapper.values(o, systems.observationSource(), zone));
    }

    /** The report's results: entries of the Bundle answer for themselves, contained ones through the report. */
    private static List<Integer> planReport(FhirMapper.Item item, DiagnosticReport report, FhirMapper.Resolver resolver,
                                            FhirSystems systems, List<LabPlan> labs, java.time.ZoneId zone) {
        if (!report.hasResult()) {
            throw FhirMapper.Refusal.required("SF-2929", "DiagnosticReport.result", "DiagnosticReport 没有结果（result）");
        }
        List<Integer> entries = new ArrayList<>();
        List<LabPlan> own = new ArrayList<>();
        for (int i = 0; i < report.getResult().size(); i++) {
            Resource r = resolver.resolve(report.getResult().get(i), report);
            if (!(r instanceof Observation o)) {
                throw FhirMapper.Refusal.required("SF-2930", "DiagnosticReport.result[" + i + "]",
                        "结果引用的 Observation 不在同一 Bundle 中（或 contained）");
            }
            FhirMapper.Item entry = resolver.itemOf(o);
            if (entry != null) {
                entries.add(entry.index());
            } else {
                own.add(plan(item, o, report.getSubject(), resolver, systems, zone));
            }
        }
        labs.addAll(own);
        return entries;
    }

    private Mono<Answer> discharge(Principal principal, FhirMapper.Discharge d) {
        return imports.importNow(principal, properties.fhir().source(), "FHIR",
                        List.of(new DischargeImportService.Row(1, d.record(), null)))
                .map(FhirIntake::answer);
    }

    private static Answer answer(ImportReport report) {
        if (report.failed() > 0) {
            List<Issue> issues = report.errors().stream().map(e -> new Issue(IssueSeverity.ERROR,
                    e.field() != null && (e.field().startsWith("diagnoses") || e.field().startsWith("procedures"))
                            ? IssueType.CODEINVALID : IssueType.BUSINESSRULE,
                    e.message(), expression(e.field()), "SF-2933")).toList();
            return new Answer(422, Effect.REFUSED, issues.isEmpty()
                    ? List.of(new Issue(IssueSeverity.ERROR, IssueType.PROCESSING, "出院记录有误", null, "SF-2934")) : issues);
        }
        if (report.created() > 0) {
            return new Answer(201, Effect.WRITTEN, List.of(Issue.info("新建出院记录与随访计划")));
        }
        return report.updated() > 0 ? new Answer(200, Effect.WRITTEN, List.of(Issue.info("更新出院记录")))
                : new Answer(200, Effect.UNCHANGED, List.of(Issue.info("与已有记录相同，未改动")));
    }

    /** Where in the FHIR content a field of our discharge record came from. */
    static String expression(String field) {
        if (field == null || field.isEmpty()) {
            return null;
        }
        String f = field.replaceAll("\\[\\d+]", "");
        return switch (f) {
            case "encounterId" -> "Encounter.identifier";
            case "patient.mrn", "patient.idCard" -> "Patient.identifier";
            case "patient.name" -> "Patient.name";
            case "patient.gender" -> "Patient.gender";
            case "patient.birthDate" -> "Patient.birthDate";
            case "patient.phone" -> "Patient.telecom";
            case "departmentCode" -> "Encounter.serviceType";
            case "attendingEmployeeNo" -> "Encounter.participant.individual";
            case "admissionDate" -> "Encounter.period.start";
            case "dischargeDate" -> "Encounter.period.end";
            case "diagnoses" -> "Condition.code";
            case "procedures" -> "Procedure.code";
            case "dischargeSummary", "dischargeInstructions" -> "DocumentReference.content.attachment";
            case "medications" -> "MedicationStatement.medicationCodeableConcept";
            default -> null;
        };
    }

    /** Observations: the patient found, the codes looked up, stored per patient in one transaction each. */
    private Mono<Void> results(Principal principal, List<LabPlan> labs, FhirSystems systems, Map<Integer, Answer> answers) {
        Map<Integer, List<Answer>> byOwner = new LinkedHashMap<>();
        return Flux.fromIterable(labs)
                .concatMap(plan -> patients.find(principal.hospitalId(), plan.patient().mrn(), plan.patient().idCard())
                        .map(Optional::of).defaultIfEmpty(Optional.empty())
                        .map(found -> Map.entry(plan, found)))
                .collectList()
                .flatMapMany(found -> {
                    Map<Long, List<LabPlan>> byPatient = new LinkedHashMap<>();
                    for (var f : found) {
                        if (f.getValue().isEmpty()) {
                            byOwner.computeIfAbsent(f.getKey().owner().index(), k -> new ArrayList<>())
                                    .add(Answer.ignored("非随访患者的结果（病案号/身份证号未找到），未保存"));
                        } else {
                            byPatient.computeIfAbsent(f.getValue().get(), k -> new ArrayList<>()).add(f.getKey());
                        }
                    }
                    return Flux.fromIterable(byPatient.entrySet());
                })
                .concatMap(group -> store(group.getKey(), group.getValue(), systems, byOwner))
                .then(Mono.fromRunnable(() -> byOwner.forEach((owner, list) -> answers.put(owner, combine(list)))));
    }

    private Mono<Void> store(long patientId, List<LabPlan> plans, FhirSystems systems, Map<Integer, List<Answer>> byOwner) {
        List<LabPlan> storable = new ArrayList<>();
        List<String> requestIds = new ArrayList<>();
        for (LabPlan plan : plans) {
            try {
                requestIds.add(FhirMapper.requestId(plan.owner(), plan.observation(), patientId));
                storable.add(plan);
            } catch (FhirMapper.Refusal r) {
                byOwner.computeIfAbsent(plan.owner().index(), k -> new ArrayList<>()).add(Answer.refused(r));
            }
        }
        List<Map.Entry<LabPlan, FhirMapper.LabValue>> values = new ArrayList<>();
        List<String> valueRequestIds = new ArrayList<>();
        for (int i = 0; i < storable.size(); i++) {
            for (FhirMapper.LabValue v : storable.get(i).values()) {
                values.add(Map.entry(storable.get(i), v));
                valueRequestIds.add(requestIds.get(i));
            }
        }
        for (LabPlan plan : storable) {
            if (plan.values().isEmpty()) {
                byOwner.computeIfAbsent(plan.owner().index(), k -> new ArrayList<>()).add(Answer.ignored(
                        "非最终结果（status 为 " + plan.observation().getStatus().toCode() + "），未保存；出最终结果后再发送"));
            }
        }
        return Flux.range(0, values.size())
                .concatMap(i -> coding(values.get(i).getValue(), systems)
                        .map(c -> new LabResults.Result(systems.labCodingSystem(c.getSystem()), c.getCode(),
                                values.get(i).getValue().value(), values.get(i).getValue().unit(), values.get(i).getValue().at(),
                                values.get(i).getValue().source(), valueRequestIds.get(i),
                                values.get(i).getValue().valueExpression(), values.get(i).getValue().valueExpression())))
                .collectList()
                .flatMap(results -> tx.transactional(labResults.store(patientId, results)))
                .doOnNext(stored -> {
                    for (int i = 0; i < stored.size(); i++) {
                        byOwner.computeIfAbsent(values.get(i).getKey().owner().index(), k -> new ArrayList<>())
                                .add(answer(stored.get(i), values.get(i).getValue()));
                    }
                })
                .then();
    }

    /** The first coding lab_code_map (or our own code system) knows; else the first, to be reported unmapped. */
    private Mono<Coding> coding(FhirMapper.LabValue v, FhirSystems systems) {
        return Flux.fromIterable(v.codings())
                .filter(Coding::hasCode)
                .concatMap(c -> labResults.indicator(systems.labCodingSystem(c.getSystem()), c.getCode()).map(found -> c))
                .next()
                .defaultIfEmpty(v.codings().get(0));
    }

    private static Answer answer(LabResults.Stored s, FhirMapper.LabValue v) {
        return switch (s.kind()) {
            case SAVED -> new Answer(201, Effect.WRITTEN, List.of(Issue.info("已保存" + s.code().label())));
            case REPEATED -> new Answer(200, Effect.UNCHANGED, List.of(Issue.info(s.code().label() + "已保存过，未重复保存")));
            case UNMAPPED -> new Answer(422, Effect.REFUSED, List.of(new Issue(IssueSeverity.ERROR, IssueType.CODEINVALID,
                    s.message() + "：请在“检验项目映射”（PUT /api/admin/lab-codes/{编码体系}/{编码}）中添加后重放",
                    v.codeExpression(), "SF-2931")));
            case REFUSED -> new Answer(422, Effect.REFUSED, List.of(new Issue(IssueSeverity.ERROR, IssueType.VALUE, s.message(),
                    v.valueExpression(), "SF-2932")));
        };
    }

    /** Several values answering for one entry (a panel's components, a report's results). */
    private static Answer combine(List<Answer> answers) {
        List<Issue> issues = answers.stream().flatMap(a -> a.issues().stream()).toList();
        if (answers.stream().anyMatch(a -> a.effect() == Effect.REFUSED)) {
            int status = answers.stream().filter(a -> a.effect() == Effect.REFUSED).mapToInt(Answer::status).max().orElse(422);
            return new Answer(status, Effect.REFUSED, issues);
        }
        if (answers.stream().anyMatch(a -> a.effect() == Effect.WRITTEN)) {
            return new Answer(201, Effect.WRITTEN, issues);
        }
        if (answers.stream().anyMatch(a -> a.effect() == Effect.UNCHANGED)) {
            return new Answer(200, Effect.UNCHANGED, issues);
        }
        return new Answer(200, Effect.IGNORED, issues);
    }

    /** A DiagnosticReport answers for its results: its contained ones ({@code own}) and those that are Bundle entries. */
    private static Answer report(List<Integer> entries, Answer own, Map<Integer, Answer> answers) {
        List<Answer> parts = new ArrayList<>();
        if (own != null) {
            parts.add(own);
        }
        for (int index : entries) {
            Answer a = answers.get(index);
            if (a != null) {
                parts.add(new Answer(a.status(), a.effect(), a.issues().stream()
                        .map(i -> new Issue(i.severity(), i.type(), "entry[" + index + "]：" + i.diagnostics(), i.expression(),
                                i.code()))
                        .toList()));
            }
        }
        return parts.isEmpty() ? Answer.ignored("没有可保存的结果") : combine(parts);
    }

    private static String summary(Answer a) {
        return a.issues().stream().map(Issue::diagnostics).collect(Collectors.joining("；"));
    }

    // ------------------------------------------------------------------ the answer and the log

    private Mono<Response> respond(Principal principal, String raw, Parsed p, Map<Integer, Answer> answers, Long replayOf) {
        long refused = answers.values().stream().filter(a -> a.effect() == Effect.REFUSED).count();
        boolean done = answers.values().stream().anyMatch(a -> a.effect() == Effect.WRITTEN || a.effect() == Effect.UNCHANGED);
        String status = refused == 0 ? (done ? "PROCESSED" : "IGNORED") : done ? "PARTIAL" : "REJECTED";
        String detail = detail(p, answers);
        return Mono.fromCallable(() -> p.bundle() ? batchResponse(p, answers) : outcome(answers.get(0).issues()))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(body -> interfaceLog.append(new InterfaceLog.Entry(InterfaceLog.Channel.FHIR, p.controlId(),
                                p.sendingApp(), p.type(), "UTF-8", raw, status, "REJECTED".equals(status) ? "AE" : "AA", detail,
                                replayOf, principal))
                        .map(id -> new Response(p.bundle() ? 200 : answers.get(0).status(), body, id)));
    }

    private Mono<Response> refused(Principal principal, String raw, FhirMapper.Refusal r, Long replayOf) {
        String body = outcome(List.of(Issue.of(r)));
        return interfaceLog.append(new InterfaceLog.Entry(InterfaceLog.Channel.FHIR, null, null, null, "UTF-8", raw,
                        "REJECTED", "AR", r.getMessage(), replayOf, principal))
                .map(id -> new Response(r.status, body, id));
    }

    private Mono<Response> failed(Principal principal, String raw, Parsed p, Throwable e, Long replayOf) {
        log.error("FHIR {} {} failed", p.type(), cn.suifang.backend.common.LogSafe.of(p.controlId()), e);
        String why = "系统错误，内容已保存，可稍后重放：" + e.getClass().getSimpleName();
        String body = outcome(List.of(new Issue(IssueSeverity.FATAL, IssueType.EXCEPTION, why, null, "SF-2935")));
        return interfaceLog.append(new InterfaceLog.Entry(InterfaceLog.Channel.FHIR, p.controlId(), p.sendingApp(), p.type(),
                        "UTF-8", raw, "REJECTED", "AE", why, replayOf, principal))
                .map(id -> new Response(500, body, id));
    }

    private static String detail(Parsed p, Map<Integer, Answer> answers) {
        Map<Effect, Long> counts = answers.values().stream().collect(Collectors.groupingBy(Answer::effect, Collectors.counting()));
        StringBuilder sb = new StringBuilder(p.type()).append(" ").append(p.size()).append(" 条：写入 ")
                .append(counts.getOrDefault(Effect.WRITTEN, 0L)).append("，未改动 ").append(counts.getOrDefault(Effect.UNCHANGED, 0L))
                .append("，未处理 ").append(counts.getOrDefault(Effect.IGNORED, 0L))
                .append("，有误 ").append(counts.getOrDefault(Effect.REFUSED, 0L));
        answers.forEach((index, a) -> {
            if (a.effect() == Effect.REFUSED) {
                sb.append("；").append(p.bundle() ? "entry[" + index + "] " : "").append(a.issues().stream()
                        .filter(i -> i.severity() != IssueSeverity.INFORMATION)
                        .map(i -> (i.expression() == null ? "" : i.expression() + " ") + i.diagnostics())
                        .collect(Collectors.joining("，")));
            }
        });
        return sb.toString();
    }

    private String batchResponse(Parsed p, Map<Integer, Answer> answers) {
        Bundle response = new Bundle().setType(Bundle.BundleType.BATCHRESPONSE);
        response.setId(UUID.randomUUID().toString());
        for (int i = 0; i < p.size(); i++) {
            Answer a = answers.getOrDefault(i, Answer.ignored("未处理"));
            Bundle.BundleEntryResponseComponent r = response.addEntry().getResponse();
            r.setStatus(a.status() + " " + reason(a.status()));
            r.setOutcome(operationOutcome(a.issues()));
        }
        return fhir.newJsonParser().encodeResourceToString(response);
    }

    String outcome(List<Issue> issues) {
        return fhir.newJsonParser().encodeResourceToString(operationOutcome(issues));
    }

    private static OperationOutcome operationOutcome(List<Issue> issues) {
        OperationOutcome outcome = new OperationOutcome();
        for (Issue i : issues.isEmpty() ? List.of(Issue.info("完成")) : issues) {
            OperationOutcome.OperationOutcomeIssueComponent issue = outcome.addIssue().setSeverity(i.severity())
                    .setCode(i.type()).setDiagnostics(i.diagnostics());
            if (i.expression() != null) {
                issue.addExpression(i.expression());
            }
            if (i.code() != null) {
                issue.getDetails().setText(i.code());
            }
        }
        return outcome;
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 400 -> "Bad Request";
            case 422 -> "Unprocessable Entity";
            default -> "";
        };
    }
}
