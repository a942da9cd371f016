package cn.suifang.backend.tag;

import cn.suifang.backend.alert.AlertCondition.Op;
import cn.suifang.backend.observation.ObservationCode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * The condition of a tag rule, stored as JSON in {@code tag_rule.condition}. Unlike an alert condition, which looks at
 * what just happened, a tag condition describes a state of the patient <em>now</em>: it is evaluated over the patient's
 * facts at a moment, holds (and says in Chinese what it saw) or does not, so the same rule sets a tag and takes it off
 * again when the facts change or time moves past its window. Windows include their first day: a reading taken exactly
 * {@code withinDays} days ago still counts.
 *
 * <ul>
 *   <li>{@code reading}: over the readings (readings taken at the same moment: the one stored last is the newer) of {@code code} in the last {@code withinDays} days, the {@code stat}
 *       ({@code latest}, or {@code mean}/{@code max}/{@code min} of the {@code last} most recent, default 3) meets
 *       {@code op value}.</li>
 *   <li>{@code bmi}: the latest weight and height (each within {@code withinDays}) give a BMI meeting {@code op value}.</li>
 *   <li>{@code score} / {@code answer}: the latest response to {@code questionnaire} within {@code withinDays} has a
 *       total / an item answer meeting {@code op value}.</li>
 *   <li>{@code adherence}: the latest follow-up note within {@code withinDays} that recorded adherence recorded one of
 *       {@code values} (GOOD, PARTIAL, POOR, STOPPED).</li>
 *   <li>{@code unreachable}: the most recent notes, back to the last one that reached the patient and within
 *       {@code withinDays}, include at least {@code atLeast} unreachable or refused attempts.</li>
 *   <li>{@code overdue}: at least {@code atLeast} open tasks whose window has passed.</li>
 *   <li>{@code noReading}: enrolled for at least {@code days} days and no self-reported reading of {@code codes} in the
 *       last {@code days} days.</li>
 *   <li>{@code risk}: the latest complete assessment of {@code model} (CHINA_PAR, CDRS) is in {@code category}.</li>
 *   <li>{@code any} / {@code all} / {@code not}.</li>
 * </ul>
 */
public sealed interface TagCondition {

    DateTimeFormatter DAY = DateTimeFormatter.ofPattern("M月d日");

    /** Everything the conditions look at for one patient at {@code now}. */
    record Facts(OffsetDateTime now, LocalDate today, List<String> diagnoses, List<String> pathways, LocalDate enrolledSince,
                 List<Reading> readings, List<Response> responses, List<Note> notes, int overdueTasks,
                 Map<String, Risk> risks) {
    }

    /** The latest complete assessment of a risk model. */
    record Risk(String categoryCode, String categoryLabel, BigDecimal value, String unit, OffsetDateTime at) {
    }

    /** A reading and who took it (PATIENT, PROXY and DEVICE are self-reported). */
    record Reading(ObservationCode code, BigDecimal value, OffsetDateTime at, String source) {

        boolean selfReported() {
            return Set.of("PATIENT", "PROXY", "DEVICE").contains(source);
        }
    }

    /** A questionnaire response: item id → answer (Integer, List of Integer, BigDecimal or String). */
    record Response(String questionnaireCode, Integer score, Map<String, Object> answers, OffsetDateTime at) {
    }

    /** A follow-up note's outcome and the adherence it recorded. */
    record Note(String outcome, String adherence, OffsetDateTime at) {
    }

    /** What was seen when the condition holds, empty otherwise. */
    Optional<String> test(Facts facts);

    /** The longest window it looks back over, in days (to load the facts). */
    int windowDays();

    // ------------------------------------------------------------------ node types

    enum Stat { LATEST, MEAN, MAX, MIN }

