package cn.suifang.backend.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * China-PAR against numbers from outside this code: the paper's worked example and Table 2, the 2019 guideline's
 * worked example, outputs of the authors' official calculator, and vectors worked out here by hand from the
 * coefficient table (spelled out below, independently of {@link ChinaParModel}).
 */
class ChinaParModelTest {

    /** mg/dL → mmol/L with the factor the official calculator uses (mmol/L = mg/dL × 0.0259). */
    private static double mmol(double mgDl) {
        return mgDl * 0.0259;
    }

    private static RiskInputs.Builder person(Sex sex, int age, double sbp, double tcMgDl, double hdlMgDl, double waist,
            boolean smoker, boolean diabetes, Region region, Residence residence, boolean familyHistory) {
        return RiskInputs.builder().sex(sex).ageYears(age).systolicBp(sbp).onAntihypertensiveTreatment(false)
                .totalCholesterolMmol(mmol(tcMgDl)).hdlCholesterolMmol(mmol(hdlMgDl)).waistCm(waist)
                .currentSmoker(smoker).diabetes(diabetes).region(region).residence(residence)
                .familyHistoryAscvd(familyHistory);
    }

    /**
     * The paper's worked example (Supplemental Table 1 profile, risks by age in Table 2; numbers as quoted by
     * zwbao/longevity-skills references/contract.md): SBP 130 mmHg untreated, TC 210 mg/dL, HDL-C 55 mg/dL, waist
     * 80 cm, non-smoker, diabetes, north, urban, no family history. Paper: men 2.2 / 5.4 / 11.0 / 19.6 %, women
     * 2.4 / 5.4 / 10.1 / 17.1 % at 40 / 50 / 60 / 70. The unrounded coefficients land within 0.1 of every one of them
     * (the 60-year-old, the example itself, exactly); the exact values here are this table's own arithmetic.
     */
    @ParameterizedTest(name = "{0} {1} years: paper {2} %, here {3} %")
    @CsvSource({
        "MALE,   40,  2.2,  2.2",
        "MALE,   50,  5.4,  5.4",
        "MALE,   60, 11.0, 11.0",
        "MALE,   70, 19.6, 19.7",
        "FEMALE, 40,  2.4,  2.4",
        "FEMALE, 50,  5.4,  5.3",
        "FEMALE, 60, 10.1, 10.1",
        "FEMALE, 70, 17.1, 17.1",
    })
    void paperWorkedExampleByAge(Sex sex, int age, double paper, String expected) {
        RiskResult result = ChinaParModel.evaluate(
                person(sex, age, 130, 210, 55, 80, false, true, Region.NORTH, Residence.URBAN, false).build());

        assertThat(result.complete()).isTrue();
        assertThat(result.value()).isEqualByComparingTo(expected);
        assertThat(result.value().doubleValue()).isCloseTo(paper, within(0.1 + 1e-9));
    }

    @Test
    void paperWorkedExampleIndividualSums() {
        // Women: the paper prints the individual sum of its 60-year-old example, 119.22 (→ 10.1 %).
        assertThat(ChinaParModel.linearPredictor(Sex.FEMALE, 60, 130, mmol(210), mmol(55), 80, false, true, true, true,
                false)).isCloseTo(119.22, within(0.005));
        // Men: why the continuous coefficients carry five decimals. With the printed two-decimal ones the same man
        // sums to 142.11 and comes out 11.6 %, not the printed 11.0 %.
        double lnAge = Math.log(60);
        double lnSbp = Math.log(130);
        double printed = 31.97 * lnAge + 26.15 * lnSbp + 0.62 * Math.log(210) - 0.69 * Math.log(55)
                - 0.71 * Math.log(80) + 0.36 + 0.48 - 0.16 - 5.73 * lnAge * lnSbp;
        assertThat(100 * (1 - Math.pow(0.9707, Math.exp(printed - 140.68)))).isCloseTo(11.64, within(0.01));
        assertThat(100 * ChinaParModel.tenYearRisk(Sex.MALE, 60, 130, mmol(210), mmol(55), 80, false, true, true, true,
                false)).isCloseTo(11.04, within(0.01));
    }

