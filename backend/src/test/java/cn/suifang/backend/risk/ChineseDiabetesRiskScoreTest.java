package cn.suifang.backend.risk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CDRS point table of 中国2型糖尿病防治指南 (2017/2020): every band edge, the 24/25 cut-off, and whole profiles
 * added up by hand. The whole-profile totals were also traced through the static scoring methods of an independent
 * implementation, xiefenghai/healix {@code CdrsAssessmentEngine} (scoreAge, scoreBmi, scoreWaist, scoreSbp, plus 6
 * for family history and 2 for men), which gives the same totals.
 */
class ChineseDiabetesRiskScoreTest {

    /** A 20-year-old woman who scores 0 on every item; each test changes one thing. */
    private static RiskInputs.Builder zeroWoman() {
        return RiskInputs.builder().sex(Sex.FEMALE).ageYears(20).bmi(18.0).waistCm(60.0).systolicBp(100.0)
                .familyHistoryDiabetes(false);
    }

    private static RiskResult score(RiskInputs.Builder inputs) {
        return ChineseDiabetesRiskScore.evaluate(inputs.build());
    }

    @Nested
    class WholeProfiles {

        @Test
        void middleAgedManWithFamilyHistory() {
            // 45-year-old man, 172 cm / 75 kg → BMI 75 / 1.72² = 25.35 → 25.4 (24.0–29.9: 3), waist 88 cm
            // (85.0–89.9: 7), SBP 135 (130–139: 6), a parent with diabetes (6); age 45–49: 12, male: 2.
            // 12 + 2 + 3 + 7 + 6 + 6 = 36 ≥ 25 → 高风险.
            RiskResult result = score(RiskInputs.builder().sex(Sex.MALE).ageYears(45).heightCm(172.0).weightKg(75.0)
                    .waistCm(88.0).systolicBp(135.0).familyHistoryDiabetes(true));

            assertThat(result.model()).isEqualTo(RiskModel.CDRS);
            assertThat(result.complete()).isTrue();
            assertThat(result.value()).isEqualByComparingTo("36");
            assertThat(result.value().scale()).isZero();
            assertThat(result.unit()).isEqualTo("分");
            assertThat(result.categoryCode()).isEqualTo("HIGH");
            assertThat(result.categoryLabel()).isEqualTo("高风险");
            assertThat(result.advice()).contains("OGTT");
            assertThat(result.points()).containsExactly(Map.entry("年龄", 12), Map.entry("性别", 2),
                    Map.entry("体重指数", 3), Map.entry("腰围", 7), Map.entry("收缩压", 6), Map.entry("糖尿病家族史", 6));
            assertThat(result.inputsUsed()).containsExactly(Map.entry("性别", "男"), Map.entry("年龄", "45 岁"),
                    Map.entry("体重指数", "25.4 kg/m²（由身高 172 cm、体重 75 kg 计算）"), Map.entry("腰围", "88 cm"),
                    Map.entry("收缩压", "135 mmHg"), Map.entry("糖尿病家族史", "是"));
            assertThat(result.missingInputs()).isEmpty();
            assertThat(result.reasons()).isEmpty();
        }

        @Test
        void youngWoman() {
            // 30-year-old woman: age 25–34: 4, BMI 21.0: 0, waist 72 cm (women 70.0–74.9: 3), SBP 118 (110–119: 1),
            // no family history: 0, female: 0 → 8 < 25.
            RiskResult result = score(RiskInputs.builder().sex(Sex.FEMALE).ageYears(30).bmi(21.0).waistCm(72.0)
                    .systolicBp(118.0).familyHistoryDiabetes(false));

            assertThat(result.value()).isEqualByComparingTo("8");
            assertThat(result.categoryCode()).isEqualTo("NOT_HIGH");
            assertThat(result.categoryLabel()).isEqualTo("未达高风险");
            assertThat(result.advice()).isNull();
        }

