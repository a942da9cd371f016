package cn.suifang.backend.demo;

import cn.suifang.backend.common.Rows;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.crypto.Identifiers;
import cn.suifang.backend.crypto.PiiCipher;
import cn.suifang.backend.crypto.PiiCipher.PiiField;
import cn.suifang.backend.discharge.DischargeImportService;
import cn.suifang.backend.discharge.DischargeRecord;
import cn.suifang.backend.note.NoteOutcome;
import cn.suifang.backend.note.NoteService;
import cn.suifang.backend.observation.ObservationCode;
import cn.suifang.backend.observation.ObservationService;
import cn.suifang.backend.organisation.OrganisationService;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.redisson.api.RedissonReactiveClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Seeds a demo hospital when {@code suifang.demo.seed} is on and the database has no hospital yet:
 * departments, staff, MDT care teams, ~2,000 discharges imported through the real import path, and a
 * few months of follow-up history (notes through the real note path, then dated back) so lists,
 * timelines and trends look like a hospital's. Deterministic (fixed random seed). Never in production.
 */
@Component
class DemoSeeder {

    private static final Logger log = LoggerFactory.getLogger(DemoSeeder.class);
    private static final String SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
    private static final String GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英文华建国建华玉兰志强秀珍红梅海燕丹凤淑珍国强金凤德明永刚春梅晓东";

    private final DatabaseClient db;
    private final PiiCipher cipher;
    private final DischargeImportService imports;
    private final NoteService notes;
    private final cn.suifang.backend.questionnaire.QuestionnaireService questionnaires;
    private final ObservationService observations;
    private final OrganisationService organisation;
    private final cn.suifang.backend.tag.TagService tags;
    private final cn.suifang.backend.summary.StageSummaries summaries;
    private final RedissonReactiveClient redis;
    private final SuifangProperties properties;
    private final Clock clock;

    DemoSeeder(DatabaseClient db, PiiCipher cipher, DischargeImportService imports, NoteService notes,
               cn.suifang.backend.questionnaire.QuestionnaireService questionnaires, ObservationService observations, OrganisationService organisation, RedissonReactiveClient redis,
               cn.suifang.backend.tag.TagService tags, cn.suifang.backend.summary.StageSummaries summaries,
               SuifangProperties properties, Clock clock) {
        this.tags = tags;
        this.summaries = summaries;
        this.db = db;
        this.cipher = cipher;
        this.imports = imports;
        this.notes = notes;
        this.questionnaires = questionnaires;
        this.observations = observations;
        this.organisation = organisation;
        this.redis = redis;
        this.properties = properties;
        this.clock = clock;
    }

    @EventListener(ApplicationReadyEvent.class)
    void onReady() {
        if (!properties.demo().seed()) {
            return;
        }
        var lock = redis.getLock(properties.redis().keyPrefix() + ":lock:demo-seed");
        long owner = 42L;
        lock.tryLock(0, 30, TimeUnit.MINUTES, owner)
                .filter(Boolean::booleanValue)
                .flatMap(locked -> db.sql("SELECT count(*) FROM hospital").map(r -> r.get(0, Long.class)).one()
                        .filter(n -> n == 0)
                        .flatMap(n -> seed())
                        .then(lock.unlock(owner)))
                .subscribe(null, e -> log.error("demo seeding failed", e));
    }

    /** Department code, name, official caller id, and the mix of discharges it sends. */
    private record Dept(String code, String name, String callerId, int share) {
    }

    private static final List<Dept> CLINICAL = List.of(
            new Dept("CARD", "心血管内科", "02088880001", 40),
            new Dept("ENDO", "内分泌科", "02088880002", 20),
            new Dept("GS", "普外科", "02088880003", 20),
            new Dept("NEUR", "神经内科", "02088880004", 10),
            new Dept("GER", "老年医学科", "02088880005", 10));

    Mono<Void> seed() {
        long started = System.nanoTime();
        Random random = new Random(20261123L);
        log.info("demo: seeding a hospital with {} discharged patients (first start only, about a minute)",
                properties.demo().patients());
        return db.sql("INSERT INTO hospital (code, name) VALUES ('DEMO', '示范市第一人民医院') RETURNING id")
                .map(r -> r.get(0, Long.class)).one()
                .flatMap(hospital -> departments(hospital)
                        .flatMap(depts -> staffAndTeams(hospital, depts, random)
                                .flatMap(admin -> importDischarges(admin, random)
                                        .then(history(random))
                                        .then(labs(random))
                                        .then(patientReports())
                                        .then(healthManagement(random)))))
                .doOnSuccess(v -> log.info("demo: seeded in {} s", Duration.ofNanos(System.nanoTime() - started).toSeconds()));
    }

