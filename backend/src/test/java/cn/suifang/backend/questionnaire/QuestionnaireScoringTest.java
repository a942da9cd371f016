package cn.suifang.backend.questionnaire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.observation.ObservationCode;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/** Scoring of the bundled scales against their published rules, and the checks every submission goes through. */
class QuestionnaireScoringTest {

    static Questionnaire load(String code) {
        try (InputStream in = QuestionnaireScoringTest.class.getResourceAsStream("/questionnaires/" + code.toLowerCase() + ".json")) {
            Questionnaire q = QuestionnaireCatalog.JSON.readValue(in, Questionnaire.class);
            q.validate();
            return q;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Answers that sum to {@code total} over {@code items} items of 0–3, spread from the first item. */
    static Map<String, Object> summingTo(int items, int total) {
        Map<String, Object> a = new HashMap<>();
        int left = total;
        for (int i = 1; i <= items; i++) {
            int v = Math.min(3, left);
            a.put("q" + i, v);
            left -= v;
        }
        assertThat(left).as("total reachable").isZero();
        return a;
    }

    @ParameterizedTest(name = "PHQ-9 total {0} → {1}")
    @CsvSource({"0,NONE", "4,NONE", "5,MILD", "9,MILD", "10,MODERATE", "14,MODERATE", "15,MODERATELY_SEVERE",
            "19,MODERATELY_SEVERE", "20,SEVERE", "27,SEVERE"})
    void phq9_bandsAt5_10_15_20(int total, String band) {
        Map<String, Object> answers = summingTo(9, total);
        if (total > 0) {
            answers.put("difficulty", 1);
        }
        Questionnaire.Scored s = load("PHQ9").score(answers);
        assertThat(s.score()).isEqualTo(total);
        assertThat(s.band().code()).isEqualTo(band);
    }

    @ParameterizedTest(name = "GAD-7 total {0} → {1}")
    @CsvSource({"0,NONE", "4,NONE", "5,MILD", "9,MILD", "10,MODERATE", "14,MODERATE", "15,SEVERE", "21,SEVERE"})
    void gad7_bandsAt5_10_15(int total, String band) {
        Map<String, Object> answers = summingTo(7, total);
        if (total > 0) {
            answers.put("difficulty", 0);
        }
        Questionnaire.Scored s = load("GAD7").score(answers);
        assertThat(s.score()).isEqualTo(total);
        assertThat(s.band().code()).isEqualTo(band);
    }

    @ParameterizedTest(name = "{0} total {1} positive={2}")
    @CsvSource({"PHQ2,2,false", "PHQ2,3,true", "PHQ2,6,true", "GAD2,2,false", "GAD2,3,true"})
    void twoItemScreens_positiveAtThree(String code, int total, boolean positive) {
        Questionnaire.Scored s = load(code).score(summingTo(2, total));
        assertThat(s.positive()).isEqualTo(positive);
        assertThat(s.band().code()).isEqualTo(positive ? "POSITIVE" : "NEGATIVE");
    }

    @Test
    void phq9_difficultyItemIsShownOnlyWhenSomethingWasTicked_andNotScored() {
        Questionnaire phq9 = load("PHQ9");
        assertThat(phq9.score(summingTo(9, 0)).score()).isZero();
        assertProblem(() -> phq9.score(withDifficulty(summingTo(9, 0), 2)), "SF-2602", "answers.difficulty");
        assertProblem(() -> phq9.score(summingTo(9, 3)), "SF-2603", "answers.difficulty");
        assertThat(phq9.score(withDifficulty(summingTo(9, 3), 3)).score()).isEqualTo(3);
    }

    @Test
    void everyScoredItemMustBeAnswered_noPartialTotals() {
        Map<String, Object> answers = summingTo(9, 0);
        answers.remove("q9");
        assertProblem(() -> load("PHQ9").score(answers), "SF-2603", "answers.q9");
    }

    @Test
    void valuesOutsideTheOptions_unknownItems_andWrongTypesAreRefused() {
        Map<String, Object> four = summingTo(7, 0);
        four.put("q1", 4);
        assertProblem(() -> load("GAD7").score(four), "SF-2607", "answers.q1");
        Map<String, Object> half = summingTo(7, 0);
        half.put("q2", 1.5);
        assertProblem(() -> load("GAD7").score(half), "SF-2607", "answers.q2");
        Map<String, Object> extra = summingTo(7, 0);
        extra.put("q8", 0);
        assertProblem(() -> load("GAD7").score(extra), "SF-2601", "answers.q8");
    }

    @Test
    void branching_pciChestPainFollowUpsOnlyAfterYes() {
        Questionnaire pci = load("PCI_SYMPTOM");
        Map<String, Object> noPain = new HashMap<>(Map.of("chestPain", 0, "punctureSite", 0, "antiplatelet", 0));
        assertThat(pci.score(noPain).answers()).containsOnlyKeys("chestPain", "punctureSite", "antiplatelet");
        Map<String, Object> painNoDetail = new HashMap<>(noPain);
        painNoDetail.put("chestPain", 1);
        assertProblem(() -> pci.score(painNoDetail), "SF-2603", "answers.painDuration");
        Map<String, Object> detailWithoutPain = new HashMap<>(noPain);
        detailWithoutPain.put("painDuration", 2);
        assertProblem(() -> pci.score(detailWithoutPain), "SF-2602", "answers.painDuration");
    }

    @Test
    void numericItemsAreReadings_checkedForPlausibility() {
        Questionnaire hf = load("HF_SELFCHECK");
        Map<String, Object> ok = new HashMap<>(Map.of("weight", 68.4, "breathless", 0, "orthopnea", 0, "oedema", 0,
                "fluid", 0, "medication", 0));
        Questionnaire.Scored s = hf.score(ok);
        assertThat(s.score()).isNull();
        assertThat(s.readings()).singleElement().satisfies(r -> {
            assertThat(r.code()).isEqualTo(ObservationCode.WEIGHT);
            assertThat(r.value()).isEqualByComparingTo(new BigDecimal("68.4"));
        });
        Map<String, Object> typo = new HashMap<>(ok);
        typo.put("weight", 684);
        assertProblem(() -> hf.score(typo), "SF-1602", "answers.weight");
    }

    @Test
    void multipleChoiceTakesAListOfOfferedOptions() {
        Questionnaire pci = load("PCI_SYMPTOM");
        Map<String, Object> a = new HashMap<>(Map.of("chestPain", 0, "punctureSite", 0, "antiplatelet", 0,
                "bleeding", List.of(3, 1, 3)));
        assertThat(pci.score(a).answers().get("bleeding")).isEqualTo(List.of(3, 1));
        a.put("bleeding", 3);
        assertProblem(() -> pci.score(a), "SF-2604", "answers.bleeding");
    }

    @Test
    void everyBundledQuestionnaireIsValidAndNoLicensedScaleIsBundled() throws Exception {
        var files = new PathMatchingResourcePatternResolver().getResources("classpath:questionnaires/*.json");
        assertThat(files).hasSizeGreaterThanOrEqualTo(7);
        for (var f : files) {
            Questionnaire q = QuestionnaireCatalog.JSON.readValue(f.getInputStream(), Questionnaire.class);
            q.validate();
            assertThat(q.code()).doesNotContainIgnoringCase("MMAS").doesNotContainIgnoringCase("SAQ")
                    .doesNotContainIgnoringCase("KCCQ").doesNotContainIgnoringCase("EQ5D");
            assertThat(q.licence()).isNotBlank();
        }
    }

    private static Map<String, Object> withDifficulty(Map<String, Object> a, int v) {
        a.put("difficulty", v);
        return a;
    }

    private static void assertProblem(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String code, String field) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.errors()).extracting(ApiException.FieldProblem::field).containsExactly(field);
        });
    }
}
