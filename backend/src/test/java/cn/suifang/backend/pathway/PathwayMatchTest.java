package cn.suifang.backend.pathway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PathwayMatchTest {

    private static PathwayService.Pathway pathway(String code, int priority, List<String> icd, List<String> proc, List<String> dept) {
        return new PathwayService.Pathway(1, code, 1, code, null, icd, proc, dept, List.of(), priority, "ACTIVE", null, List.of());
    }

    private final List<PathwayService.Pathway> active = List.of(
            pathway("PCI", 100, List.of(), List.of("36.06", "36.07", "00.66"), List.of()),
            pathway("HF", 90, List.of("I50", "I11.0"), List.of(), List.of()),
            pathway("T2DM", 50, List.of("E11"), List.of(), List.of()),
            pathway("HTN", 40, List.of("I10", "I11"), List.of(), List.of()),
            pathway("SURG", 10, List.of(), List.of(), List.of("GS")));

    private String match(List<String> dx, List<String> px, String dept) {
        return PathwayService.match(active, dx, px, dept).map(PathwayService.Pathway::code).orElse(null);
    }

    @Test
    void procedureBeatsDiagnosis_byPriority() {
        assertThat(match(List.of("I21.0", "I10", "E11.9"), List.of("36.07"), "CARD")).isEqualTo("PCI");
    }

    @Test
    void hypertensiveHeartFailure_goesToHeartFailureNotHypertension() {
        assertThat(match(List.of("I11.0"), List.of(), "CARD")).isEqualTo("HF");
    }

    @Test
    void diabetesWithHypertension_goesToDiabetes() {
        assertThat(match(List.of("E11.9", "I10"), List.of(), "ENDO")).isEqualTo("T2DM");
    }

    @Test
    void departmentOnlyPathway_matchesAnyDischargeOfThatDepartmentOnly() {
        assertThat(match(List.of("K80.1"), List.of("51.23"), "GS")).isEqualTo("SURG");
        assertThat(match(List.of("K80.1"), List.of("51.23"), "CARD")).isNull();
    }

    @Test
    void nationalClinicalExtensionCode_matchesByPrefix() {
        assertThat(match(List.of("I50.900x008"), List.of(), "CARD")).isEqualTo("HF");
    }

    @Test
    void nothingMatches_noPathway() {
        assertThat(match(List.of("J18.9"), List.of(), "RESP")).isNull();
    }

    @Test
    void aPathwayNamingTagsIsChosenOnlyForPatientsCarryingOne() {
        var intensive = new PathwayService.Pathway(2, "PCI_INTENSIVE", 1, "PCI 强化随访", null, List.of(),
                List.of("36.07"), List.of(), List.of("LOSS_RISK", "ASCVD_HIGH_RISK"), 110, "ACTIVE", null, List.of());
        List<PathwayService.Pathway> withIntensive = new java.util.ArrayList<>(active);
        withIntensive.add(intensive);
        assertThat(PathwayService.match(withIntensive, List.of("I21.0"), List.of("36.07"), "CARD", List.of("SMOKER"))
                .map(PathwayService.Pathway::code)).hasValue("PCI");
        assertThat(PathwayService.match(withIntensive, List.of("I21.0"), List.of("36.07"), "CARD", List.of("SMOKER", "LOSS_RISK"))
                .map(PathwayService.Pathway::code)).hasValue("PCI_INTENSIVE");
        assertThat(PathwayService.match(withIntensive, List.of("I21.0"), List.of("36.07"), "CARD")
                .map(PathwayService.Pathway::code)).as("a new patient has no tags yet").hasValue("PCI");
    }
}
