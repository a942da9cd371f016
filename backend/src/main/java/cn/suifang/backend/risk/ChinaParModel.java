package cn.suifang.backend.risk;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * China-PAR 10-year risk of atherosclerotic cardiovascular disease (ASCVD): Yang X, Li J, Hu D, et al. Predicting the
 * 10-Year Risks of Atherosclerotic Cardiovascular Disease in Chinese Population: The China-PAR Project. Circulation
 * 2016;134:1430–1440 (doi:10.1161/CIRCULATIONAHA.116.022367), sex-specific Cox equations:
 *
 * <pre>
 *   risk = 1 − S10 ^ exp(ΣβX − mean ΣβX)
 * </pre>
 *
 * <p>with ages, systolic blood pressure (SBP), total cholesterol (TC), HDL-C and waist circumference entered as
 * natural logarithms; TC and HDL-C in mg/dL (mg/dL = mmol/L ÷ 0.0259, the factor of the official calculator and of
 * the 2019 guideline's own conversions: 200 mg/dL = 5.18 mmol/L, 40 mg/dL = 1.04 mmol/L); binary terms 1 = yes
 * (smoking = current smoking; region 1 = north of the Yangtze; urban 1 = urban).
 *
 * <h2>Coefficients</h2>
 * <table>
 * <caption>Men (S10 = 0.9707, mean ΣβX = 140.68)</caption>
 * <tr><th>term</th><th>used here</th><th>printed (Suppl. Table 1)</th></tr>
 * <tr><td>ln(age)</td><td>31.96604</td><td>31.97</td></tr>
 * <tr><td>ln(untreated SBP)</td><td>26.14876</td><td>26.15</td></tr>
 * <tr><td>ln(TC)</td><td>0.62090</td><td>0.62</td></tr>
 * <tr><td>ln(HDL-C)</td><td>−0.69373</td><td>−0.69</td></tr>
 * <tr><td>ln(waist)</td><td>−0.71200</td><td>−0.71</td></tr>
 * <tr><td>current smoking</td><td>3.96</td><td>3.96</td></tr>
 * <tr><td>diabetes</td><td>0.36</td><td>0.36</td></tr>
 * <tr><td>north</td><td>0.48</td><td>0.48</td></tr>
 * <tr><td>urban</td><td>−0.16</td><td>−0.16</td></tr>
 * <tr><td>family history of ASCVD</td><td>6.22</td><td>6.22</td></tr>
 * <tr><td>ln(age) × ln(untreated SBP)</td><td>−5.73074</td><td>−5.73</td></tr>
 * <tr><td>ln(age) × current smoking</td><td>−0.94</td><td>−0.94</td></tr>
 * <tr><td>ln(age) × family history</td><td>−1.53</td><td>−1.53</td></tr>
 * </table>
 * <table>
 * <caption>Women (S10 = 0.9851, mean ΣβX = 117.26; urbanization and family history are not in the women's
 * equation)</caption>
 * <tr><th>term</th><th>used here</th><th>printed (Suppl. Table 1)</th></tr>
 * <tr><td>ln(age)</td><td>24.87</td><td>24.87</td></tr>
 * <tr><td>ln(untreated SBP)</td><td>19.98</td><td>19.98</td></tr>
 * <tr><td>ln(TC)</td><td>0.06</td><td>0.06</td></tr>
 * <tr><td>ln(HDL-C)</td><td>−0.22</td><td>−0.22</td></tr>
 * <tr><td>ln(waist)</td><td>1.48</td><td>1.48</td></tr>
 * <tr><td>current smoking</td><td>0.49</td><td>0.49</td></tr>
 * <tr><td>diabetes</td><td>0.57</td><td>0.57</td></tr>
 * <tr><td>north</td><td>0.54</td><td>0.54</td></tr>
 * <tr><td>ln(age) × ln(untreated SBP)</td><td>−4.36</td><td>−4.36</td></tr>
 * </table>
 *
 * <h2>Where each number comes from</h2>
 * <ul>
 * <li>The two-decimal coefficients, the means 140.68 / 117.26 and S10(men) = 0.9707: the paper's Supplemental
 * Tables 1–2, as transcribed in two independent public implementations that agree on every number they both carry:
 * a public C++ health-record project ({@code ASCVDCalculator.cpp}, which quotes "Supplemental Table 1"; it
 * ignores antihypertensive treatment and uses S10(women) 0.9904, both rejected here) and zwbao/longevity-skills
 * ({@code skills/china-par-ascvd-risk}, which cites the paper PDF on the official site and notes that BMC Cardiovasc
 * Disord 2020 and BMC Public Health 2020 reprint the same numbers).</li>
 * <li>Men's six continuous coefficients carry five decimals: the paper's Supplemental Table 1 worked example prints
 * its "coefficient × value" column from the unrounded coefficients (e.g. 31.97 × ln 60 would be 130.91, the table
 * prints 130.88); dividing each printed product by its value gives the figures above, each of which rounds back to
 * the printed coefficient (derivation by zwbao/longevity-skills, {@code references/contract.md}). With the two-decimal
 * values the paper's own 60-year-old example comes out 11.6 % instead of the printed 11.0 %, and the 2019 guideline's
 * example 5.1 % (中危) instead of 4.7 % (低危).</li>
 * <li>Women's S10 = 0.9851: the paper's Table 1 prints only 0.99 (and the C++ implementation uses 0.9904); neither
 * reproduces the paper's women's worked example (individual sum 119.22 → 10.1 %), which solves to 0.9851
 * (longevity-skills). 0.99 puts that example at 6.9 %.</li>
 * <li>Independent check of all of the above: 111 results of the China-PAR authors' official online calculator for
 * untreated people aged 35–74 (recorded with their inputs by original123/cardiovascular-risk-demo,
 * {@code docs/research/lifetime_fit_samples.jsonl} and {@code ideal_risk_samples.jsonl}). With the numbers used here
 * the mean absolute difference is 0.06 percentage points for women (55 results, largest 0.4) and 0.17 for men
 * (56 results, +2 % on average, largest 0.8). The two-decimal men's continuous coefficients give 0.54 (+7.5 %);
 * S10(women) 0.99 or 0.9904 gives 1.8–2.0 (−33 %). The binary coefficients agree with that project's own fit to the
 * calculator (men: smoking 3.976, diabetes 0.357, north 0.479, urban −0.163, family history 6.229, ln(age)×smoking
 * −0.944, ln(age)×family history −1.536; women: smoking 0.497, diabetes 0.571, north 0.546).</li>
 * </ul>
 *
 * <h2>Not implemented: antihypertensive treatment</h2>
 * The equations have separate coefficients for treated SBP (ln(treated SBP) and ln(age) × ln(treated SBP)). No
 * trustworthy public source carrying those printed values could be found (the C++ implementation ignores treatment;
 * longevity-skills does not publish them in a readable file). Rather than guess, a person on antihypertensive drugs
 * gets no number and a Chinese reason. Adding the two coefficients per sex to {@link Equation} is all it takes once
 * they are verified.
 *
 * <h2>Range and categories</h2>
 * Computed for ages 35–74 (the derivation cohort's range). SBP, TC, HDL-C and waist must lie in the ranges the
 * official calculator accepts (SBP 70–200 mmHg, TC 2–11 mmol/L, HDL-C 0.5–4 mmol/L, waist 50–130 cm; the 2019
 * guideline appendix: values outside the tool's ranges are not assessed). Categories per 中国心血管病风险评估和管理指南
 * (2019): &lt;5.0 % 低危, 5.0–9.9 % 中危, ≥10.0 % 高危, applied to the value as shown (one decimal, half up), so the
 * label always matches the printed number.
 */
public final class ChinaParModel {

    /** mmol/L × (1 / 0.0259) = mg/dL. */
    static final double MMOL_PER_MG_DL = 0.0259;
    static final int MIN_AGE = 35;
    static final int MAX_AGE = 74;

    static final String SEX = "性别";
    static final String AGE = "年龄";
    static final String SBP = "收缩压";
    static final String TREATMENT = "服用降压药";
    static final String TC = "总胆固醇";
    static final String HDL = "高密度脂蛋白胆固醇";
    static final String WAIST = "腰围";
    static final String SMOKER = "现在吸烟";
    static final String DIABETES = "糖尿病";
    static final String REGION = "居住地区（长江以北/以南）";
    static final String RESIDENCE = "城乡";
    static final String FAMILY_HISTORY = "心脑血管病家族史";

    static final Equation MEN = new Equation(31.96604, 26.14876, 0.62090, -0.69373, -0.71200, 3.96, 0.36, 0.48,
            -0.16, 6.22, -5.73074, -0.94, -1.53, 140.68, 0.9707);
    static final Equation WOMEN = new Equation(24.87, 19.98, 0.06, -0.22, 1.48, 0.49, 0.57, 0.54, 0.0, 0.0, -4.36,
            0.0, 0.0, 117.26, 0.9851);

    private ChinaParModel() {
    }

    /**
     * One sex's equation: the coefficients (untreated SBP only, see the class comment), the mean of ΣβX and the
     * 10-year baseline survival.
     */
    record Equation(double lnAge, double lnUntreatedSbp, double lnTc, double lnHdl, double lnWaist, double smoker,
            double diabetes, double north, double urban, double familyHistory, double lnAgeLnUntreatedSbp,
            double lnAgeSmoker, double lnAgeFamilyHistory, double meanXb, double baselineSurvival10) {
    }

    /** The model for one person; never throws for missing or out-of-range inputs, it says so in the result. */
    public static RiskResult evaluate(RiskInputs in) {
        Map<String, String> used = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        List<String> problems = new ArrayList<>();

        Sex sex = in.sex();
        if (sex == null) {
            missing.add(SEX);
        } else {
            used.put(SEX, sex.label());
        }
        if (in.ageYears() == null) {
            missing.add(AGE);
        } else {
            used.put(AGE, in.ageYears() + " 岁");
            if (in.ageYears() < MIN_AGE || in.ageYears() > MAX_AGE) {
                problems.add("年龄 " + in.ageYears() + " 岁不在 China-PAR 模型的适用范围（" + MIN_AGE + "–" + MAX_AGE
                        + " 岁）内，不计算。");
            }
        }
        measurement(in.systolicBp(), SBP, "mmHg", 70, 200, used, missing, problems);
        if (in.onAntihypertensiveTreatment() == null) {
            missing.add("是否" + TREATMENT);
        } else {
            used.put(TREATMENT, Shown.yesNo(in.onAntihypertensiveTreatment()));
            if (in.onAntihypertensiveTreatment()) {
                problems.add("正在服用降压药：China-PAR 对服药者使用单独的“治疗后收缩压”系数，该系数尚未能从可信的"
                        + "公开来源核实，为避免误算暂不计算，请使用 China-PAR 官方评估工具。");
            }
        }
        measurement(in.totalCholesterolMmol(), TC, "mmol/L", 2, 11, used, missing, problems);
        measurement(in.hdlCholesterolMmol(), HDL, "mmol/L", 0.5, 4, used, missing, problems);
        measurement(in.waistCm(), WAIST, "cm", 50, 130, used, missing, problems);
        flag(in.currentSmoker(), SMOKER, "是否吸烟", used, missing);
        flag(in.diabetes(), DIABETES, "是否患糖尿病", used, missing);
        if (in.region() == null) {
            missing.add(REGION);
        } else {
            used.put(REGION, in.region().label());
        }
        if (sex == Sex.MALE) {
            if (in.residence() == null) {
                missing.add(RESIDENCE);
            } else {
                used.put(RESIDENCE, in.residence().label());
            }
            flag(in.familyHistoryAscvd(), FAMILY_HISTORY, "是否有" + FAMILY_HISTORY, used, missing);
        }

        if (!missing.isEmpty()) {
            problems.add(0, "缺少必需的输入：" + String.join("、", missing) + "。缺失值不做推算，因此不给出结果。");
        }
        if (!problems.isEmpty()) {
            return RiskResult.notComputed(RiskModel.CHINA_PAR, "%", used, missing, problems);
        }

        double percent = 100.0 * tenYearRisk(sex, in.ageYears(), in.systolicBp(), in.totalCholesterolMmol(),
                in.hdlCholesterolMmol(), in.waistCm(), in.currentSmoker(), in.diabetes(), in.region() == Region.NORTH,
                in.residence() == Residence.URBAN, Boolean.TRUE.equals(in.familyHistoryAscvd()));
        BigDecimal shown = BigDecimal.valueOf(percent).setScale(1, RoundingMode.HALF_UP);
        Category category = Category.of(shown);
        return RiskResult.computed(RiskModel.CHINA_PAR, shown, "%", category.name(), category.label, null, used,
                Map.of());
    }

    /** ΣβX of one sex's equation, untreated SBP; lipids in mmol/L. */
    static double linearPredictor(Sex sex, int age, double sbp, double tcMmol, double hdlMmol, double waistCm,
            boolean smoker, boolean diabetes, boolean north, boolean urban, boolean familyHistory) {
        Equation e = sex == Sex.MALE ? MEN : WOMEN;
        double lnAge = Math.log(age);
        double lnSbp = Math.log(sbp);
        double sum = e.lnAge() * lnAge
                + e.lnUntreatedSbp() * lnSbp
                + e.lnTc() * Math.log(tcMmol / MMOL_PER_MG_DL)
                + e.lnHdl() * Math.log(hdlMmol / MMOL_PER_MG_DL)
                + e.lnWaist() * Math.log(waistCm)
                + e.lnAgeLnUntreatedSbp() * lnAge * lnSbp;
        if (smoker) {
            sum += e.smoker() + e.lnAgeSmoker() * lnAge;
        }
        if (diabetes) {
            sum += e.diabetes();
        }
        if (north) {
            sum += e.north();
        }
        if (sex == Sex.MALE) {
            if (urban) {
                sum += e.urban();
            }
            if (familyHistory) {
                sum += e.familyHistory() + e.lnAgeFamilyHistory() * lnAge;
            }
        }
        return sum;
    }

    /** The 10-year risk as a fraction (0–1), untreated SBP. */
    static double tenYearRisk(Sex sex, int age, double sbp, double tcMmol, double hdlMmol, double waistCm,
            boolean smoker, boolean diabetes, boolean north, boolean urban, boolean familyHistory) {
        Equation e = sex == Sex.MALE ? MEN : WOMEN;
        double sum = linearPredictor(sex, age, sbp, tcMmol, hdlMmol, waistCm, smoker, diabetes, north, urban,
                familyHistory);
        return 1.0 - Math.pow(e.baselineSurvival10(), Math.exp(sum - e.meanXb()));
    }

    private static void measurement(Double value, String label, String unit, double min, double max,
            Map<String, String> used, List<String> missing, List<String> problems) {
        if (!Shown.usable(value)) {
            missing.add(label);
            return;
        }
        used.put(label, Shown.number(value, unit));
        if (value < min || value > max) {
            problems.add(label + " " + Shown.number(value, unit) + " 超出 China-PAR 官方评估工具接受的范围（"
                    + Shown.number(min) + "–" + Shown.number(max) + " " + unit + "），不计算，请核对。");
        }
    }

    private static void flag(Boolean value, String label, String missingLabel, Map<String, String> used,
            List<String> missing) {
        if (value == null) {
            missing.add(missingLabel);
        } else {
            used.put(label, Shown.yesNo(value));
        }
    }

    /** 10-year risk categories of the 2019 Chinese guideline. */
    enum Category {
        LOW("低危"),
        MEDIUM("中危"),
        HIGH("高危");

        final String label;

        Category(String label) {
            this.label = label;
        }

        /** The category of a percentage as shown (one decimal). */
        static Category of(BigDecimal shownPercent) {
            if (shownPercent.compareTo(BigDecimal.valueOf(5)) < 0) {
                return LOW;
            }
            return shownPercent.compareTo(BigDecimal.TEN) < 0 ? MEDIUM : HIGH;
        }
    }
}