    record ReadingStat(ObservationCode code, Stat stat, int last, Op op, BigDecimal value, int withinDays)
            implements TagCondition {

        @Override
        public Optional<String> test(Facts f) {
            List<Reading> recent = f.readings().stream()
                    .filter(r -> r.code() == code && within(r.at(), f, withinDays))
                    .sorted(Comparator.comparing(Reading::at).reversed())
                    .limit(stat == Stat.LATEST ? 1 : last)
                    .toList();
            if (recent.isEmpty()) {
                return Optional.empty();
            }
            BigDecimal seen = switch (stat) {
                case LATEST -> recent.get(0).value();
                case MAX -> recent.stream().map(Reading::value).max(BigDecimal::compareTo).orElseThrow();
                case MIN -> recent.stream().map(Reading::value).min(BigDecimal::compareTo).orElseThrow();
                case MEAN -> recent.stream().map(Reading::value).reduce(BigDecimal.ZERO, BigDecimal::add)
                        .divide(BigDecimal.valueOf(recent.size()), 1, RoundingMode.HALF_UP);
            };
            if (!op.test(seen, value)) {
                return Optional.empty();
            }
            String what = switch (stat) {
                case LATEST -> "最近一次" + code.label() + "（" + recent.get(0).at().format(DAY) + "）";
                case MEAN -> "近" + withinDays + "天最近" + recent.size() + "次" + code.label() + "均值";
                case MAX -> "近" + withinDays + "天最近" + recent.size() + "次" + code.label() + "最高";
                case MIN -> "近" + withinDays + "天最近" + recent.size() + "次" + code.label() + "最低";
            };
            return Optional.of(what + " " + plain(seen) + " " + code.unit() + "（" + op.display() + " " + plain(value) + "）");
        }

        @Override
        public int windowDays() {
            return withinDays;
        }
    }

    record Bmi(Op op, BigDecimal value, int withinDays) implements TagCondition {

        @Override
        public Optional<String> test(Facts f) {
            Optional<Reading> weight = latest(f, ObservationCode.WEIGHT, withinDays);
            Optional<Reading> height = latest(f, ObservationCode.HEIGHT, withinDays);
            if (weight.isEmpty() || height.isEmpty()) {
                return Optional.empty();
            }
            BigDecimal metres = height.get().value().movePointLeft(2);
            BigDecimal bmi = weight.get().value().divide(metres.multiply(metres), 1, RoundingMode.HALF_UP);
            return op.test(bmi, value) ? Optional.of("BMI " + plain(bmi) + " kg/m²（体重 " + plain(weight.get().value())
                    + " kg，身高 " + plain(height.get().value()) + " cm；" + op.display() + " " + plain(value) + "）")
                    : Optional.empty();
        }

        @Override
        public int windowDays() {
            return withinDays;
        }
    }

    record Score(String questionnaire, Op op, BigDecimal value, int withinDays) implements TagCondition {

        @Override
        public Optional<String> test(Facts f) {
            return latestResponse(f, questionnaire, withinDays)
                    .filter(r -> r.score() != null && op.test(BigDecimal.valueOf(r.score()), value))
                    .map(r -> questionnaire + " " + r.at().format(DAY) + " 总分 " + r.score() + "（" + op.display() + " "
                            + plain(value) + "）");
        }

        @Override
        public int windowDays() {
            return withinDays;
        }
    }

    record Answer(String questionnaire, String item, Op op, BigDecimal value, int withinDays) implements TagCondition {

        @Override
        public Optional<String> test(Facts f) {
            return latestResponse(f, questionnaire, withinDays).filter(r -> {
                Object a = r.answers().get(item);
                if (a instanceof List<?> many) {
                    return many.stream().anyMatch(v -> v instanceof Number n && op.test(new BigDecimal(n.toString()), value));
                }
                return a instanceof Number n && op.test(new BigDecimal(n.toString()), value);
            }).map(r -> questionnaire + " " + r.at().format(DAY) + " 第 " + item + " 题回答 " + r.answers().get(item)
                    + "（" + op.display() + " " + plain(value) + "）");
        }

        @Override
        public int windowDays() {
            return withinDays;
        }
    }

    record Adherence(Set<String> values, int withinDays) implements TagCondition {

        @Override
        public Optional<String> test(Facts f) {
            return f.notes().stream()
                    .filter(n -> n.adherence() != null && within(n.at(), f, withinDays))
                    .max(Comparator.comparing(Note::at))
                    .filter(n -> values.contains(n.adherence()))
                    .map(n -> n.at().format(DAY) + " 随访记录服药依从性：" + adherenceLabel(n.adherence()));
        }

        @Override
        public int windowDays() {
            return withinDays;
        }
    }

    record Unreachable(int atLeast, int withinDays) implements TagCondition {

        @Override
        public Optional<String> test(Facts f) {
            int misses = 0;
            OffsetDateTime lastMiss = null;
            for (Note n : f.notes().stream().sorted(Comparator.comparing(Note::at).reversed()).toList()) {
                if (!within(n.at(), f, withinDays) || !Set.of("UNREACHABLE", "REFUSED").contains(n.outcome())) {
                    break;
                }
                misses++;
                lastMiss = lastMiss == null ? n.at() : lastMiss;
            }
            return misses >= atLeast ? Optional.of("最近连续 " + misses + " 次未联系上或拒绝（最近一次 "
                    + lastMiss.format(DAY) + "）") : Optional.empty();
        }