        @Test
        void highestAndLowestPossibleTotals() {
            // 65–74: 18, male: 2, BMI ≥30.0: 5, waist ≥95.0: 10, SBP ≥160: 10, family history: 6 → 51, the top of the
            // range the paper gives.
            assertThat(score(RiskInputs.builder().sex(Sex.MALE).ageYears(70).bmi(31.0).waistCm(100.0)
                    .systolicBp(170.0).familyHistoryDiabetes(true)).value()).isEqualByComparingTo("51");
            assertThat(score(zeroWoman()).value()).isEqualByComparingTo("0");
        }
    }

    @ParameterizedTest(name = "total {0}: {1}")
    @CsvSource({"21.9, 24, NOT_HIGH", "22.0, 25, HIGH"})
    void cutOffBetween24And25(double bmi, int total, String category) {
        // 50-year-old woman: 13 + BMI (0 or 1) + waist 75 cm (women 75.0–79.9: 5) + SBP 130 (6) + 0 + 0.
        RiskResult result = score(zeroWoman().ageYears(50).bmi(bmi).waistCm(75.0).systolicBp(130.0));

        assertThat(result.value().intValue()).isEqualTo(total);
        assertThat(result.categoryCode()).isEqualTo(category);
    }

    @ParameterizedTest(name = "age {0} → {1}")
    @CsvSource({"20, 0", "24, 0", "25, 4", "34, 4", "35, 8", "39, 8", "40, 11", "44, 11", "45, 12", "49, 12", "50, 13",
        "54, 13", "55, 15", "59, 15", "60, 16", "64, 16", "65, 18", "74, 18"})
    void ageBands(int age, int points) {
        RiskResult result = score(zeroWoman().ageYears(age));

        assertThat(result.points()).containsEntry("年龄", points);
        assertThat(result.value().intValue()).isEqualTo(points);
    }

    @ParameterizedTest(name = "BMI {0} → {1}")
    @CsvSource({"21.9, 0", "21.94, 0", "21.95, 1", "22.0, 1", "23.9, 1", "24.0, 3", "29.9, 3", "30.0, 5"})
    void bmiBandsOnTheValueRoundedToOneDecimal(double bmi, int points) {
        assertThat(score(zeroWoman().bmi(bmi)).points()).containsEntry("体重指数", points);
    }

    @Test
    void aBmiWithMoreDecimalsShowsTheValueItWasScoredAs() {
        assertThat(score(zeroWoman().bmi(21.95)).inputsUsed()).containsEntry("体重指数", "21.95 kg/m²（按 22.0 计分）");
        assertThat(score(zeroWoman().bmi(22.0)).inputsUsed()).containsEntry("体重指数", "22 kg/m²");
    }

    @ParameterizedTest(name = "{0} cm / {1} kg → BMI {2} → {3}")
    @CsvSource({"170, 63.4, 21.9, 0", "170, 63.55, 22.0, 1"})
    void bmiFromHeightAndWeight(double height, double weight, String shownBmi, int points) {
        // 63.4 / 1.7² = 21.94 → 21.9; 63.55 / 1.7² = 21.99 → 22.0.
        RiskResult result = score(zeroWoman().bmi(null).heightCm(height).weightKg(weight));

        assertThat(result.points()).containsEntry("体重指数", points);
        assertThat(result.inputsUsed().get("体重指数")).startsWith(shownBmi + " kg/m²（由身高");
    }

    @Test
    void anExplicitBmiWinsOverHeightAndWeight() {
        RiskResult result = score(zeroWoman().bmi(25.0).heightCm(170.0).weightKg(55.0));

        assertThat(result.points()).containsEntry("体重指数", 3);
        assertThat(result.inputsUsed()).containsEntry("体重指数", "25 kg/m²");
    }

    @ParameterizedTest(name = "man, waist {0} → {1}")
    @CsvSource({"74.9, 0", "75.0, 3", "75.1, 3", "79.9, 3", "79.95, 3", "80.0, 5", "84.9, 5", "85.0, 7", "89.9, 7",
        "90.0, 8", "94.9, 8", "95.0, 10", "120, 10"})
    void waistBandsMen(double waist, int points) {
        RiskResult result = score(zeroWoman().sex(Sex.MALE).waistCm(waist));

        assertThat(result.points()).containsEntry("腰围", points).containsEntry("性别", 2);
        assertThat(result.value().intValue()).isEqualTo(points + 2);
    }