    /**
     * 中国心血管病风险评估和管理指南 (2019), 附录 1 (Chinese Circulation Journal 2019;34(1):25): a 40-year-old man, north,
     * urban, waist 80 cm, TC 5.2 mmol/L, HDL-C 1.3 mmol/L, BP 145/80 mmHg, no antihypertensive drugs, no diabetes,
     * non-smoker, family history of cardiovascular disease: the official calculator gives 4.7 %, 低危. Here 4.9 %
     * (the two-decimal family-history terms), still 低危; the two-decimal men's coefficients would give 5.1 %, 中危.
     */
    @Test
    void guidelineWorkedExample() {
        RiskResult result = ChinaParModel.evaluate(RiskInputs.builder().sex(Sex.MALE).ageYears(40).region(Region.NORTH)
                .residence(Residence.URBAN).waistCm(80.0).totalCholesterolMmol(5.2).hdlCholesterolMmol(1.3)
                .systolicBp(145.0).onAntihypertensiveTreatment(false).diabetes(false).currentSmoker(false)
                .familyHistoryAscvd(true).build());

        assertThat(result.complete()).isTrue();
        assertThat(result.value()).isEqualByComparingTo("4.9");
        assertThat(result.value().doubleValue()).isCloseTo(4.7, within(0.2 + 1e-9));
        assertThat(result.categoryCode()).isEqualTo("LOW");
        assertThat(result.categoryLabel()).isEqualTo("低危");
        assertThat(result.unit()).isEqualTo("%");
        assertThat(result.inputsUsed()).containsExactly(
                entry("性别", "男"), entry("年龄", "40 岁"), entry("收缩压", "145 mmHg"), entry("服用降压药", "否"),
                entry("总胆固醇", "5.2 mmol/L"), entry("高密度脂蛋白胆固醇", "1.3 mmol/L"), entry("腰围", "80 cm"),
                entry("现在吸烟", "否"), entry("糖尿病", "否"), entry("居住地区（长江以北/以南）", "北方"),
                entry("城乡", "城市"), entry("心脑血管病家族史", "是"));
        assertThat(result.missingInputs()).isEmpty();
        assertThat(result.reasons()).isEmpty();
    }

    private static Map.Entry<String, String> entry(String key, String value) {
        return Map.entry(key, value);
    }

    /**
     * Outputs of the China-PAR authors' official calculator for untreated profiles, as recorded by
     * original123/cardiovascular-risk-demo (docs/research/lifetime_fit_samples.jsonl; lipids there in mg/dL). The
     * calculator shows one decimal and uses its own unpublished precision for the binary coefficients, so agreement
     * is to max(0.2 points, 3 %). Columns: sex, age, north, urban, waist, TC, HDL-C, SBP, diabetes, smoker, family
     * history, official %.
     */
    static Stream<Arguments> officialCalculator() {
        return Stream.of(
                Arguments.of(Sex.FEMALE, 41, false, true, 105, 240, 50, 105, false, false, false, 0.6),
                Arguments.of(Sex.FEMALE, 51, true, true, 90, 320, 125, 198, false, false, false, 10.7),
                Arguments.of(Sex.FEMALE, 53, true, false, 125, 220, 30, 90, true, false, false, 5.5),
                Arguments.of(Sex.FEMALE, 54, true, false, 115, 220, 100, 198, true, true, false, 41.6),
                Arguments.of(Sex.FEMALE, 47, true, false, 75, 200, 30, 198, false, false, true, 9.5),
                Arguments.of(Sex.FEMALE, 52, false, true, 105, 220, 60, 135, true, true, true, 9.4),
                Arguments.of(Sex.MALE, 46, true, true, 75, 280, 30, 90, false, false, true, 1.6),
                Arguments.of(Sex.MALE, 47, true, false, 125, 220, 30, 180, false, false, false, 14.0),
                Arguments.of(Sex.MALE, 40, true, true, 125, 380, 100, 198, true, false, false, 11.8),
                Arguments.of(Sex.MALE, 57, true, false, 55, 320, 100, 198, false, true, false, 29.7),
                Arguments.of(Sex.MALE, 38, true, false, 85, 90, 50, 198, true, false, true, 20.1),
                Arguments.of(Sex.MALE, 36, false, false, 115, 240, 22, 180, true, true, true, 31.9),
                Arguments.of(Sex.MALE, 39, false, true, 55, 280, 22, 145, true, true, true, 17.7));
    }

    @ParameterizedTest(name = "{0} {1} years: official {11} %")
    @MethodSource("officialCalculator")
    void agreesWithTheOfficialCalculator(Sex sex, int age, boolean north, boolean urban, double waist, double tc,
            double hdl, double sbp, boolean diabetes, boolean smoker, boolean familyHistory, double official) {
        RiskResult result = ChinaParModel.evaluate(person(sex, age, sbp, tc, hdl, waist, smoker, diabetes,
                north ? Region.NORTH : Region.SOUTH, urban ? Residence.URBAN : Residence.RURAL, familyHistory).build());

        assertThat(result.complete()).isTrue();
        assertThat(result.value().doubleValue()).isCloseTo(official, within(Math.max(0.2, 0.03 * official) + 1e-9));
    }