    private Mono<Map<String, Long>> departments(long hospital) {
        List<Dept> all = new ArrayList<>(CLINICAL);
        all.add(new Dept("NUTR", "临床营养科", null, 0));
        all.add(new Dept("PSY", "医学心理科", null, 0));
        all.add(new Dept("INFO", "信息科", null, 0));
        return Flux.fromIterable(all)
                .concatMap(d -> db.sql("INSERT INTO department (hospital_id, code, name, caller_id) VALUES (:h, :c, :n, :cid) RETURNING id")
                        .bind("h", hospital).bind("c", d.code()).bind("n", d.name())
                        .bind("cid", Rows.param(d.callerId(), String.class))
                        .map(r -> Map.entry(d.code(), r.get(0, Long.class))).one())
                .collectMap(Map.Entry::getKey, Map.Entry::getValue);
    }

    /** Creates staff and one MDT team per clinical department; returns the admin principal. */
    private Mono<Principal> staffAndTeams(long hospital, Map<String, Long> depts, Random random) {
        List<Mono<Void>> work = new ArrayList<>();
        int[] no = {1000};
        record S(String dept, String no, Set<Role> roles) {
        }
        List<S> staff = new ArrayList<>();
        staff.add(new S("INFO", "A0001", EnumSet.of(Role.ADMIN)));
        staff.add(new S("NUTR", "N" + (++no[0]), EnumSet.of(Role.DIETITIAN)));
        staff.add(new S("NUTR", "N" + (++no[0]), EnumSet.of(Role.DIETITIAN)));
        staff.add(new S("PSY", "P" + (++no[0]), EnumSet.of(Role.PSYCHOLOGIST)));
        for (Dept d : CLINICAL) {
            staff.add(new S(d.code(), "D" + (++no[0]), EnumSet.of(Role.DEPARTMENT_HEAD, Role.PHYSICIAN)));
            for (int i = 0; i < 3; i++) {
                staff.add(new S(d.code(), "D" + (++no[0]), EnumSet.of(Role.PHYSICIAN)));
            }
            for (int i = 0; i < 2; i++) {
                staff.add(new S(d.code(), "N" + (++no[0]), EnumSet.of(Role.NURSE_COORDINATOR)));
            }
            if (d.code().equals("GS")) {
                staff.add(new S(d.code(), "R" + (++no[0]), EnumSet.of(Role.REHAB_THERAPIST)));
            }
        }
        return Flux.fromIterable(staff)
                .concatMap(s -> {
                    String phone = mobile(random);
                    return db.sql("""
                                    INSERT INTO staff (hospital_id, department_id, employee_no, name, roles, phone_enc, phone_bidx, wecom_user_id)
                                    VALUES (:h, :d, :no, :name, :roles, :penc, :pidx, :wx) RETURNING id""")
                            .bind("h", hospital).bind("d", depts.get(s.dept())).bind("no", s.no())
                            .bind("name", name(random)).bind("roles", s.roles().stream().map(Enum::name).toArray(String[]::new))
                            .bind("penc", cipher.encrypt(PiiField.STAFF_PHONE, phone))
                            .bind("pidx", cipher.blindIndex(PiiField.STAFF_PHONE, phone))
                            .bind("wx", "demo-" + s.no().toLowerCase())
                            .map(r -> Map.entry(s, r.get(0, Long.class))).one();
                })
                .collectList()
                .flatMap(rows -> {
                    long adminId = rows.get(0).getValue();
                    Principal admin = new Principal(Principal.ActorType.STAFF, adminId, hospital, depts.get("INFO"),
                            Set.of(Role.ADMIN));
                    Principal system = new Principal(Principal.ActorType.STAFF, adminId, hospital, depts.get("INFO"),
                            Set.of(Role.ADMIN, Role.DEPARTMENT_HEAD));
                    List<Long> dietitians = rows.stream().filter(e -> e.getKey().roles().contains(Role.DIETITIAN))
                            .map(Map.Entry::getValue).toList();
                    long psychologist = rows.stream().filter(e -> e.getKey().roles().contains(Role.PSYCHOLOGIST))
                            .map(Map.Entry::getValue).findFirst().orElseThrow();
                    return Flux.fromIterable(CLINICAL).concatMap(d -> organisation
                                    .createCareTeam(system, d.code(), d.name() + "随访团队")
                                    .flatMap(team -> Flux.fromIterable(rows)
                                            .filter(e -> e.getKey().dept().equals(d.code()))
                                            .concatMap(e -> Flux.fromIterable(e.getKey().roles())
                                                    .filter(r -> r != Role.DEPARTMENT_HEAD)
                                                    .concatMap(r -> organisation.addMember(system, team.id(), e.getValue(), r)))
                                            .then(organisation.addMember(system, team.id(),
                                                    dietitians.get(d.code().hashCode() & 1), Role.DIETITIAN))
                                            .then(d.code().equals("CARD") || d.code().equals("NEUR")
                                                    ? organisation.addMember(system, team.id(), psychologist, Role.PSYCHOLOGIST)
                                                    : Mono.empty())))
                            .then(Mono.just(admin));
                });
    }

