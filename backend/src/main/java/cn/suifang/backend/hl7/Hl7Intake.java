package cn.suifang.backend.hl7;

import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.discharge.DischargeImportService;
import cn.suifang.backend.crypto.Identifiers;
import cn.suifang.backend.observation.PatientFacts;
import cn.suifang.backend.patient.PatientService;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/**
 * What becomes of an HL7 v2 message from the hospital: ADT^A03 (and A08 of a discharged visit) goes through the
 * same import as a CSV discharge (idempotent by source and visit number); ORU^R01 results of follow-up patients become
 * observations in our units and run the alert rules; A01 and results of other patients are acknowledged and left.
 * Every message is logged with its outcome and its text encrypted; a rejected one keeps the reason and can be
 * replayed once the cause (a department or lab code not mapped yet) is fixed. Nothing about a patient is logged.
 */
@Service
public class Hl7Intake implements InterfaceLog.Replayer {

    private static final Logger log = LoggerFactory.getLogger(Hl7Intake.class);
    private static final Set<String> FINAL = Set.of("F", "C", "");

    /** What happened to one message, and the acknowledgement code that says so. */
    public record Outcome(long logId, String status, String ackCode, String detail) {
    }

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final DischargeImportService imports;
    private final LabResults labResults;
    private final PatientService patients;
    private final InterfaceLog interfaceLog;
    private final PatientFacts facts;
    private final SuifangProperties properties;
    private final Clock clock;
    private final PipeParser parser;

    Hl7Intake(DatabaseClient db, TransactionalOperator tx, DischargeImportService imports, LabResults labResults,
              PatientService patients, InterfaceLog interfaceLog, PatientFacts facts, SuifangProperties properties, Clock clock) {
        this.facts = facts;
        this.clock = clock;
        this.patients = patients;
        this.db = db;
        this.tx = tx;
        this.imports = imports;
        this.labResults = labResults;
        this.interfaceLog = interfaceLog;
        this.properties = properties;
        this.parser = newParser();
    }

    /** Reads any HL7 v2.x version into the 2.5.1 structures, without refusing what 2.5.1 would not allow. */
    static PipeParser newParser() {
        PipeParser p = new PipeParser(new CanonicalModelClassFactory("2.5.1"));
        p.setValidationContext(ValidationContextFactory.noValidation());
        return p;
    }

    /** Parses and handles a message's text (as received, or replayed from the log). */
    public Mono<Outcome> handle(String raw, Long replayOf) {
        Message message;
        Hl7Mapper.Header header;
        try {
            message = parser.parse(raw);
            header = Hl7Mapper.header(message);
        } catch (HL7Exception | RuntimeException e) {
            return reject(raw, null, "无法解析：" + e.getMessage(), replayOf);
        }
        return handle(message, header, raw, replayOf);
    }

    /** Handles a message HAPI has parsed already. */
    public Mono<Outcome> handle(Message message, Hl7Mapper.Header header, String raw, Long replayOf) {
        Mono<Outcome> work = switch (header.type()) {
            case "ADT^A03" -> discharge(message, header, raw, replayOf);
            case "ADT^A08" -> hasDischargeDate(message) ? discharge(message, header, raw, replayOf)
                    : update(message, header, raw, replayOf);
            case "ADT^A01" -> record(raw, header, "IGNORED", "AA", "入院登记：出院后开始随访", replayOf);
            case "ORU^R01" -> results(message, header, raw, replayOf);
            default -> record(raw, header, "REJECTED", "AR", "不支持的消息类型 " + header.type()
                    + "（支持 ADT^A01/A03/A08、ORU^R01）", replayOf);
        };
        // whatever goes wrong, the message is kept with the reason and can be replayed: nothing valid is lost
        return work.onErrorResume(e -> {
            boolean known = e instanceof ApiException || e instanceof IllegalArgumentException || e instanceof HL7Exception;
            if (!known) {
                log.error("HL7 {} {} failed", header.type(), header.controlId(), e);
            }
            return record(raw, header, "REJECTED", "AE",
                    known ? e.getMessage() : "系统错误，稍后可重放：" + e.getClass().getSimpleName(), replayOf);
        });
    }

    /** A message HAPI could not parse: logged as rejected with the reason. */
    public Mono<Outcome> reject(String raw, Hl7Mapper.Header header, String reason, Long replayOf) {
        return record(raw, header, "REJECTED", "AR", reason, replayOf);
    }