    /**
     * Vectors worked out by hand from the coefficient table (written out here, not read from the model): ΣβX, then
     * 1 − S10^exp(ΣβX − mean). The rounded values were computed separately (Python, same formula) and are literals.
     */
    @Nested
    class HandComputed {

        private static final double MMOL_PER_MG_DL = 0.0259;

        @Test
        void woman55SouthNonSmoker() {
            // 55-year-old woman, SBP 140 untreated, TC 5.0 mmol/L, HDL-C 1.2 mmol/L, waist 85 cm, no smoking, no
            // diabetes, south.
            double lnAge = Math.log(55);
            double lnSbp = Math.log(140);
            double sum = 24.87 * lnAge + 19.98 * lnSbp + 0.06 * Math.log(5.0 / MMOL_PER_MG_DL) - 0.22 * Math.log(1.2 / MMOL_PER_MG_DL)
                    + 1.48 * Math.log(85) - 4.36 * lnAge * lnSbp;
            double risk = 1 - Math.pow(0.9851, Math.exp(sum - 117.26));

            assertThat(sum).isCloseTo(118.1031679, within(1e-6));
            assertThat(ChinaParModel.tenYearRisk(Sex.FEMALE, 55, 140, 5.0, 1.2, 85, false, false, false, false, false))
                    .isCloseTo(risk, within(1e-12));
            RiskResult result = ChinaParModel.evaluate(RiskInputs.builder().sex(Sex.FEMALE).ageYears(55)
                    .systolicBp(140.0).onAntihypertensiveTreatment(false).totalCholesterolMmol(5.0)
                    .hdlCholesterolMmol(1.2).waistCm(85.0).currentSmoker(false).diabetes(false).region(Region.SOUTH)
                    .build());
            assertThat(result.value()).isEqualByComparingTo("3.4");
            assertThat(result.categoryLabel()).isEqualTo("低危");
        }

        @Test
        void man52SmokerSouthRural() {
            // 52-year-old man, SBP 150 untreated, TC 5.6, HDL-C 1.05 mmol/L, waist 92 cm, smoker, no diabetes, south,
            // rural, no family history.
            double lnAge = Math.log(52);
            double lnSbp = Math.log(150);
            double sum = 31.96604 * lnAge + 26.14876 * lnSbp + 0.62090 * Math.log(5.6 / MMOL_PER_MG_DL)
                    - 0.69373 * Math.log(1.05 / MMOL_PER_MG_DL) - 0.71200 * Math.log(92) + 3.96 - 0.94 * lnAge
                    - 5.73074 * lnAge * lnSbp;
            double risk = 1 - Math.pow(0.9707, Math.exp(sum - 140.68));

            assertThat(sum).isCloseTo(141.6649923, within(1e-6));
            assertThat(ChinaParModel.tenYearRisk(Sex.MALE, 52, 150, 5.6, 1.05, 92, true, false, false, false, false))
                    .isCloseTo(risk, within(1e-12));
            RiskResult result = ChinaParModel.evaluate(person(Sex.MALE, 52, 150, 5.6 / MMOL_PER_MG_DL, 1.05 / MMOL_PER_MG_DL, 92, true,
                    false, Region.SOUTH, Residence.RURAL, false).build());
            assertThat(result.value()).isEqualByComparingTo("7.7");
            assertThat(result.categoryCode()).isEqualTo("MEDIUM");
            assertThat(result.categoryLabel()).isEqualTo("中危");
        }