    /** What a discharge from each department looks like: diagnoses and procedures. */
    private static final Map<String, List<String[][]>> CASES = Map.of(
            "CARD", List.of(
                    new String[][] {{"I21.0", "I10"}, {"36.07", "00.45", "00.40"}},
                    new String[][] {{"I21.4", "E78.5"}, {"36.07", "00.45", "00.40"}},
                    new String[][] {{"I25.1", "I10", "E11.9"}, {"36.07", "00.45", "00.40"}},
                    new String[][] {{"I50.9", "I10"}, {}},
                    new String[][] {{"I50.0", "N18.3"}, {}},
                    new String[][] {{"I10", "E78.5"}, {}}),
            "ENDO", List.of(
                    new String[][] {{"E11.9", "I10"}, {}},
                    new String[][] {{"E11.2", "N18.3"}, {}},
                    new String[][] {{"E11.4"}, {}}),
            "GS", List.of(
                    new String[][] {{"K80.1"}, {"51.23"}},
                    new String[][] {{"K35"}, {"47.01"}},
                    new String[][] {{"K40.9"}, {"53.04"}},
                    new String[][] {{"C18.9"}, {"45.73"}}),
            "NEUR", List.of(
                    new String[][] {{"I63.9", "I10"}, {}},
                    new String[][] {{"I69.3", "I10", "E11.9"}, {}}),
            "GER", List.of(
                    new String[][] {{"I10", "E11.9"}, {}},
                    new String[][] {{"I11.9", "E78.5"}, {}},
                    new String[][] {{"E11.9", "J44.1"}, {}}));