    @ParameterizedTest(name = "woman, waist {0} → {1}")
    @CsvSource({"69.9, 0", "70.0, 3", "74.9, 3", "75.0, 5", "75.1, 5", "79.9, 5", "80.0, 7", "84.9, 7", "85.0, 8",
        "89.9, 8", "90.0, 10"})
    void waistBandsWomen(double waist, int points) {
        RiskResult result = score(zeroWoman().waistCm(waist));

        assertThat(result.points()).containsEntry("腰围", points).containsEntry("性别", 0);
    }

    @ParameterizedTest(name = "SBP {0} → {1}")
    @CsvSource({"109, 0", "110, 1", "119, 1", "119.5, 1", "120, 3", "129, 3", "130, 6", "139, 6", "140, 7", "149, 7",
        "150, 8", "159, 8", "160, 10", "190, 10"})
    void systolicPressureBands(double sbp, int points) {
        assertThat(score(zeroWoman().systolicBp(sbp)).points()).containsEntry("收缩压", points);
    }

    @Test
    void familyHistoryOfDiabetesAndSex() {
        assertThat(score(zeroWoman().familyHistoryDiabetes(true)).value()).isEqualByComparingTo("6");
        assertThat(score(zeroWoman().sex(Sex.MALE)).value()).isEqualByComparingTo("2");
    }

    @Nested
    class NotComputed {

        @Test
        void nothingKnownListsEveryRequiredInput() {
            RiskResult result = score(RiskInputs.builder());

            assertThat(result.complete()).isFalse();
            assertThat(result.value()).isNull();
            assertThat(result.categoryCode()).isNull();
            assertThat(result.points()).isEmpty();
            assertThat(result.missingInputs()).containsExactly("性别", "年龄", "体重指数（或身高和体重）", "腰围", "收缩压",
                    "糖尿病家族史（父母、兄弟姐妹、子女）");
            assertThat(result.reasons()).singleElement().asString().startsWith("缺少必需的输入：性别、年龄");
        }

        @Test
        void heightWithoutWeightIsNoBmi() {
            RiskResult result = score(zeroWoman().bmi(null).heightCm(165.0));

            assertThat(result.complete()).isFalse();
            assertThat(result.missingInputs()).containsExactly("体重指数（或身高和体重）");
        }

        @Test
        void missingWaistIsNotImputed() {
            RiskResult result = score(zeroWoman().ageYears(50).waistCm(null));

            assertThat(result.complete()).isFalse();
            assertThat(result.value()).isNull();
            assertThat(result.missingInputs()).containsExactly("腰围");
            assertThat(result.inputsUsed()).containsKeys("年龄", "体重指数", "收缩压").doesNotContainKey("腰围");
        }

        @ParameterizedTest(name = "age {0}")
        @CsvSource({"19", "75", "90"})
        void outsideAges20To74(int age) {
            RiskResult result = score(zeroWoman().ageYears(age));

            assertThat(result.complete()).isFalse();
            assertThat(result.value()).isNull();
            assertThat(result.reasons()).containsExactly(
                    "年龄 " + age + " 岁不在中国糖尿病风险评分的适用范围（20–74 岁）内，不计算。");
        }

        @Test
        void diagnosedDiabetesIsNotScreened() {
            RiskResult result = score(zeroWoman().diabetes(true));

            assertThat(result.complete()).isFalse();
            assertThat(result.reasons()).singleElement().asString().startsWith("已确诊糖尿病");
            assertThat(score(zeroWoman().diabetes(false)).complete()).isTrue();
        }

        @Test
        void implausibleMeasurementsAreQueried() {
            assertThat(score(zeroWoman().systolicBp(400.0)).reasons())
                    .containsExactly("收缩压 400 mmHg 不在可信范围（60–300 mmHg）内，请核对录入。");
            assertThat(score(zeroWoman().waistCm(-80.0)).complete()).isFalse();
            assertThat(score(zeroWoman().bmi(null).heightCm(17.0).weightKg(60.0)).reasons())
                    .containsExactly("身高 17 cm 不在可信范围（100–250 cm）内，请核对录入。");
            assertThat(score(zeroWoman().bmi(5.0)).complete()).isFalse();
        }
    }
}