        @Test
        void man65DiabeticNorthRuralFamilyHistory() {
            // 65-year-old man, SBP 128 untreated, TC 4.8, HDL-C 1.3 mmol/L, waist 88 cm, non-smoker, diabetes, north,
            // rural, family history of ASCVD.
            double lnAge = Math.log(65);
            double lnSbp = Math.log(128);
            double sum = 31.96604 * lnAge + 26.14876 * lnSbp + 0.62090 * Math.log(4.8 / MMOL_PER_MG_DL)
                    - 0.69373 * Math.log(1.3 / MMOL_PER_MG_DL) - 0.71200 * Math.log(88) + 0.36 + 0.48 + 6.22 - 1.53 * lnAge
                    - 5.73074 * lnAge * lnSbp;
            double risk = 1 - Math.pow(0.9707, Math.exp(sum - 140.68));

            assertThat(sum).isCloseTo(142.2525274, within(1e-6));
            assertThat(ChinaParModel.tenYearRisk(Sex.MALE, 65, 128, 4.8, 1.3, 88, false, true, true, false, true))
                    .isCloseTo(risk, within(1e-12));
            RiskResult result = ChinaParModel.evaluate(person(Sex.MALE, 65, 128, 4.8 / MMOL_PER_MG_DL, 1.3 / MMOL_PER_MG_DL, 88, false,
                    true, Region.NORTH, Residence.RURAL, true).build());
            assertThat(result.value()).isEqualByComparingTo("13.4");
            assertThat(result.categoryCode()).isEqualTo("HIGH");
            assertThat(result.categoryLabel()).isEqualTo("高危");
        }
    }

    @Test
    void womenIgnoreUrbanizationAndFamilyHistory() {
        RiskInputs base = person(Sex.FEMALE, 60, 130, 210, 55, 80, false, true, Region.NORTH, Residence.URBAN, false)
                .build();
        RiskInputs other = base.toBuilder().residence(Residence.RURAL).familyHistoryAscvd(true).build();
        RiskInputs unknown = base.toBuilder().residence(null).familyHistoryAscvd(null).build();

        assertThat(ChinaParModel.evaluate(other).value()).isEqualByComparingTo(ChinaParModel.evaluate(base).value());
        RiskResult result = ChinaParModel.evaluate(unknown);
        assertThat(result.complete()).isTrue();
        assertThat(result.inputsUsed()).doesNotContainKeys("城乡", "心脑血管病家族史");
    }

    @Test
    void menUseUrbanizationSmokingAndFamilyHistory() {
        // The paper's 60-year-old man (11.0 %) with one binary term changed; ΣβX moves by +0.16 (rural),
        // 3.96 − 0.94 ln 60 (smoker), 6.22 − 1.53 ln 60 (family history). Values computed separately (Python).
        RiskInputs base = person(Sex.MALE, 60, 130, 210, 55, 80, false, true, Region.NORTH, Residence.URBAN, false)
                .build();

        assertThat(ChinaParModel.evaluate(base.toBuilder().residence(Residence.RURAL).build()).value())
                .isEqualByComparingTo("12.8");
        assertThat(ChinaParModel.evaluate(base.toBuilder().currentSmoker(true).build()).value())
                .isEqualByComparingTo("12.3");
        assertThat(ChinaParModel.evaluate(base.toBuilder().familyHistoryAscvd(true).build()).value())
                .isEqualByComparingTo("10.6");
    }

    @Nested
    class NotComputed {

        @Test
        void nothingKnownListsEveryRequiredInput() {
            RiskResult result = ChinaParModel.evaluate(RiskInputs.builder().build());

            assertThat(result.complete()).isFalse();
            assertThat(result.value()).isNull();
            assertThat(result.categoryCode()).isNull();
            assertThat(result.categoryLabel()).isNull();
            assertThat(result.missingInputs()).containsExactly("性别", "年龄", "收缩压", "是否服用降压药", "总胆固醇",
                    "高密度脂蛋白胆固醇", "腰围", "是否吸烟", "是否患糖尿病", "居住地区（长江以北/以南）");
            assertThat(result.reasons()).hasSize(1);
            assertThat(result.reasons().get(0)).startsWith("缺少必需的输入：性别、年龄、收缩压");
        }

        @Test
        void oneMissingLabIsNamedAndNoNumberGiven() {
            RiskResult result = ChinaParModel.evaluate(
                    person(Sex.MALE, 60, 130, 210, 55, 80, false, true, Region.NORTH, Residence.URBAN, false)
                            .totalCholesterolMmol(null).build());

            assertThat(result.complete()).isFalse();
            assertThat(result.value()).isNull();
            assertThat(result.missingInputs()).containsExactly("总胆固醇");
            assertThat(result.reasons()).containsExactly("缺少必需的输入：总胆固醇。缺失值不做推算，因此不给出结果。");
            assertThat(result.inputsUsed()).containsKey("高密度脂蛋白胆固醇").doesNotContainKey("总胆固醇");
        }

        @Test
        void menNeedUrbanizationAndFamilyHistory() {
            RiskResult result = ChinaParModel.evaluate(
                    person(Sex.MALE, 60, 130, 210, 55, 80, false, true, Region.NORTH, null, false)
                            .familyHistoryAscvd(null).build());

            assertThat(result.missingInputs()).containsExactly("城乡", "是否有心脑血管病家族史");
        }