    private Mono<Void> importDischarges(Principal admin, Random random) {
        LocalDate today = LocalDate.now(clock);
        int total = properties.demo().patients();
        List<DischargeImportService.Row> rows = new ArrayList<>();
        int shareSum = CLINICAL.stream().mapToInt(Dept::share).sum();
        for (int i = 0; i < total; i++) {
            int pick = random.nextInt(shareSum);
            Dept dept = CLINICAL.get(0);
            for (Dept d : CLINICAL) {
                if (pick < d.share()) {
                    dept = d;
                    break;
                }
                pick -= d.share();
            }
            String[][] kase = CASES.get(dept.code()).get(random.nextInt(CASES.get(dept.code()).size()));
            boolean male = random.nextBoolean();
            LocalDate birth = today.minusYears(dept.code().equals("GS") ? 25 + random.nextInt(55) : 45 + random.nextInt(40))
                    .minusDays(random.nextInt(365));
            // discharges spread over the last 200 days, more of them recent, a few discharged today
            LocalDate discharge = today.minusDays((long) Math.floor(Math.pow(random.nextDouble(), 1.3) * 200));
            LocalDate admission = discharge.minusDays(2 + random.nextInt(12));
            String idCard = Identifiers.withIdCheckDigit("440106" + birth.toString().replace("-", "")
                    + String.format("%02d", random.nextInt(100)) + (male ? 1 + 2 * random.nextInt(5) : 2 * random.nextInt(5)));
            var patient = new DischargeRecord.PatientData("P" + (100000 + i), name(random),
                    male ? DischargeRecord.Gender.MALE : DischargeRecord.Gender.FEMALE, birth, mobile(random), idCard,
                    true, random.nextInt(10) > 0);
            var record = new DischargeRecord("ZY" + discharge.getYear() + String.format("%06d", i), patient, dept.code(), null,
                    admission, discharge, List.of(kase[0]), List.of(kase[1]),
                    "患者住院期间病情平稳，予规范治疗后好转出院。", "按时服药，低盐低脂饮食，如有不适及时就诊。",
                    medications(dept.code(), kase, random));
            rows.add(new DischargeImportService.Row(i + 1, record, null));
        }
        // attending physicians: the department's physicians, round robin (looked up by employee number)
        return db.sql("SELECT s.employee_no, d.code FROM staff s JOIN department d ON d.id = s.department_id "
                        + "WHERE 'PHYSICIAN' = ANY (s.roles) ORDER BY s.employee_no")
                .map(r -> Map.entry(r.get(1, String.class), r.get(0, String.class))).all()
                .collectMultimap(Map.Entry::getKey, Map.Entry::getValue)
                .flatMap(physicians -> {
                    List<DischargeImportService.Row> withAttending = IntStream.range(0, rows.size()).mapToObj(i -> {
                        DischargeRecord r = rows.get(i).record();
                        List<String> docs = new ArrayList<>(physicians.get(r.departmentCode()));
                        String doc = docs.get(i % docs.size());
                        return new DischargeImportService.Row(i + 1, new DischargeRecord(r.encounterId(), r.patient(),
                                r.departmentCode(), doc, r.admissionDate(), r.dischargeDate(), r.diagnoses(), r.procedures(),
                                r.dischargeSummary(), r.dischargeInstructions(), r.medications()), null);
                    }).toList();
                    return Flux.fromIterable(partition(withAttending, 500))
                            .concatMap(batch -> imports.importNow(admin, "HIS", "JSON", batch)
                                    .doOnNext(rep -> log.info("demo: imported {} discharges ({} failed)", rep.created(), rep.failed())))
                            .then();
                });
    }

    private static List<String> medications(String dept, String[][] kase, Random random) {
        List<String> meds = new ArrayList<>();
        if (kase[1].length > 0 && kase[1][0].startsWith("36")) {
            meds.add("阿司匹林肠溶片 100mg qd");
            meds.add(random.nextBoolean() ? "替格瑞洛片 90mg bid" : "氯吡格雷片 75mg qd");
            meds.add("阿托伐他汀钙片 20mg qn");
        }
        if (String.join(",", kase[0]).contains("I50")) {
            meds.add("沙库巴曲缬沙坦钠片 50mg bid");
            meds.add("美托洛尔缓释片 47.5mg qd");
            meds.add("螺内酯片 20mg qd");
            meds.add("达格列净片 10mg qd");
        }
        if (String.join(",", kase[0]).contains("E11")) {
            meds.add("二甲双胍片 0.5g tid");
        }
        if (String.join(",", kase[0]).contains("I10")) {
            meds.add("氨氯地平片 5mg qd");
        }
        return meds;
    }

