package cn.suifang.backend.risk;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * 中国糖尿病风险评分 (Chinese Diabetes Risk Score, CDRS): Zhou X, Qiao Q, Ji L, et al. Nonlaboratory-based risk
 * assessment algorithm for undiagnosed type 2 diabetes developed on a nation-wide diabetes survey. Diabetes Care
 * 2013;36:3944–3952 (the "New Chinese Diabetes Risk Score"), as the point table printed in 中国2型糖尿病防治指南
 * (2017 and 2020 editions) for people aged 20–74. Total 0–51; ≥25 → high risk, an OGTT is recommended.
 *
 * <h2>Points</h2>
 * <table>
 * <caption>Point table</caption>
 * <tr><th>item</th><th>band → points</th></tr>
 * <tr><td>age (years)</td><td>20–24 → 0; 25–34 → 4; 35–39 → 8; 40–44 → 11; 45–49 → 12; 50–54 → 13; 55–59 → 15;
 * 60–64 → 16; 65–74 → 18</td></tr>
 * <tr><td>BMI (kg/m²)</td><td>&lt;22.0 → 0; 22.0–23.9 → 1; 24.0–29.9 → 3; ≥30.0 → 5</td></tr>
 * <tr><td>waist, men (cm)</td><td>&lt;75.0 → 0; 75.0–79.9 → 3; 80.0–84.9 → 5; 85.0–89.9 → 7; 90.0–94.9 → 8;
 * ≥95.0 → 10</td></tr>
 * <tr><td>waist, women (cm)</td><td>&lt;70.0 → 0; 70.0–74.9 → 3; 75.0–79.9 → 5; 80.0–84.9 → 7; 85.0–89.9 → 8;
 * ≥90.0 → 10</td></tr>
 * <tr><td>SBP (mmHg)</td><td>&lt;110 → 0; 110–119 → 1; 120–129 → 3; 130–139 → 6; 140–149 → 7; 150–159 → 8;
 * ≥160 → 10</td></tr>
 * <tr><td>diabetes in a parent, sibling or child</td><td>no → 0; yes → 6</td></tr>
 * <tr><td>sex</td><td>female → 0; male → 2</td></tr>
 * </table>
 *
 * <h2>Where the numbers come from</h2>
 * Three independent public implementations that quote the guideline's table carry exactly these bands and points:
 * xiefenghai/healix ({@code CdrsAssessmentEngine.java}, "依据《中国2型糖尿病防治指南（2020）》评分表"), a Vue
 * screening page ({@code scoreAge/scoreBmi/scoreWaist/scoreSbp}, "中国糖尿病风险评分表适用于 20-74 岁") and a project
 * README that reprints the table ("适用于 20 - 74 岁普通人群，总分 0 - 51，≥ 25 分为高风险"). The maxima add up to the
 * 51 the paper's abstract gives as the top of the range (18 + 5 + 10 + 10 + 6 + 2), and its abstract names 25 as the
 * optimal cut-off. Implementations that disagree (points 1/3/6/9/12 for age, a waist in 市尺, family history 8) are
 * the 2010 Hong Kong score of Gao et al. or simplified tables, not this one.
 *
 * <h2>Band edges</h2>
 * The table prints one-decimal bands (79.9 / 80.0); bands are applied as half-open intervals on the value as entered
 * ([75, 80) → 3 for men), so a value between the printed edges such as 79.95 belongs to the lower band. BMI is first
 * rounded to one decimal (half up), because that is the value the table's bands and the doctor see; an explicit BMI
 * wins over height and weight.
 *
 * <h2>Not computed</h2>
 * Missing items, ages outside 20–74, diagnosed diabetes (the score screens for undiagnosed diabetes) and implausible
 * measurements (data-entry guards, not part of the score: height 100–250 cm, weight 20–300 kg, BMI 10–80, waist
 * 40–200 cm, SBP 60–300 mmHg).
 */
public final class ChineseDiabetesRiskScore {

    static final int MIN_AGE = 20;
    static final int MAX_AGE = 74;
    static final int HIGH_RISK_POINTS = 25;

