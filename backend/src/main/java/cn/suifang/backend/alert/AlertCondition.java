package cn.suifang.backend.alert;

import cn.suifang.backend.observation.ObservationCode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * The condition of an alert rule, stored as JSON in {@code alert_rule.condition}. Each node either holds for the facts
 * of one trigger — and then says in Chinese what it saw — or does not. Parsing checks everything a rule author can get
 * wrong (unknown type, code, operator, a missing window), so a bad rule is refused when it is written, not when it
 * first meets a patient.
 *
 * <ul>
 *   <li>{@code reading}: at least {@code atLeast} (default 1) readings of {@code code} meet {@code op value} within
 *       {@code withinDays} days up to the newest new reading, and at least one of them is new. An old reading alone
 *       never raises an alert again.</li>
 *   <li>{@code rise}: a new reading of {@code code} exceeds the lowest reading of the preceding {@code withinDays} days
 *       by more than {@code by}.</li>
 *   <li>{@code score} / {@code answer}: the questionnaire just submitted has a total / an item answer meeting
 *       {@code op value} (a multiple-choice answer meets {@code = v} when it includes v).</li>
 *   <li>{@code attempts}: the task has at least {@code atLeast} notes with outcome {@code outcome}, the last one new.</li>
 *   <li>{@code any} / {@code all}: of a list of conditions.</li>
 * </ul>
 */
public sealed interface AlertCondition {

    /** What the rule is evaluated on. */
    enum Trigger { READING, QUESTIONNAIRE, TASK }

    /** The facts of one trigger for one patient. */
    record Facts(List<Reading> newReadings, List<Reading> history, Response response, TaskAttempts task) {

        public static Facts readings(List<Reading> newReadings, List<Reading> history) {
            return new Facts(newReadings, history, null, null);
        }

        public static Facts response(Response response) {
            return new Facts(List.of(), List.of(), response, null);
        }

        public static Facts task(TaskAttempts task) {
            return new Facts(List.of(), List.of(), null, task);
        }
    }

    /** One reading; {@code history} includes the new ones. */
    record Reading(long id, ObservationCode code, BigDecimal value, OffsetDateTime at) {
    }

    /** A submitted questionnaire: item id → answer (Integer, List of Integer, BigDecimal or String). */
    record Response(String questionnaireCode, Integer score, Map<String, Object> answers) {
    }

    /** The task a note was just written for: how many notes it has per outcome, and the new note's outcome. */
    record TaskAttempts(long taskId, String lastOutcome, Map<String, Integer> byOutcome) {
    }

    /** What was seen when the condition holds, empty otherwise. */
    Optional<String> test(Facts facts);

    Trigger trigger();

    /** The readings' codes this condition looks at (to load their history); none unless it looks at readings. */
    default Set<ObservationCode> codes() {
        return Set.of();
    }

    /** The longest window it looks back over, in days. */
    default int windowDays() {
        return 0;
    }

    // ------------------------------------------------------------------ operators

    enum Op {
        GT(">"), GE(">="), LT("<"), LE("<="), EQ("=");

        private final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }

        public static Op of(String symbol) {
            for (Op op : values()) {
                if (op.symbol.equals(symbol)) {
                    return op;
                }
            }
            throw new IllegalArgumentException("未知的比较符 " + symbol + "，应为 >、>=、<、<= 或 =");
        }

        public boolean test(BigDecimal a, BigDecimal b) {
            int c = a.compareTo(b);
            return switch (this) {
                case GT -> c > 0;
                case GE -> c >= 0;
                case LT -> c < 0;
                case LE -> c <= 0;
                case EQ -> c == 0;
            };
        }