    /** Works the past-due tasks the way a department would have: most completed, some unreachable or refused. */
    private Mono<Void> history(Random random) {
        LocalDate today = LocalDate.now(clock);
        return db.sql("""
                        SELECT t.id, t.assignee_id, t.due_date, t.patient_id, e.primary_diagnosis, s.hospital_id, s.department_id, s.roles
                        FROM follow_up_task t JOIN care_plan cp ON cp.id = t.care_plan_id JOIN encounter e ON e.id = cp.encounter_id
                        JOIN staff s ON s.id = t.assignee_id
                        WHERE t.due_date < :today - 1 ORDER BY t.due_date, t.id""")
                .bind("today", today)
                .map(r -> new Object[] {r.get("id", Long.class), r.get("assignee_id", Long.class),
                        r.get("due_date", LocalDate.class), r.get("patient_id", Long.class),
                        r.get("primary_diagnosis", String.class), r.get("hospital_id", Long.class),
                        r.get("department_id", Long.class), r.get("roles", String[].class)})
                .all()
                .collectList()
                .flatMapMany(Flux::fromIterable)
                .filter(t -> random.nextInt(100) < 82) // the rest stay open: the overdue backlog a head will see
                .concatMap(t -> {
                    Set<Role> roles = EnumSet.noneOf(Role.class);
                    for (String r : (String[]) t[7]) {
                        roles.add(Role.valueOf(r));
                    }
                    Principal author = new Principal(Principal.ActorType.STAFF, (Long) t[1], (Long) t[5], (Long) t[6], roles);
                    int roll = random.nextInt(100);
                    NoteOutcome outcome = roll < 80 ? NoteOutcome.COMPLETED : roll < 94 ? NoteOutcome.UNREACHABLE
                            : roll < 98 ? NoteOutcome.REFUSED : NoteOutcome.READMITTED;
                    List<ObservationService.Reading> readings = outcome == NoteOutcome.COMPLETED
                            ? readings((String) t[4], (Long) t[3], random) : List.of();
                    var note = new NoteService.NewNote("demo-" + t[0], outcome, "PHONE",
                            random.nextInt(5) == 0 ? List.of("偶有胸闷") : List.of(), readings,
                            outcome == NoteOutcome.COMPLETED ? (random.nextInt(6) == 0 ? "PARTIAL" : "GOOD") : null,
                            List.of(), outcome == NoteOutcome.COMPLETED ? List.of("按时服药", "低盐低脂饮食") : List.of(),
                            null, null, null);
                    LocalDate when = ((LocalDate) t[2]).plusDays(random.nextInt(3));
                    return notes.submit(author, (Long) t[0], note)
                            .flatMap(saved -> backdate(saved.note().id(), (Long) t[0], when.isBefore(today) ? when : today.minusDays(1)))
                            .thenReturn(1)
                            .onErrorResume(e -> {
                                log.debug("demo: note skipped: {}", e.getMessage());
                                return Mono.empty();
                            });
                }, 8)
                .count()
                .doOnNext(n -> log.info("demo: recorded {} past follow-up notes", n))
                .then();
    }

    private List<ObservationService.Reading> readings(String diagnosis, long patientId, Random random) {
        List<ObservationService.Reading> r = new ArrayList<>();
        r.add(reading(ObservationCode.SBP, 118 + random.nextGaussian() * 14));
        r.add(reading(ObservationCode.DBP, 76 + random.nextGaussian() * 8));
        r.add(reading(ObservationCode.HR, 72 + random.nextGaussian() * 8));
        if (diagnosis.startsWith("E11")) {
            r.add(reading(ObservationCode.FPG, 7.2 + random.nextGaussian() * 1.5));
        }
        if (diagnosis.startsWith("I50")) {
            // a patient's weight is their own, give or take half a kilo between calls
            r.add(reading(ObservationCode.WEIGHT, 55 + patientId % 30 + random.nextGaussian() * 0.5));
        }
        return r;
    }

    private static ObservationService.Reading reading(ObservationCode code, double value) {
        int scale = code == ObservationCode.FPG || code == ObservationCode.WEIGHT ? 1 : 0;
        return new ObservationService.Reading(code, BigDecimal.valueOf(value).setScale(scale, RoundingMode.HALF_UP), code.unit());
    }