    static final String SEX = "性别";
    static final String AGE = "年龄";
    static final String BMI = "体重指数";
    static final String WAIST = "腰围";
    static final String SBP = "收缩压";
    static final String FAMILY_HISTORY = "糖尿病家族史";

    private static final int[] AGE_LOWER = {20, 25, 35, 40, 45, 50, 55, 60, 65};
    private static final int[] AGE_POINTS = {0, 4, 8, 11, 12, 13, 15, 16, 18};
    private static final double[] BMI_LOWER = {22.0, 24.0, 30.0};
    private static final int[] BMI_POINTS = {0, 1, 3, 5};
    private static final double[] WAIST_LOWER_MEN = {75.0, 80.0, 85.0, 90.0, 95.0};
    private static final double[] WAIST_LOWER_WOMEN = {70.0, 75.0, 80.0, 85.0, 90.0};
    private static final int[] WAIST_POINTS = {0, 3, 5, 7, 8, 10};
    private static final double[] SBP_LOWER = {110, 120, 130, 140, 150, 160};
    private static final int[] SBP_POINTS = {0, 1, 3, 6, 7, 8, 10};

    private ChineseDiabetesRiskScore() {
    }

    /** The score for one person; never throws for missing or out-of-range inputs, it says so in the result. */
    public static RiskResult evaluate(RiskInputs in) {
        Map<String, String> used = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        List<String> problems = new ArrayList<>();

        if (Boolean.TRUE.equals(in.diabetes())) {
            problems.add("已确诊糖尿病：本评分用于筛查未诊断的2型糖尿病，不适用，不计算。");
        }
        Sex sex = in.sex();
        if (sex == null) {
            missing.add(SEX);
        } else {
            used.put(SEX, sex.label());
        }
        Integer age = in.ageYears();
        if (age == null) {
            missing.add(AGE);
        } else {
            used.put(AGE, age + " 岁");
            if (age < MIN_AGE || age > MAX_AGE) {
                problems.add("年龄 " + age + " 岁不在中国糖尿病风险评分的适用范围（" + MIN_AGE + "–" + MAX_AGE
                        + " 岁）内，不计算。");
            }
        }
        Double bmi = bmi(in, used, missing, problems);
        Double waist = measurement(in.waistCm(), WAIST, "cm", 40, 200, used, missing, problems);
        Double sbp = measurement(in.systolicBp(), SBP, "mmHg", 60, 300, used, missing, problems);
        if (in.familyHistoryDiabetes() == null) {
            missing.add(FAMILY_HISTORY + "（父母、兄弟姐妹、子女）");
        } else {
            used.put(FAMILY_HISTORY, Shown.yesNo(in.familyHistoryDiabetes()));
        }

        if (!missing.isEmpty()) {
            problems.add(0, "缺少必需的输入：" + String.join("、", missing) + "。缺失值不做推算，因此不给出结果。");
        }
        if (!problems.isEmpty()) {
            return RiskResult.notComputed(RiskModel.CDRS, "分", used, missing, problems);
        }

        Map<String, Integer> points = new LinkedHashMap<>();
        points.put(AGE, agePoints(age));
        points.put(SEX, sex == Sex.MALE ? 2 : 0);
        points.put(BMI, bmiPoints(bmi));
        points.put(WAIST, waistPoints(sex, waist));
        points.put(SBP, sbpPoints(sbp));
        points.put(FAMILY_HISTORY, in.familyHistoryDiabetes() ? 6 : 0);
        int total = points.values().stream().mapToInt(Integer::intValue).sum();
        boolean high = total >= HIGH_RISK_POINTS;
        return RiskResult.computed(RiskModel.CDRS, BigDecimal.valueOf(total), "分", high ? "HIGH" : "NOT_HIGH",
                high ? "高风险" : "未达高风险",
                high ? "总分≥25分，为糖尿病高风险，建议行口服葡萄糖耐量试验（OGTT）。" : null, used, points);
    }