        @Override
        public int windowDays() {
            return withinDays;
        }
    }

    record Overdue(int atLeast) implements TagCondition {

        @Override
        public Optional<String> test(Facts f) {
            return f.overdueTasks() >= atLeast ? Optional.of(f.overdueTasks() + " 个随访任务已过时间窗仍未完成")
                    : Optional.empty();
        }

        @Override
        public int windowDays() {
            return 0;
        }
    }

    record NoReading(Set<ObservationCode> codes, int days) implements TagCondition {

        @Override
        public Optional<String> test(Facts f) {
            if (f.enrolledSince() == null || f.enrolledSince().isAfter(f.today().minusDays(days))) {
                return Optional.empty();
            }
            Optional<Reading> last = f.readings().stream()
                    .filter(r -> codes.contains(r.code()) && r.selfReported())
                    .max(Comparator.comparing(Reading::at));
            if (last.isPresent() && within(last.get().at(), f, days)) {
                return Optional.empty();
            }
            String names = codes.stream().sorted().map(ObservationCode::label).collect(Collectors.joining("、"));
            return Optional.of("近 " + days + " 天未自测上报" + names
                    + last.map(r -> "（上次 " + r.at().format(DAY) + "）").orElse("（入组后从未上报）"));
        }

        @Override
        public int windowDays() {
            // the last report before the window is shown when there is one
            return Math.max(days, 90);
        }
    }

    record RiskCategory(String model, Set<String> categories) implements TagCondition {

        @Override
        public Optional<String> test(Facts f) {
            Risk r = f.risks().get(model);
            return r != null && categories.contains(r.categoryCode())
                    ? Optional.of((model.equals("CHINA_PAR") ? "China-PAR 10年心血管病风险 " : "中国糖尿病风险评分 ")
                            + plain(r.value()) + " " + r.unit() + "，" + r.categoryLabel() + "（" + r.at().format(DAY) + " 评估）")
                    : Optional.empty();
        }

        @Override
        public int windowDays() {
            return 0;
        }
    }

    record Any(List<TagCondition> of) implements TagCondition {

        @Override
        public Optional<String> test(Facts f) {
            return cn.suifang.backend.common.Evidence.any(of, c -> c.test(f));
        }

        @Override
        public int windowDays() {
            return of.stream().mapToInt(TagCondition::windowDays).max().orElse(0);
        }
    }

    record All(List<TagCondition> of) implements TagCondition {

        @Override
        public Optional<String> test(Facts f) {
            return cn.suifang.backend.common.Evidence.all(of, c -> c.test(f));
        }

        @Override
        public int windowDays() {
            return of.stream().mapToInt(TagCondition::windowDays).max().orElse(0);
        }
    }

    record Not(TagCondition of, String label) implements TagCondition {

        @Override
        public Optional<String> test(Facts f) {
            return of.test(f).isPresent() ? Optional.empty() : Optional.of(label);
        }

        @Override
        public int windowDays() {
            return of.windowDays();
        }
    }

    // ------------------------------------------------------------------ helpers

    private static boolean within(OffsetDateTime at, Facts f, int days) {
        return !at.toLocalDate().isBefore(f.today().minusDays(days)) && !at.isAfter(f.now());
    }

    private static Optional<Reading> latest(Facts f, ObservationCode code, int days) {
        return f.readings().stream().filter(r -> r.code() == code && within(r.at(), f, days))
                .max(Comparator.comparing(Reading::at));
    }

    private static Optional<Response> latestResponse(Facts f, String questionnaire, int days) {
        return f.responses().stream()
                .filter(r -> r.questionnaireCode().equals(questionnaire) && within(r.at(), f, days))
                .max(Comparator.comparing(Response::at));
    }

    private static String plain(BigDecimal v) {
        return v.stripTrailingZeros().toPlainString();
    }

    static String adherenceLabel(String code) {
        return switch (code) {
            case "GOOD" -> "好";
            case "PARTIAL" -> "一般（偶有漏服）";
            case "POOR" -> "差";
            case "STOPPED" -> "已停药";
            default -> code;
        };
    }

    // ------------------------------------------------------------------ parsing

