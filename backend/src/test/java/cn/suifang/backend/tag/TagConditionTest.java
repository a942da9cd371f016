package cn.suifang.backend.tag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.suifang.backend.observation.ObservationCode;
import cn.suifang.backend.tag.TagCondition.Facts;
import cn.suifang.backend.tag.TagCondition.Note;
import cn.suifang.backend.tag.TagCondition.Reading;
import cn.suifang.backend.tag.TagCondition.Response;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** Each condition type at its boundaries: the threshold, the window's first day, the enrolment period. */
class TagConditionTest {

    private static final OffsetDateTime NOW = OffsetDateTime.of(2026, 12, 6, 10, 0, 0, 0, ZoneOffset.ofHours(8));
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final List<Reading> readings = new ArrayList<>();
    private final List<Response> responses = new ArrayList<>();
    private final List<Note> notes = new ArrayList<>();
    private LocalDate enrolled = NOW.toLocalDate().minusDays(60);
    private int overdue;

    private static TagCondition parse(String json) {
        return TagCondition.parse(JSON.readTree(json));
    }

    private Optional<String> test(String json) {
        return parse(json).test(new Facts(NOW, NOW.toLocalDate(), List.of("I10"), List.of("HTN"), enrolled,
                readings, responses, notes, overdue, java.util.Map.of()));
    }

    private void reading(ObservationCode code, String value, int daysAgo, String source) {
        readings.add(new Reading(code, new BigDecimal(value), NOW.minusDays(daysAgo), source));
    }

    private static final String SBP_MEAN = """
            {"type":"reading","code":"SBP","stat":"mean","last":3,"op":">=","value":140,"withinDays":30}""";

    @Test
    void meanOfTheLastThreeMeetsTheThresholdExactly_andOneTenthBelowDoesNot() {
        reading(ObservationCode.SBP, "150", 1, "PATIENT");
        reading(ObservationCode.SBP, "140", 2, "PATIENT");
        reading(ObservationCode.SBP, "130", 3, "PATIENT");
        reading(ObservationCode.SBP, "90", 4, "PATIENT"); // the fourth most recent is not in the mean
        assertThat(test(SBP_MEAN)).hasValueSatisfying(r -> assertThat(r).contains("均值 140").contains("3次").contains("≥ 140"));

        readings.set(2, new Reading(ObservationCode.SBP, new BigDecimal("129.7"), NOW.minusDays(3), "PATIENT"));
        assertThat(test(SBP_MEAN)).as("mean 139.9").isEmpty();
    }

    @Test
    void aReadingExactlyWithinDaysAgoCounts_oneDayOlderDoesNot() {
        reading(ObservationCode.SBP, "160", 30, "PATIENT");
        assertThat(test(SBP_MEAN)).isPresent();
        readings.clear();
        reading(ObservationCode.SBP, "160", 31, "PATIENT");
        assertThat(test(SBP_MEAN)).isEmpty();
    }

    @Test
    void latestUsesOnlyTheNewestReading() {
        String hba1c = """
                {"type":"reading","code":"HBA1C","op":">=","value":7,"withinDays":180}""";
        reading(ObservationCode.HBA1C, "8.1", 100, "LAB");
        reading(ObservationCode.HBA1C, "6.9", 10, "LAB");
        assertThat(test(hba1c)).isEmpty();
        reading(ObservationCode.HBA1C, "7.0", 2, "LAB");
        assertThat(test(hba1c)).hasValueSatisfying(r -> assertThat(r).startsWith("最近一次糖化血红蛋白").contains("7 %"));
    }

    @Test
    void bmiFromTheLatestWeightAndHeight_atTheChineseObesityCutOff() {
        String bmi = """
                {"type":"bmi","op":">=","value":28,"withinDays":365}""";
        reading(ObservationCode.HEIGHT, "170", 200, "QUESTIONNAIRE");
        reading(ObservationCode.WEIGHT, "80.8", 1, "PATIENT"); // 27.96 → 28.0 after rounding to one decimal
        assertThat(test(bmi)).hasValueSatisfying(r -> assertThat(r).contains("BMI 28 ").contains("身高 170 cm"));
        readings.set(1, new Reading(ObservationCode.WEIGHT, new BigDecimal("80.7"), NOW.minusDays(1), "PATIENT")); // 27.92
        assertThat(test(bmi)).isEmpty();
        readings.remove(0);
        readings.set(0, new Reading(ObservationCode.WEIGHT, new BigDecimal("120"), NOW.minusDays(1), "PATIENT"));
        assertThat(test(bmi)).as("no height: no BMI").isEmpty();
    }