    static int agePoints(int age) {
        if (age < MIN_AGE || age > MAX_AGE) {
            throw new IllegalArgumentException("the score covers ages 20-74, not " + age);
        }
        return AGE_POINTS[band(age, AGE_LOWER) - 1];
    }

    /** Points for a BMI already rounded to one decimal. */
    static int bmiPoints(double bmi) {
        return BMI_POINTS[band(bmi, BMI_LOWER)];
    }

    static int waistPoints(Sex sex, double waistCm) {
        return WAIST_POINTS[band(waistCm, sex == Sex.MALE ? WAIST_LOWER_MEN : WAIST_LOWER_WOMEN)];
    }

    static int sbpPoints(double sbp) {
        return SBP_POINTS[band(sbp, SBP_LOWER)];
    }

    /** How many lower bounds the value reaches: the index of its half-open band. */
    private static int band(double value, double[] lowerBounds) {
        int index = 0;
        while (index < lowerBounds.length && value >= lowerBounds[index]) {
            index++;
        }
        return index;
    }

    private static int band(int value, int[] lowerBounds) {
        int index = 0;
        while (index < lowerBounds.length && value >= lowerBounds[index]) {
            index++;
        }
        return index;
    }

    /** BMI rounded to one decimal, from the BMI given or from height and weight. */
    private static Double bmi(RiskInputs in, Map<String, String> used, List<String> missing, List<String> problems) {
        if (Shown.usable(in.bmi())) {
            return bmiWithin(in.bmi(), Shown.number(in.bmi(), "kg/m²"), used, problems);
        }
        if (!Shown.usable(in.heightCm()) || !Shown.usable(in.weightKg())) {
            missing.add(BMI + "（或身高和体重）");
            return null;
        }
        double height = in.heightCm();
        double weight = in.weightKg();
        boolean plausible = true;
        if (height < 100 || height > 250) {
            problems.add("身高 " + Shown.number(height, "cm") + " 不在可信范围（100–250 cm）内，请核对录入。");
            plausible = false;
        }
        if (weight < 20 || weight > 300) {
            problems.add("体重 " + Shown.number(weight, "kg") + " 不在可信范围（20–300 kg）内，请核对录入。");
            plausible = false;
        }
        if (!plausible) {
            used.put(BMI, "无法计算（身高 " + Shown.number(height, "cm") + "，体重 " + Shown.number(weight, "kg") + "）");
            return null;
        }
        double metres = height / 100.0;
        BigDecimal rounded = BigDecimal.valueOf(weight / (metres * metres)).setScale(1, RoundingMode.HALF_UP);
        return bmiWithin(rounded.doubleValue(), rounded.toPlainString() + " kg/m²（由身高 " + Shown.number(height, "cm")
                + "、体重 " + Shown.number(weight, "kg") + " 计算）", used, problems);
    }

    private static Double bmiWithin(double value, String shown, Map<String, String> used, List<String> problems) {
        BigDecimal oneDecimal = BigDecimal.valueOf(value).setScale(1, RoundingMode.HALF_UP);
        double rounded = oneDecimal.doubleValue();
        boolean roundedAway = oneDecimal.compareTo(BigDecimal.valueOf(value)) != 0;
        used.put(BMI, roundedAway && !shown.contains("计算") ? shown + "（按 " + oneDecimal.toPlainString() + " 计分）"
                : shown);
        if (rounded < 10 || rounded > 80) {
            problems.add("体重指数 " + Shown.number(value, "kg/m²") + " 不在可信范围（10–80 kg/m²）内，请核对录入。");
            return null;
        }
        return rounded;
    }

    private static Double measurement(Double value, String label, String unit, double min, double max,
            Map<String, String> used, List<String> missing, List<String> problems) {
        if (!Shown.usable(value)) {
            missing.add(label);
            return null;
        }
        used.put(label, Shown.number(value, unit));
        if (value < min || value > max) {
            problems.add(label + " " + Shown.number(value, unit) + " 不在可信范围（" + Shown.number(min) + "–"
                    + Shown.number(max) + " " + unit + "）内，请核对录入。");
            return null;
        }
        return value;
    }
}