    /**
     * What patients reported from the mini-program this morning, through the real path (questionnaires with readings,
     * scored and run through the alert rules): a few severe blood pressures, severe PHQ-9 scores and low glucose
     * readings, so the alert inbox, the ladder and the dashboard have something to show.
     */
    private Mono<Void> patientReports() {
        record Report(String questionnaire, java.util.Map<String, Object> answers, String diagnosisPrefix, int count) {
        }
        java.util.Map<String, Object> phq9 = new java.util.HashMap<>(java.util.Map.of("q1", 2, "q2", 3, "q3", 2, "q4", 2,
                "q5", 2, "q6", 2, "q7", 2, "q8", 1, "q9", 0, "difficulty", 2));
        List<Report> reports = List.of(
                new Report("PCI_SYMPTOM", java.util.Map.of("chestPain", 0, "punctureSite", 0, "antiplatelet", 0, "sbp", 184,
                        "dbp", 98, "hr", 84), "I21", 4),
                new Report("PHQ9", phq9, "I", 3),
                new Report("DM_SELFCHECK", java.util.Map.of("fpg", 3.4, "hypo", 1, "hypoHelp", 0, "medication", 0, "feet", 0),
                        "E11", 3));
        return Flux.fromIterable(reports).concatMap(report -> db.sql("""
                                SELECT p.id, p.hospital_id, p.department_id FROM patient p
                                WHERE p.consent_follow_up AND EXISTS (SELECT 1 FROM encounter e WHERE e.patient_id = p.id
                                      AND e.primary_diagnosis LIKE :prefix)
                                  AND EXISTS (SELECT 1 FROM follow_up_task t WHERE t.patient_id = p.id AND t.status = 'PENDING')
                                ORDER BY p.id LIMIT :n""")
                        .bind("prefix", report.diagnosisPrefix() + "%").bind("n", report.count())
                        .map(r -> new Principal(Principal.ActorType.PATIENT, r.get("id", Long.class),
                                r.get("hospital_id", Long.class), r.get("department_id", Long.class), Set.of()))
                        .all()
                        .concatMap(patient -> questionnaires.submit(patient, patient.id(), report.questionnaire(),
                                        cn.suifang.backend.questionnaire.QuestionnaireService.SubmittedBy.PATIENT, null,
                                        new cn.suifang.backend.questionnaire.QuestionnaireService.Submission(
                                                "demo-" + report.questionnaire() + "-" + patient.id(), null, report.answers()))
                                .onErrorResume(e -> {
                                    log.debug("demo: report skipped: {}", e.getMessage());
                                    return Mono.empty();
                                })))
                .count()
                .doOnNext(n -> log.info("demo: {} questionnaires reported by patients", n))
                .then();
    }

    /**
     * Health management for the first look: lifestyle answers and lipids for some cardiac, hypertensive and diabetic
     * patients (through the real questionnaire path, so risk and tags follow), a daily tag pass for what the backdated
     * history implies, a few interventions sent, and the stage summaries the daily pass would draft.
     */
    private Mono<Void> healthManagement(Random random) {
        return db.sql("""
                        SELECT p.id, p.hospital_id, p.department_id, p.gender FROM patient p
                        WHERE p.consent_follow_up AND EXISTS (SELECT 1 FROM encounter e WHERE e.patient_id = p.id
                              AND (e.primary_diagnosis LIKE 'I%' OR e.primary_diagnosis LIKE 'E11%'))
                        ORDER BY p.id LIMIT 40""")
                .map(r -> new Object[] {new Principal(Principal.ActorType.PATIENT, r.get("id", Long.class),
                        r.get("hospital_id", Long.class), r.get("department_id", Long.class), Set.of()),
                        "MALE".equals(r.get("gender", String.class))})
                .all()
                .concatMap(row -> {
                    Principal patient = (Principal) row[0];
                    boolean male = (Boolean) row[1];
                    OffsetDateTime drawn = OffsetDateTime.now(clock).minusDays(20 + random.nextInt(30));
                    Map<String, Object> answers = new java.util.HashMap<>(Map.of("smoking", male && random.nextInt(3) == 0 ? 2 : 0,
                            "alcohol", random.nextInt(2), "exercise", random.nextInt(4), "salt", random.nextInt(3),
                            "bpMeds", random.nextInt(3) == 0 ? 1 : 0, "familyAscvd", random.nextInt(4) == 0 ? 1 : 0,
                            "familyDiabetes", random.nextInt(3) == 0 ? 1 : 0, "height", male ? 168 + random.nextInt(12) : 156 + random.nextInt(10),
                            "weight", male ? 62 + random.nextInt(30) : 50 + random.nextInt(25), "waist", male ? 80 + random.nextInt(22) : 70 + random.nextInt(20)));
                    return observations.record(patient.id(), new ObservationService.Reading(ObservationCode.TC,
                                    BigDecimal.valueOf(4.2 + random.nextDouble() * 2.4).setScale(2, RoundingMode.HALF_UP), "mmol/L"),
                                    drawn, "LAB", null, null)
                            .then(observations.record(patient.id(), new ObservationService.Reading(ObservationCode.HDL_C,
                                    BigDecimal.valueOf(0.8 + random.nextDouble() * 0.9).setScale(2, RoundingMode.HALF_UP), "mmol/L"),
                                    drawn, "LAB", null, null))
                            .then(questionnaires.submit(patient, patient.id(), "LIFESTYLE",
                                    cn.suifang.backend.questionnaire.QuestionnaireService.SubmittedBy.PATIENT, null,
                                    new cn.suifang.backend.questionnaire.QuestionnaireService.Submission(
                                            "demo-LIFESTYLE-" + patient.id(), null, answers)))
                            .thenReturn(1)
                            .onErrorResume(e -> {
                                log.debug("demo: lifestyle skipped: {}", e.getMessage());
                                return Mono.just(0);
                            });
                })
                .reduce(0, Integer::sum)
                .doOnNext(n -> log.info("demo: {} lifestyle questionnaires with lipids", n))
                .then(tags.reevaluateAll())
                .doOnNext(n -> log.info("demo: tags evaluated for {} patients", n))
                .then(summaries.draftDue())
                .doOnNext(n -> log.info("demo: {} stage summaries drafted", n))
                .then();
    }