    @Test
    void noReadingNeedsTheFullEnrolmentPeriod_andCountsOnlySelfReportedReadings() {
        String json = """
                {"type":"noReading","codes":["SBP","FPG"],"days":14}""";
        enrolled = NOW.toLocalDate().minusDays(13);
        assertThat(test(json)).as("enrolled 13 days").isEmpty();
        enrolled = NOW.toLocalDate().minusDays(14);
        assertThat(test(json)).hasValueSatisfying(r -> assertThat(r).contains("入组后从未上报"));

        reading(ObservationCode.SBP, "120", 3, "LAB");
        reading(ObservationCode.SBP, "120", 3, "NOTE");
        assertThat(test(json)).as("readings staff took are not self-monitoring").isPresent();
        reading(ObservationCode.FPG, "6.1", 14, "PROXY");
        assertThat(test(json)).as("a family member's report 14 days ago counts").isEmpty();
        readings.set(2, new Reading(ObservationCode.FPG, new BigDecimal("6.1"), NOW.minusDays(15), "PROXY"));
        assertThat(test(json)).hasValueSatisfying(r -> assertThat(r).contains("上次 11月21日"));
    }

    @Test
    void unreachableCountsConsecutiveMisses_backToTheLastContact() {
        String json = """
                {"type":"unreachable","atLeast":2,"withinDays":60}""";
        notes.add(new Note("UNREACHABLE", null, NOW.minusDays(10)));
        notes.add(new Note("COMPLETED", "GOOD", NOW.minusDays(5)));
        notes.add(new Note("UNREACHABLE", null, NOW.minusDays(2)));
        assertThat(test(json)).as("a contact in between").isEmpty();
        notes.add(new Note("REFUSED", null, NOW.minusDays(1)));
        assertThat(test(json)).hasValueSatisfying(r -> assertThat(r).contains("连续 2 次").contains("12月5日"));
    }

    @Test
    void adherenceLooksAtTheLatestNoteThatRecordedIt() {
        String json = """
                {"type":"adherence","values":["POOR","STOPPED"],"withinDays":90}""";
        notes.add(new Note("COMPLETED", "POOR", NOW.minusDays(40)));
        assertThat(test(json)).hasValueSatisfying(r -> assertThat(r).contains("差"));
        notes.add(new Note("UNREACHABLE", null, NOW.minusDays(20)));
        assertThat(test(json)).as("a note without adherence changes nothing").isPresent();
        notes.add(new Note("COMPLETED", "GOOD", NOW.minusDays(10)));
        assertThat(test(json)).isEmpty();
    }

    @Test
    void answersAndScoresOfTheLatestResponseInTheWindow() {
        String smoker = """
                {"type":"answer","questionnaire":"LIFESTYLE","item":"smoking","op":"=","value":2,"withinDays":365}""";
        String mood = """
                {"type":"score","questionnaire":"PHQ9","op":">=","value":10,"withinDays":90}""";
        responses.add(new Response("LIFESTYLE", null, Map.of("smoking", 2), NOW.minusDays(300)));
        responses.add(new Response("PHQ9", 10, Map.of(), NOW.minusDays(90)));
        assertThat(test(smoker)).isPresent();
        assertThat(test(mood)).hasValueSatisfying(r -> assertThat(r).contains("总分 10"));
        responses.add(new Response("LIFESTYLE", null, Map.of("smoking", 1), NOW.minusDays(3)));
        responses.add(new Response("PHQ9", 9, Map.of(), NOW.minusDays(1)));
        assertThat(test(smoker)).as("quit since").isEmpty();
        assertThat(test(mood)).isEmpty();
    }

    @Test
    void overdueAndCombinations() {
        String json = """
                {"type":"any","of":[{"type":"overdue","atLeast":2},{"type":"unreachable","atLeast":2,"withinDays":60}]}""";
        overdue = 1;
        assertThat(test(json)).isEmpty();
        overdue = 2;
        assertThat(test(json)).hasValue("2 个随访任务已过时间窗仍未完成");
        assertThat(test("""
                {"type":"not","of":{"type":"overdue","atLeast":2},"label":"无逾期"}""")).isEmpty();
    }

    @Test
    void mistakesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> parse("""
                {"type":"reading","code":"XYZ","op":">=","value":1,"withinDays":3}""")).hasMessageContaining("未知的指标编码 XYZ");
        assertThatThrownBy(() -> parse("""
                {"type":"reading","code":"SBP","op":">=","value":1}""")).hasMessageContaining("withinDays");
        assertThatThrownBy(() -> parse("""
                {"type":"reading","code":"SBP","stat":"median","op":">=","value":1,"withinDays":3}""")).hasMessageContaining("stat");
        assertThatThrownBy(() -> parse("""
                {"type":"adherence","values":["BAD"],"withinDays":3}""")).hasMessageContaining("GOOD");
        assertThatThrownBy(() -> parse("""
                {"type":"sometimes"}""")).hasMessageContaining("未知的条件类型");
        assertThatThrownBy(() -> parse("""
                {"type":"any","of":[]}""")).hasMessageContaining("非空");
    }
}