    private static boolean hasDischargeDate(Message m) {
        try {
            List<ca.uhn.hl7v2.model.Segment> pv1 = Hl7Mapper.segments(m, "PV1");
            return !pv1.isEmpty() && ca.uhn.hl7v2.util.Terser.get(pv1.get(0), 45, 0, 1, 1) != null;
        } catch (HL7Exception e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ discharges

    private Mono<Outcome> discharge(Message m, Hl7Mapper.Header header, String raw, Long replayOf) {
        var record = Mono.fromCallable(() -> Hl7Mapper.discharge(m, properties.zone()));
        return record.flatMap(r -> system().flatMap(actor -> imports.importNow(actor, properties.hl7().source(), "HL7",
                                List.of(new DischargeImportService.Row(1, r, null))))
                        .flatMap(report -> report.failed() > 0
                                ? record(raw, header, "REJECTED", "AE", report.errors().stream()
                                        .map(e -> (e.field() == null ? "" : e.field() + "：") + e.message())
                                        .reduce((a, b) -> a + "；" + b).orElse("出院记录有误"), replayOf)
                                : record(raw, header, "PROCESSED", "AA", report.created() > 0 ? "新建出院记录与随访计划"
                                        : report.updated() > 0 ? "更新出院记录" : "与已有记录相同，未改动", replayOf)))
                .onErrorResume(IllegalArgumentException.class,
                        e -> record(raw, header, "REJECTED", "AE", e.getMessage(), replayOf))
                .onErrorResume(HL7Exception.class, e -> record(raw, header, "REJECTED", "AE", e.getMessage(), replayOf));
    }

    /** The acting system for imports: the hospital this deployment serves. */
    private Mono<Principal> system() {
        String code = properties.hl7().hospitalCode();
        DatabaseClient.GenericExecuteSpec query = code.isBlank() ? db.sql("SELECT id FROM hospital ORDER BY id LIMIT 2")
                : db.sql("SELECT id FROM hospital WHERE code = :c").bind("c", code);
        return query.map(r -> r.get("id", Long.class)).all().collectList()
                .flatMap(ids -> ids.size() == 1
                        ? Mono.just(new Principal(Principal.ActorType.SYSTEM, 0, ids.get(0), 0, Set.of(Role.ADMIN)))
                        : Mono.error(new IllegalArgumentException(
                                "无法确定医院：请配置 suifang.hl7.hospital-code（本库有 " + ids.size() + " 家医院）")));
    }

    // ------------------------------------------------------------------ in-hospital updates

    /**
     * ADT^A08 of a visit not yet discharged: a patient already in follow-up gets the demographics the HIS sent (only
     * the fields present; a phone or ID card that is not valid refuses the message with the reason); anyone else is
     * acknowledged and left until they are discharged.
     */
    private Mono<Outcome> update(Message m, Hl7Mapper.Header header, String raw, Long replayOf) {
        Hl7Mapper.Person person;
        String mrn;
        try {
            mrn = Hl7Mapper.mrn(m);
            person = Hl7Mapper.person(m, properties.zone());
        } catch (HL7Exception | IllegalArgumentException e) {
            return record(raw, header, "REJECTED", "AE", e.getMessage(), replayOf);
        }
        String phone = person.phone() == null ? null : Identifiers.normalisePhone(person.phone()).orElse(null);
        String idCard = person.idCard() == null ? null : Identifiers.normaliseIdCard(person.idCard(), LocalDate.now(clock)).orElse(null);
        if (person.phone() != null && phone == null) {
            return record(raw, header, "REJECTED", "AE", "PID-13 不是有效的中国大陆电话号码", replayOf);
        }
        if (person.idCard() != null && idCard == null) {
            return record(raw, header, "REJECTED", "AE", "PID-3 中的身份证号无效（长度、出生日期或校验位不正确）", replayOf);
        }
        return system().flatMap(actor -> patients.find(actor.hospitalId(), mrn, null)
                        .flatMap(patientId -> tx.transactional(patients.refresh(actor, patientId, person.name(), person.gender(),
                                        person.birthDate(), phone, idCard)
                                .flatMap(changed -> (changed ? facts.changed(patientId) : Mono.<Void>empty())
                                        .then(record(raw, header, "PROCESSED", "AA",
                                                changed ? "更新随访患者的基本信息" : "与已有信息相同，未改动", replayOf))))))
                .switchIfEmpty(Mono.defer(() -> record(raw, header, "IGNORED", "AA", "在院患者信息更新：非随访患者，出院时再建立随访",
                        replayOf)));
    }

    // ------------------------------------------------------------------ results

    private Mono<Outcome> results(Message m, Hl7Mapper.Header header, String raw, Long replayOf) {
        String mrn;
        String idCard;
        List<Hl7Mapper.Lab> labs;
        try {
            mrn = Hl7Mapper.mrnIfAny(m);
            idCard = Hl7Mapper.idCard(m);
            labs = Hl7Mapper.labs(m, properties.zone());
        } catch (HL7Exception | IllegalArgumentException e) {
            return record(raw, header, "REJECTED", "AE", e.getMessage(), replayOf);
        }
        if (mrn == null && idCard == null) {
            return record(raw, header, "REJECTED", "AE", "缺少 PID-3（病案号/患者ID 或身份证号）", replayOf);
        }
        // by the medical record number; a LIS that only knows the ID card is matched through its blind index
        String normalisedIdCard = idCard == null ? null : Identifiers.normaliseIdCard(idCard, LocalDate.now(clock)).orElse(null);
        return system().flatMap(actor -> patients.find(actor.hospitalId(), mrn, normalisedIdCard))
                .flatMap(patientId -> tx.transactional(store(patientId, labs, header)
                        .flatMap(stored -> record(raw, header, stored.errors().isEmpty() ? "PROCESSED" : "PARTIAL", "AA",
                                "保存 " + stored.saved() + " 项结果，未映射的项目 " + stored.unmapped() + " 项"
                                        + (stored.errors().isEmpty() ? "" : "；有误：" + String.join("；", stored.errors())),
                                replayOf))))
                .switchIfEmpty(Mono.defer(() -> record(raw, header, "IGNORED", "AA", "非随访患者的检验结果", replayOf)))
                .onErrorResume(IllegalArgumentException.class,
                        e -> record(raw, header, "REJECTED", "AE", e.getMessage(), replayOf));
    }

    private record Stored(int saved, int unmapped, List<String> errors) {
    }

    /** The final results in our units (shared with FHIR: {@link LabResults}); what was refused, by OBX position. */
    private Mono<Stored> store(long patientId, List<Hl7Mapper.Lab> labs, Hl7Mapper.Header header) {
        List<String> errors = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        List<LabResults.Result> results = new ArrayList<>();
        for (Hl7Mapper.Lab l : labs) {
            if (!FINAL.contains(l.status() == null ? "" : l.status().strip().toUpperCase())) {
                continue;
            }
            if (l.code() == null) {
                results.add(null);
                continue;
            }
            try {
                BigDecimal value = new BigDecimal(l.value() == null ? "" : l.value().replace(",", "").strip());
                positions.add(l.index());
                // a local code's coding system is the sending application when OBX-3.3 is empty
                results.add(new LabResults.Result(l.system() != null ? l.system() : header.sendingApp(), l.code(), value,
                        l.unit(), l.at(), "LAB", "hl7:" + header.controlId() + ":" + l.index(),
                        "OBX(" + l.index() + ").unit", "OBX(" + l.index() + ").value"));
            } catch (NumberFormatException e) {
                errors.add("第 " + l.index() + " 个 OBX 的结果不是数字");
            }
        }
        int uncoded = (int) results.stream().filter(java.util.Objects::isNull).count();
        return labResults.store(patientId, results.stream().filter(java.util.Objects::nonNull).toList())
                .map(stored -> {
                    int saved = 0;
                    int unmapped = uncoded;
                    for (int i = 0; i < stored.size(); i++) {
                        LabResults.Stored s = stored.get(i);
                        switch (s.kind()) {
                            case SAVED -> saved++;
                            case UNMAPPED -> unmapped++;
                            case REFUSED -> errors.add("第 " + positions.get(i) + " 个 OBX：" + s.message());
                            case REPEATED -> { }
                        }
                    }
                    return new Stored(saved, unmapped, List.copyOf(errors));
                });
    }

    // ------------------------------------------------------------------ the log

    private Mono<Outcome> record(String raw, Hl7Mapper.Header header, String status, String ack, String detail, Long replayOf) {
        return interfaceLog.append(new InterfaceLog.Entry(InterfaceLog.Channel.HL7V2,
                        header == null ? null : header.controlId(), header == null ? null : header.sendingApp(),
                        header == null ? null : header.type(), header == null ? null : header.charset(), raw, status, ack,
                        detail, replayOf, Principal.SYSTEM))
                .map(id -> new Outcome(id, status, ack, detail));
    }

    @Override
    public InterfaceLog.Channel channel() {
        return InterfaceLog.Channel.HL7V2;
    }

    /** HL7 replays as the system, for the hospital the interface serves, whoever asked. */
    @Override
    public Mono<Long> replay(Principal by, String raw, long replayOf) {
        return handle(raw, replayOf).map(Outcome::logId);
    }
}