    /** Parses and checks a condition; {@link IllegalArgumentException} with a Chinese message when it is wrong. */
    static TagCondition parse(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("条件应为 JSON 对象");
        }
        String type = text(node, "type");
        return switch (type) {
            case "reading" -> {
                Stat stat = stat(node);
                int last = integer(node, "last", stat == Stat.LATEST ? 1 : 3, 1, 20);
                yield new ReadingStat(code(node.get("code"), null), stat, last, Op.of(text(node, "op")),
                        number(node, "value"), window(node, "withinDays"));
            }
            case "bmi" -> new Bmi(Op.of(text(node, "op")), number(node, "value"), window(node, "withinDays"));
            case "score" -> new Score(text(node, "questionnaire"), Op.of(text(node, "op")), number(node, "value"),
                    window(node, "withinDays"));
            case "answer" -> new Answer(text(node, "questionnaire"), text(node, "item"), Op.of(text(node, "op")),
                    number(node, "value"), window(node, "withinDays"));
            case "adherence" -> {
                Set<String> values = strings(node, "values");
                Set<String> known = Set.of("GOOD", "PARTIAL", "POOR", "STOPPED");
                if (!known.containsAll(values)) {
                    throw new IllegalArgumentException("adherence 的 values 应为 GOOD、PARTIAL、POOR、STOPPED 中的一个或多个");
                }
                yield new Adherence(values, window(node, "withinDays"));
            }
            case "unreachable" -> new Unreachable(integer(node, "atLeast", -1, 1, 10), window(node, "withinDays"));
            case "overdue" -> new Overdue(integer(node, "atLeast", -1, 1, 50));
            case "noReading" -> {
                Set<ObservationCode> codes = strings(node, "codes").stream().map(c -> code(null, c))
                        .collect(Collectors.toUnmodifiableSet());
                yield new NoReading(codes, window(node, "days"));
            }
            case "any", "all" -> {
                JsonNode of = node.get("of");
                if (of == null || !of.isArray() || of.isEmpty()) {
                    throw new IllegalArgumentException(type + " 须有非空的 of 列表");
                }
                List<TagCondition> parts = new ArrayList<>();
                for (JsonNode child : of) {
                    parts.add(parse(child));
                }
                yield type.equals("any") ? new Any(List.copyOf(parts)) : new All(List.copyOf(parts));
            }
            case "not" -> new Not(parse(node.get("of")), text(node, "label"));
            case "risk" -> {
                String model = text(node, "model");
                if (!Set.of("CHINA_PAR", "CDRS").contains(model)) {
                    throw new IllegalArgumentException("risk 的 model 应为 CHINA_PAR 或 CDRS");
                }
                JsonNode c = node.get("category");
                Set<String> categories = c != null && c.isArray() ? strings(node, "category") : Set.of(text(node, "category"));
                yield new RiskCategory(model, categories);
            }
            default -> throw new IllegalArgumentException("未知的条件类型 " + type + "，应为 reading、bmi、score、answer、"
                    + "adherence、unreachable、overdue、noReading、risk、any、all 或 not");
        };
    }

    private static Stat stat(JsonNode node) {
        JsonNode v = node.get("stat");
        if (v == null) {
            return Stat.LATEST;
        }
        try {
            return Stat.valueOf(v.asString().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("stat 应为 latest、mean、max 或 min");
        }
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

    private static int integer(JsonNode node, String field, int absent, int min, int max) {
        JsonNode v = node.get(field);
        if (v != null && !v.isIntegralNumber()) {
            throw new IllegalArgumentException("条件的 " + field + " 应为整数");
        }
        int n = v == null ? absent : v.asInt();
        if (n < min || n > max) {
            throw new IllegalArgumentException("条件的 " + field + " 应在 " + min + "–" + max + " 之间");
        }
        return n;
    }

    private static int window(JsonNode node, String field) {
        return integer(node, field, -1, 1, 730);
    }

    private static Set<String> strings(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isArray() || v.isEmpty()) {
            throw new IllegalArgumentException("条件的 " + field + " 应为非空列表");
        }
        Set<String> out = new java.util.LinkedHashSet<>();
        for (JsonNode e : v) {
            out.add(e.asString());
        }
        return out;
    }

    private static ObservationCode code(JsonNode node, String fallback) {
        String code = node != null && node.isString() ? node.asString() : fallback;
        if (code == null) {
            throw new IllegalArgumentException("条件缺少 code");
        }
        try {
            return ObservationCode.valueOf(code);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("未知的指标编码 " + code);
        }
    }
}