        @Test
        void nonFiniteMeasurementCountsAsMissing() {
            RiskResult result = ChinaParModel.evaluate(
                    person(Sex.FEMALE, 60, 130, 210, 55, 80, false, true, Region.NORTH, null, false)
                            .waistCm(Double.NaN).build());

            assertThat(result.missingInputs()).containsExactly("腰围");
        }

        @ParameterizedTest(name = "age {0}: computed {1}")
        @CsvSource({"34, false", "35, true", "74, true", "75, false"})
        void ageRangeOfTheDerivationCohort(int age, boolean computed) {
            RiskResult result = ChinaParModel.evaluate(
                    person(Sex.MALE, age, 130, 210, 55, 80, false, true, Region.NORTH, Residence.URBAN, false).build());

            assertThat(result.complete()).isEqualTo(computed);
            if (!computed) {
                assertThat(result.value()).isNull();
                assertThat(result.missingInputs()).isEmpty();
                assertThat(result.reasons()).containsExactly(
                        "年龄 " + age + " 岁不在 China-PAR 模型的适用范围（35–74 岁）内，不计算。");
            }
        }

        @ParameterizedTest(name = "SBP {0}: computed {1}")
        @CsvSource({"69, false", "70, true", "200, true", "201, false"})
        void systolicPressureRangeOfTheOfficialCalculator(double sbp, boolean computed) {
            RiskResult result = ChinaParModel.evaluate(
                    person(Sex.FEMALE, 50, sbp, 210, 55, 80, false, false, Region.SOUTH, null, false).build());

            assertThat(result.complete()).isEqualTo(computed);
            if (!computed) {
                assertThat(result.reasons()).singleElement().asString().contains("超出 China-PAR 官方评估工具接受的范围");
            }
        }

        @Test
        void otherMeasurementRanges() {
            RiskInputs ok = person(Sex.FEMALE, 50, 130, 210, 55, 80, false, false, Region.SOUTH, null, false).build();

            assertThat(ChinaParModel.evaluate(ok.toBuilder().totalCholesterolMmol(11.5).build()).reasons())
                    .containsExactly("总胆固醇 11.5 mmol/L 超出 China-PAR 官方评估工具接受的范围（2–11 mmol/L），不计算，请核对。");
            assertThat(ChinaParModel.evaluate(ok.toBuilder().hdlCholesterolMmol(0.4).build()).complete()).isFalse();
            assertThat(ChinaParModel.evaluate(ok.toBuilder().waistCm(49.0).build()).complete()).isFalse();
            assertThat(ChinaParModel.evaluate(ok.toBuilder().waistCm(130.0).build()).complete()).isTrue();
            assertThat(ChinaParModel.evaluate(ok.toBuilder().totalCholesterolMmol(-5.0).build()).complete()).isFalse();
        }

        @Test
        void onAntihypertensiveTreatmentIsNotGuessed() {
            RiskResult result = ChinaParModel.evaluate(
                    person(Sex.MALE, 60, 130, 210, 55, 80, false, true, Region.NORTH, Residence.URBAN, false)
                            .onAntihypertensiveTreatment(true).build());

            assertThat(result.complete()).isFalse();
            assertThat(result.value()).isNull();
            assertThat(result.missingInputs()).isEmpty();
            assertThat(result.inputsUsed()).containsEntry("服用降压药", "是");
            assertThat(result.reasons()).singleElement().asString()
                    .startsWith("正在服用降压药").contains("治疗后收缩压").contains("暂不计算");
        }

        @Test
        void missingAndOutOfRangeAreBothReported() {
            RiskResult result = ChinaParModel.evaluate(RiskInputs.builder().sex(Sex.FEMALE).ageYears(80).build());

            assertThat(result.reasons()).hasSize(2);
            assertThat(result.reasons().get(0)).startsWith("缺少必需的输入：收缩压");
            assertThat(result.reasons().get(1)).contains("80 岁");
        }
    }

    @ParameterizedTest(name = "{0} % → {1}")
    @CsvSource({"0.0, LOW", "4.9, LOW", "5.0, MEDIUM", "9.9, MEDIUM", "10.0, HIGH", "45.3, HIGH"})
    void guidelineCategoriesOnTheValueAsShown(String percent, String category) {
        assertThat(ChinaParModel.Category.of(new BigDecimal(percent)).name()).isEqualTo(category);
    }
}
