package cn.suifang.backend.risk;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of one risk model for one person. Either {@link #complete()} with a value and a category, or not
 * computed: then {@link #value()}, {@link #categoryCode()} and {@link #categoryLabel()} are {@code null},
 * {@link #missingInputs()} names what is missing and {@link #reasons()} says in Chinese why no number is given.
 *
 * @param model which model
 * @param complete whether a value was computed
 * @param value China-PAR: 10-year risk in percent, one decimal (half up); CDRS: total points, an integer
 * @param unit "%" or "分"
 * @param categoryCode China-PAR: LOW / MEDIUM / HIGH; CDRS: HIGH / NOT_HIGH
 * @param categoryLabel the category in Chinese (低危 / 中危 / 高危; 高风险 / 未达高风险)
 * @param advice what the guideline recommends for this category, in Chinese; {@code null} when nothing specific
 * @param inputsUsed the inputs the model read, Chinese label → value as shown (with unit), in display order
 * @param points CDRS points per item (Chinese label → points); empty for China-PAR
 * @param missingInputs Chinese labels of required inputs that were not given
 * @param reasons why the result was not computed, in Chinese; empty when complete
 */
public record RiskResult(
        RiskModel model,
        boolean complete,
        BigDecimal value,
        String unit,
        String categoryCode,
        String categoryLabel,
        String advice,
        Map<String, String> inputsUsed,
        Map<String, Integer> points,
        List<String> missingInputs,
        List<String> reasons) {

    public RiskResult {
        Objects.requireNonNull(model, "model");
        inputsUsed = Collections.unmodifiableMap(new LinkedHashMap<>(inputsUsed));
        points = Collections.unmodifiableMap(new LinkedHashMap<>(points));
        missingInputs = List.copyOf(missingInputs);
        reasons = List.copyOf(reasons);
        if (complete && (value == null || categoryCode == null || !missingInputs.isEmpty() || !reasons.isEmpty())) {
            throw new IllegalArgumentException("a complete result has a value and a category and nothing missing");
        }
        if (!complete && (value != null || categoryCode != null || reasons.isEmpty())) {
            throw new IllegalArgumentException("a result not computed has no value and says why");
        }
    }

    static RiskResult computed(RiskModel model, BigDecimal value, String unit, String categoryCode,
            String categoryLabel, String advice, Map<String, String> inputsUsed, Map<String, Integer> points) {
        return new RiskResult(model, true, value, unit, categoryCode, categoryLabel, advice, inputsUsed, points,
                List.of(), List.of());
    }

    static RiskResult notComputed(RiskModel model, String unit, Map<String, String> inputsUsed,
            List<String> missingInputs, List<String> reasons) {
        return new RiskResult(model, false, null, unit, null, null, null, inputsUsed, Map.of(), missingInputs,
                reasons);
    }
}
