package cn.suifang.backend.results;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.crypto.Identifiers;
import cn.suifang.backend.hl7.LabResults;
import cn.suifang.backend.patient.PatientService;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Lab results uploaded as a CSV or Excel sheet (a LIS without an interface, a ward's export): each row goes through the
 * same mapping, unit conversion, plausibility check, alert rules, risk and tags as an HL7 or FHIR result. Rows of
 * patients not in follow-up are skipped; a row that is wrong is reported with its line number and the reason and
 * nothing of it is stored, while the good rows are. A row is identified by its content (patient, code, value, unit,
 * time), so uploading a corrected file again stores only what was missing.
 */
@Service
public class LabUploads {

    static final int MAX_ROWS = 10_000;

    private final LabResults labResults;
    private final PatientService patients;
    private final TransactionalOperator tx;
    private final AuditService audit;
    private final SuifangProperties properties;
    private final Clock clock;

    LabUploads(LabResults labResults, PatientService patients, TransactionalOperator tx, AuditService audit,
               SuifangProperties properties, Clock clock) {
        this.labResults = labResults;
        this.patients = patients;
        this.tx = tx;
        this.audit = audit;
        this.properties = properties;
        this.clock = clock;
    }

    public enum Format { CSV, XLSX }

    /** What became of one row that was not simply stored. */
    public record Problem(int line, String status, String message) {
    }

    public record Report(int rows, int saved, int repeated, int unmapped, int refused, int skipped, int invalid,
                         List<Problem> problems) {
    }

    public Mono<Report> upload(Principal principal, String system, Format format, byte[] body, String csvCharset) {
        principal.requireRole(Role.ADMIN);
        return Mono.fromCallable(() -> format == Format.XLSX ? LabSheet.xlsx(body, system, properties.zone())
                        : LabSheet.csv(new String(body, csvCharset == null ? StandardCharsets.UTF_8
                                : java.nio.charset.Charset.forName(csvCharset)), system, properties.zone()))
                .subscribeOn(Schedulers.boundedElastic())
                .onErrorMap(IllegalArgumentException.class, e -> ApiException.badRequest(3101, "(body)", e.getMessage()))
                .flatMap(lines -> {
                    if (lines.isEmpty()) {
                        return Mono.error(ApiException.badRequest(3102, "(body)", "文件只有表头，没有数据行"));
                    }
                    if (lines.size() > MAX_ROWS) {
                        return Mono.error(ApiException.badRequest(3103, "(body)", "一次最多上传 " + MAX_ROWS + " 行，请分批"));
                    }
                    return store(principal, lines);
                });
    }

    private record Resolved(LabSheet.Line line, Long patientId) {
    }

    private Mono<Report> store(Principal principal, List<LabSheet.Line> lines) {
        List<Problem> problems = new ArrayList<>();
        int[] counts = new int[6]; // saved, repeated, unmapped, refused, skipped, invalid
        LocalDate today = LocalDate.now(clock);
        Map<String, Optional<Long>> found = new LinkedHashMap<>();
        return Flux.fromIterable(lines)
                .concatMap(l -> {
                    if (l.error() != null) {
                        return Mono.just(new Resolved(l, null));
                    }
                    String idCard = l.idCard() == null ? null : Identifiers.normaliseIdCard(l.idCard(), today).orElse(l.idCard());
                    String key = l.mrn() + "|" + idCard;
                    Optional<Long> known = found.get(key);
                    Mono<Optional<Long>> patient = known != null ? Mono.just(known)
                            : patients.find(principal.hospitalId(), l.mrn(), idCard).map(Optional::of)
                                    .defaultIfEmpty(Optional.empty()).doOnNext(p -> found.put(key, p));
                    return patient.map(p -> new Resolved(l, p.orElse(null)));
                })
                .collectList()
                .flatMap(resolved -> {
                    Map<Long, List<LabSheet.Line>> byPatient = new LinkedHashMap<>();
                    for (Resolved r : resolved) {
                        if (r.line().error() != null) {
                            counts[5]++;
                            problems.add(new Problem(r.line().number(), "INVALID", r.line().error()));
                        } else if (r.patientId() == null) {
                            counts[4]++;
                            problems.add(new Problem(r.line().number(), "SKIPPED", "不是随访患者（病案号、身份证号都未找到），已跳过"));
                        } else {
                            byPatient.computeIfAbsent(r.patientId(), k -> new ArrayList<>()).add(r.line());
                        }
                    }
                    return Flux.fromIterable(byPatient.entrySet())
                            .concatMap(e -> tx.transactional(storePatient(e.getKey(), e.getValue(), counts, problems)))
                            .then(Mono.defer(() -> {
                                problems.sort(java.util.Comparator.comparingInt(Problem::line));
                                Report report = new Report(lines.size(), counts[0], counts[1], counts[2], counts[3], counts[4],
                                        counts[5], List.copyOf(problems));
                                return audit.record(principal, "LAB_UPLOAD", "observation", "upload",
                                                List.copyOf(byPatient.keySet()), "rows=" + report.rows() + " saved=" + report.saved()
                                                        + " refused=" + report.refused() + " skipped=" + report.skipped())
                                        .thenReturn(report);
                            }));
                });
    }

    private Mono<Void> storePatient(long patientId, List<LabSheet.Line> lines, int[] counts, List<Problem> problems) {
        List<LabResults.Result> results = new ArrayList<>();
        List<LabSheet.Line> kept = new ArrayList<>();
        for (LabSheet.Line l : lines) {
            BigDecimal value;
            try {
                value = new BigDecimal(l.value().replace(",", ""));
            } catch (NumberFormatException e) {
                counts[5]++;
                problems.add(new Problem(l.number(), "INVALID", "结果“" + l.value() + "”不是数字"));
                continue;
            }
            kept.add(l);
            results.add(new LabResults.Result(l.system(), l.code(), value, l.unit(), l.at(), "LAB",
                    requestId(patientId, l, value), "第 " + l.number() + " 行单位", "第 " + l.number() + " 行结果"));
        }
        if (results.isEmpty()) {
            return Mono.empty();
        }
        return labResults.store(patientId, results).doOnNext(stored -> {
            for (int i = 0; i < stored.size(); i++) {
                LabResults.Stored s = stored.get(i);
                int line = kept.get(i).number();
                switch (s.kind()) {
                    case SAVED -> counts[0]++;
                    case REPEATED -> counts[1]++;
                    case UNMAPPED -> {
                        counts[2]++;
                        problems.add(new Problem(line, "UNMAPPED", "项目编码 " + kept.get(i).system() + " " + kept.get(i).code()
                                + " 未映射到随访指标（在 /api/admin/lab-codes 添加后重新上传即可）"));
                    }
                    case REFUSED -> {
                        counts[3]++;
                        problems.add(new Problem(line, "REFUSED", s.message()));
                    }
                }
            }
        }).then();
    }

    /** The same row (patient, code, value, unit, time) has the same id in any file: a re-upload stores nothing twice. */
    private static String requestId(long patientId, LabSheet.Line l, BigDecimal value) {
        String content = patientId + "|" + l.system() + "|" + l.code() + "|" + value.stripTrailingZeros().toPlainString() + "|"
                + l.unit() + "|" + (l.at() == null ? "" : l.at().toInstant());
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8));
            return "upload:" + HexFormat.of().formatHex(digest).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
