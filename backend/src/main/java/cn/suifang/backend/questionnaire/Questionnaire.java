package cn.suifang.backend.questionnaire;

import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.observation.ObservationCode;
import cn.suifang.backend.observation.ObservationService;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A questionnaire definition (JSON in {@code questionnaire.definition}): items with options, branching
 * ({@code showIf}), numeric items that are readings ({@code observation}), and scoring (a sum with published bands, or
 * none for forms that only feed rules). {@link #score} checks a submission against it the way a clinician would expect:
 * every shown item answered (unless optional), hidden items left out, only offered options, plausible numbers.
 */
public record Questionnaire(String code, int version, String title, String intro, String licence, List<Item> items,
                            Scoring scoring) {

    public enum ItemType { SINGLE, MULTI, NUMBER, TEXT }

    public record Option(int value, String label) {
    }

    /** Show the item when {@code item op value} holds for an earlier answer, or when any scored answer is above {@code anyScoredAbove}. */
    public record ShowIf(String item, String op, BigDecimal value, Integer anyScoredAbove) {
    }

    public record Item(String id, String text, ItemType type, List<Option> options, Boolean required, Boolean scored,
                       ShowIf showIf, String observation, Integer maxLength) {

        boolean mandatory() {
            return required == null || required;
        }

        boolean addsToScore() {
            return Boolean.TRUE.equals(scored);
        }

        List<Option> optionList() {
            return options == null ? List.of() : options;
        }
    }

    public record Band(int min, int max, String code, String label) {
    }

    public record Scoring(String method, List<Band> bands, Integer positiveAt) {
    }

    /** A checked submission: normalised answers, the total and band when scored, the readings it contains. */
    public record Scored(Map<String, Object> answers, Integer score, Band band, Boolean positive,
                         List<ObservationService.Reading> readings) {
    }

    /** Checks the definition itself (bundled or authored by the hospital); a message naming the problem otherwise. */
    public void validate() {
        if (code == null || !code.matches("[A-Z][A-Z0-9_]{1,31}") || version < 1 || title == null || title.isBlank()
                || licence == null || licence.isBlank() || items == null || items.isEmpty() || scoring == null) {
            throw new IllegalArgumentException("问卷须有编码、版本、标题、版权/授权说明、题目和计分方式");
        }
        Set<String> seen = new HashSet<>();
        for (Item item : items) {
            if (item.id() == null || item.text() == null || item.type() == null || !seen.add(item.id())) {
                throw new IllegalArgumentException("题目须有唯一的 id、题干和类型：" + item.id());
            }
            if ((item.type() == ItemType.SINGLE || item.type() == ItemType.MULTI) && item.optionList().isEmpty()) {
                throw new IllegalArgumentException("选择题须有选项：" + item.id());
            }
            if (item.observation() != null) {
                ObservationCode.valueOf(item.observation());
            }
            if (item.showIf() != null && item.showIf().item() != null && !seen.contains(item.showIf().item())) {
                throw new IllegalArgumentException("显示条件只能引用前面的题目：" + item.id());
            }
        }
        if ("SUM".equals(scoring.method()) && (scoring.bands() == null || scoring.bands().isEmpty())) {
            throw new IllegalArgumentException("计分问卷须有分级");
        }
    }

    /** Checks and scores {@code raw} (item id → JSON value); a 400 problem naming the item otherwise. */
    public Scored score(Map<String, Object> raw) {
        Map<String, Item> byId = new LinkedHashMap<>();
        items.forEach(i -> byId.put(i.id(), i));
        for (String id : raw.keySet()) {
            if (!byId.containsKey(id)) {
                throw ApiException.badRequest(2601, "answers." + id, "问卷中没有这道题：" + id);
            }
        }
        Map<String, Object> answers = new LinkedHashMap<>();
        List<ObservationService.Reading> readings = new ArrayList<>();
        int total = 0;
        for (Item item : items) {
            Object value = raw.get(item.id());
            String field = "answers." + item.id();
            boolean shown = shown(item, answers);
            if (!shown) {
                if (value != null) {
                    throw ApiException.badRequest(2602, field, "根据前面的回答，这道题不需要作答：" + item.text());
                }
                continue;
            }
            if (value == null) {
                if (item.mandatory()) {
                    throw ApiException.badRequest(2603, field, "请回答：" + item.text());
                }
                continue;
            }
            Object normalised = switch (item.type()) {
                case SINGLE -> option(item, value, field);
                case MULTI -> {
                    if (!(value instanceof List<?> list)) {
                        throw ApiException.badRequest(2604, field, "这道题可多选，请以列表提交：" + item.text());
                    }
                    List<Integer> chosen = new ArrayList<>();
                    for (Object v : list) {
                        Integer o = option(item, v, field);
                        if (!chosen.contains(o)) {
                            chosen.add(o);
                        }
                    }
                    yield List.copyOf(chosen);
                }
                case NUMBER -> {
                    BigDecimal n = number(value, field, item);
                    if (item.observation() != null) {
                        ObservationService.Reading r = new ObservationService.Reading(ObservationCode.valueOf(item.observation()), n, null);
                        ObservationService.check(field, field, r);
                        readings.add(r);
                    }
                    yield n;
                }
                case TEXT -> {
                    if (!(value instanceof String s)) {
                        throw ApiException.badRequest(2605, field, "请填写文字：" + item.text());
                    }
                    int max = item.maxLength() == null ? 500 : item.maxLength();
                    if (s.codePointCount(0, s.length()) > max) {
                        throw ApiException.badRequest(2606, field, "最多填写 " + max + " 字");
                    }
                    yield s.strip();
                }
            };
            answers.put(item.id(), normalised);
            if (item.addsToScore() && normalised instanceof Integer v) {
                total += v;
            }
        }
        if (!"SUM".equals(scoring.method())) {
            return new Scored(answers, null, null, null, readings);
        }
        int score = total;
        Band band = scoring.bands().stream().filter(b -> score >= b.min() && score <= b.max()).findFirst()
                .orElseThrow(() -> new IllegalStateException(code + " has no band for " + score));
        Boolean positive = scoring.positiveAt() == null ? null : score >= scoring.positiveAt();
        return new Scored(answers, score, band, positive, readings);
    }

    private boolean shown(Item item, Map<String, Object> earlier) {
        ShowIf s = item.showIf();
        if (s == null) {
            return true;
        }
        if (s.anyScoredAbove() != null) {
            return items.stream().filter(Item::addsToScore)
                    .map(i -> earlier.get(i.id()))
                    .anyMatch(v -> v instanceof Integer n && n > s.anyScoredAbove());
        }
        Object v = earlier.get(s.item());
        if (v == null) {
            return false;
        }
        List<BigDecimal> values = v instanceof List<?> list
                ? list.stream().map(x -> new BigDecimal(x.toString())).toList()
                : List.of(new BigDecimal(v.toString()));
        return values.stream().anyMatch(x -> {
            int c = x.compareTo(s.value());
            return switch (s.op()) {
                case "=" -> c == 0;
                case ">" -> c > 0;
                case ">=" -> c >= 0;
                case "<" -> c < 0;
                case "<=" -> c <= 0;
                default -> throw new IllegalStateException("bad showIf op " + s.op());
            };
        });
    }

    private static Integer option(Item item, Object value, String field) {
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            int v = n.intValue();
            if (item.optionList().stream().anyMatch(o -> o.value() == v)) {
                return v;
            }
        }
        throw ApiException.badRequest(2607, field, "请从给出的选项中选择：" + item.text());
    }

    private static BigDecimal number(Object value, String field, Item item) {
        try {
            if (value instanceof Number n) {
                return new BigDecimal(n.toString());
            }
            if (value instanceof String s) {
                return new BigDecimal(s.strip());
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw ApiException.badRequest(2608, field, "请填写数字：" + item.text());
    }
}