    /** Moves a demo note (and its readings and task completion) back to when the call would have happened. */
    private Mono<Void> backdate(long noteId, long taskId, LocalDate when) {
        OffsetDateTime at = when.atTime(10, 30).atZone(clock.getZone()).toOffsetDateTime();
        return db.sql("UPDATE follow_up_note SET created_at = :at WHERE id = :id").bind("at", at).bind("id", noteId).then()
                .then(db.sql("UPDATE observation SET effective_at = :at WHERE note_id = :id").bind("at", at).bind("id", noteId).then())
                .then(db.sql("""
                                UPDATE follow_up_task SET completed_at = :at, overdue = CAST(:day AS DATE) > window_end
                                WHERE id = :id AND completed_at IS NOT NULL""")
                        .bind("at", at).bind("day", when).bind("id", taskId).then());
    }

    /** Several years of lab results for the cardiac and diabetic patients, for the multi-year trends. */
    private Mono<Void> labs(Random random) {
        LocalDate today = LocalDate.now(clock);
        return db.sql("""
                        SELECT p.id, e.primary_diagnosis FROM patient p JOIN encounter e ON e.patient_id = p.id
                        WHERE e.primary_diagnosis LIKE 'I2%' OR e.primary_diagnosis LIKE 'E11%'""")
                .map(r -> Map.entry(r.get(0, Long.class), r.get(1, String.class))).all()
                .collectList()
                .flatMapMany(Flux::fromIterable)
                .concatMap(p -> {
                    boolean diabetic = p.getValue().startsWith("E11");
                    ObservationCode code = diabetic ? ObservationCode.HBA1C : ObservationCode.LDL_C;
                    double start = diabetic ? 8.6 + random.nextGaussian() : 3.4 + random.nextGaussian() * 0.5;
                    double target = diabetic ? 6.8 : 1.7;
                    return Flux.range(0, 6).concatMap(k -> {
                        double value = Math.max(diabetic ? 5.0 : 0.8, start - (start - target) * k / 5.0 + random.nextGaussian() * 0.2);
                        OffsetDateTime at = today.minusMonths(6L * (5 - k) + 1).atStartOfDay().atOffset(ZoneOffset.ofHours(8));
                        return observations.record(p.getKey(), new ObservationService.Reading(code,
                                BigDecimal.valueOf(value).setScale(diabetic ? 1 : 2, RoundingMode.HALF_UP), code.unit()),
                                at, "LAB", null, null);
                    });
                }, 4)
                .then();
    }

    private static String name(Random random) {
        String surname = String.valueOf(SURNAMES.charAt(random.nextInt(SURNAMES.length())));
        int len = random.nextInt(3) == 0 ? 1 : 2;
        StringBuilder sb = new StringBuilder(surname);
        for (int i = 0; i < len; i++) {
            sb.append(GIVEN.charAt(random.nextInt(GIVEN.length())));
        }
        return sb.toString();
    }

    private static String mobile(Random random) {
        String[] prefixes = {"138", "139", "136", "137", "135", "150", "151", "158", "186", "188", "187", "159"};
        return prefixes[random.nextInt(prefixes.length)] + String.format("%08d", random.nextInt(100_000_000));
    }

    private static <T> List<List<T>> partition(List<T> list, int size) {
        List<List<T>> parts = new ArrayList<>();
        for (int i = 0; i < list.size(); i += size) {
            parts.add(list.subList(i, Math.min(list.size(), i + size)));
        }
        return parts;
    }
}