        /** As a clinician writes it: ≥ and ≤. */
        public String display() {
            return switch (this) {
                case GE -> "≥";
                case LE -> "≤";
                default -> symbol;
            };
        }
    }

    // ------------------------------------------------------------------ node types

    record ReadingCount(ObservationCode code, Op op, BigDecimal value, int atLeast, int withinDays) implements AlertCondition {

        @Override
        public Optional<String> test(Facts f) {
            Set<Long> fresh = f.newReadings().stream().filter(r -> r.code() == code).map(Reading::id).collect(Collectors.toSet());
            if (fresh.isEmpty()) {
                return Optional.empty();
            }
            OffsetDateTime newest = f.newReadings().stream().filter(r -> r.code() == code).map(Reading::at)
                    .max(OffsetDateTime::compareTo).orElseThrow();
            OffsetDateTime from = newest.minus(Duration.ofDays(withinDays));
            List<Reading> hits = f.history().stream()
                    .filter(r -> r.code() == code && !r.at().isBefore(from) && !r.at().isAfter(newest) && op.test(r.value(), value))
                    .sorted((a, b) -> a.at().compareTo(b.at()))
                    .toList();
            if (hits.size() < atLeast || hits.stream().noneMatch(r -> fresh.contains(r.id()))) {
                return Optional.empty();
            }
            String values = hits.stream().map(r -> r.value().stripTrailingZeros().toPlainString()).collect(Collectors.joining("、"));
            String rule = code.label() + " " + op.display() + " " + value.stripTrailingZeros().toPlainString() + " " + code.unit();
            return Optional.of(atLeast > 1
                    ? code.label() + " " + values + " " + code.unit() + "（" + withinDays + "天内" + hits.size() + "次，规则：" + rule + "）"
                    : code.label() + " " + values + " " + code.unit() + "（规则：" + rule + "）");
        }

        @Override
        public Trigger trigger() {
            return Trigger.READING;
        }

        @Override
        public Set<ObservationCode> codes() {
            return Set.of(code);
        }

        @Override
        public int windowDays() {
            return withinDays;
        }
    }

    record Rise(ObservationCode code, BigDecimal by, int withinDays) implements AlertCondition {

        @Override
        public Optional<String> test(Facts f) {
            for (Reading n : f.newReadings()) {
                if (n.code() != code) {
                    continue;
                }
                OffsetDateTime from = n.at().minus(Duration.ofDays(withinDays));
                Optional<Reading> low = f.history().stream()
                        .filter(r -> r.code() == code && r.id() != n.id() && !r.at().isBefore(from) && r.at().isBefore(n.at()))
                        .min((a, b) -> a.value().compareTo(b.value()));
                if (low.isPresent() && n.value().subtract(low.get().value()).compareTo(by) > 0) {
                    BigDecimal rise = n.value().subtract(low.get().value()).setScale(1, RoundingMode.HALF_UP);
                    return Optional.of(code.label() + " " + withinDays + "天内由 " + plain(low.get().value()) + " 增至 "
                            + plain(n.value()) + " " + code.unit() + "（+" + plain(rise) + " " + code.unit() + "，规则：增加超过 "
                            + plain(by) + " " + code.unit() + "）");
                }
            }
            return Optional.empty();
        }

        @Override
        public Trigger trigger() {
            return Trigger.READING;
        }

        @Override
        public Set<ObservationCode> codes() {
            return Set.of(code);
        }

        @Override
        public int windowDays() {
            return withinDays;
        }
    }

    record Score(String questionnaire, Op op, BigDecimal value) implements AlertCondition {

        @Override
        public Optional<String> test(Facts f) {
            Response r = f.response();
            if (r == null || !r.questionnaireCode().equals(questionnaire) || r.score() == null
                    || !op.test(BigDecimal.valueOf(r.score()), value)) {
                return Optional.empty();
            }
            return Optional.of(questionnaire + " 总分 " + r.score() + "（规则：" + op.display() + " " + plain(value) + "）");
        }

        @Override
        public Trigger trigger() {
            return Trigger.QUESTIONNAIRE;
        }
    }

    record Answer(String questionnaire, String item, Op op, BigDecimal value) implements AlertCondition {

        @Override
        public Optional<String> test(Facts f) {
            Response r = f.response();
            if (r == null || !r.questionnaireCode().equals(questionnaire)) {
                return Optional.empty();
            }
            Object a = r.answers().get(item);
            boolean holds;
            if (a instanceof List<?> many) {
                holds = many.stream().anyMatch(v -> v instanceof Number n && op.test(decimal(n), value));
            } else if (a instanceof Number n) {
                holds = op.test(decimal(n), value);
            } else {
                holds = false;
            }
            return holds ? Optional.of(questionnaire + " 第 " + item + " 题回答 " + a + "（规则：" + op.display() + " "
                    + plain(value) + "）") : Optional.empty();
        }

        @Override
        public Trigger trigger() {
            return Trigger.QUESTIONNAIRE;
        }
    }

    record Attempts(String outcome, int atLeast) implements AlertCondition {

        @Override
        public Optional<String> test(Facts f) {
            TaskAttempts t = f.task();
            if (t == null || !outcome.equals(t.lastOutcome())) {
                return Optional.empty();
            }
            int n = t.byOutcome().getOrDefault(outcome, 0);
            return n >= atLeast ? Optional.of("该随访任务已 " + n + " 次记录为“" + outcomeLabel(outcome) + "”")
                    : Optional.empty();
        }

        @Override
        public Trigger trigger() {
            return Trigger.TASK;
        }
    }

    record Any(List<AlertCondition> of) implements AlertCondition {

        @Override
        public Optional<String> test(Facts f) {
            return cn.suifang.backend.common.Evidence.any(of, c -> c.test(f));
        }

        @Override
        public Trigger trigger() {
            return of.get(0).trigger();
        }

        @Override
        public Set<ObservationCode> codes() {
            return of.stream().flatMap(c -> c.codes().stream()).collect(Collectors.toSet());
        }

        @Override
        public int windowDays() {
            return of.stream().mapToInt(AlertCondition::windowDays).max().orElse(0);
        }
    }

    record All(List<AlertCondition> of) implements AlertCondition {

        @Override
        public Optional<String> test(Facts f) {
            return cn.suifang.backend.common.Evidence.all(of, c -> c.test(f));
        }

        @Override
        public Trigger trigger() {
            return of.get(0).trigger();
        }

        @Override
        public Set<ObservationCode> codes() {
            return of.stream().flatMap(c -> c.codes().stream()).collect(Collectors.toSet());
        }

        @Override
        public int windowDays() {
            return of.stream().mapToInt(AlertCondition::windowDays).max().orElse(0);
        }
    }

    // ------------------------------------------------------------------ parsing

    /** Parses and checks a condition; {@link IllegalArgumentException} with a Chinese message when it is wrong. */
    static AlertCondition parse(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("条件应为 JSON 对象");
        }
        String type = text(node, "type");
        AlertCondition c = switch (type) {
            case "reading" -> {
                int atLeast = integer(node, "atLeast", 1);
                int within = integer(node, "withinDays", atLeast > 1 ? -1 : 1);
                if (atLeast < 1 || atLeast > 20) {
                    throw new IllegalArgumentException("atLeast 应在 1–20 之间");
                }
                if (within < 1 || within > 365) {
                    throw new IllegalArgumentException("多次读数的规则须给出 withinDays（1–365 天）");
                }
                yield new ReadingCount(code(node), Op.of(text(node, "op")), number(node, "value"), atLeast, within);
            }
            case "rise" -> {
                int within = integer(node, "withinDays", -1);
                if (within < 1 || within > 365) {
                    throw new IllegalArgumentException("rise 规则须给出 withinDays（1–365 天）");
                }
                BigDecimal by = number(node, "by");
                if (by.signum() <= 0) {
                    throw new IllegalArgumentException("rise 的 by 应大于 0");
                }
                yield new Rise(code(node), by, within);
            }
            case "score" -> new Score(text(node, "questionnaire"), Op.of(text(node, "op")), number(node, "value"));
            case "answer" -> new Answer(text(node, "questionnaire"), text(node, "item"), Op.of(text(node, "op")),
                    number(node, "value"));
            case "attempts" -> {
                String outcome = text(node, "outcome");
                if (!Set.of("UNREACHABLE", "REFUSED").contains(outcome)) {
                    throw new IllegalArgumentException("attempts 的 outcome 应为 UNREACHABLE 或 REFUSED");
                }
                int atLeast = integer(node, "atLeast", -1);
                if (atLeast < 1 || atLeast > 10) {
                    throw new IllegalArgumentException("attempts 的 atLeast 应在 1–10 之间");
                }
                yield new Attempts(outcome, atLeast);
            }
            case "any", "all" -> {
                JsonNode of = node.get("of");
                if (of == null || !of.isArray() || of.isEmpty()) {
                    throw new IllegalArgumentException(type + " 须有非空的 of 列表");
                }
                List<AlertCondition> parts = new ArrayList<>();
                for (JsonNode child : of) {
                    parts.add(parse(child));
                }
                if (parts.stream().map(AlertCondition::trigger).distinct().count() > 1) {
                    throw new IllegalArgumentException(type + " 中的条件须针对同一类触发（读数、问卷或任务）");
                }
                yield type.equals("any") ? new Any(List.copyOf(parts)) : new All(List.copyOf(parts));
            }
            default -> throw new IllegalArgumentException("未知的条件类型 " + type
                    + "，应为 reading、rise、score、answer、attempts、any 或 all");
        };
        return c;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isString() || v.asString().isBlank()) {
            throw new IllegalArgumentException("条件缺少 " + field);
        }
        return v.asString();
    }

    private static BigDecimal number(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException("条件的 " + field + " 应为数字");
        }
        return v.decimalValue();
    }

    private static int integer(JsonNode node, String field, int absent) {
        JsonNode v = node.get(field);
        if (v == null) {
            return absent;
        }
        if (!v.isIntegralNumber()) {
            throw new IllegalArgumentException("条件的 " + field + " 应为整数");
        }
        return v.asInt();
    }

    private static ObservationCode code(JsonNode node) {
        String code = text(node, "code");
        try {
            return ObservationCode.valueOf(code);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("未知的指标编码 " + code);
        }
    }

    private static BigDecimal decimal(Number n) {
        return n instanceof BigDecimal b ? b : new BigDecimal(n.toString());
    }

    private static String plain(BigDecimal v) {
        return v.stripTrailingZeros().toPlainString();
    }

    private static String outcomeLabel(String outcome) {
        return "UNREACHABLE".equals(outcome) ? "未联系上" : "拒绝随访";
    }
}
