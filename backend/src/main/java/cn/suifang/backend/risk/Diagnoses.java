package cn.suifang.backend.risk;

import java.util.List;
import java.util.Optional;

/**
 * The diagnosis groups the risk models and the stage summaries' targets both turn on, defined once: established
 * ASCVD (coronary heart disease, ischaemic stroke, atherosclerosis of arteries) and diabetes, by ICD-10 prefix.
 */
public final class Diagnoses {

    private static final List<String> ASCVD = List.of("I20", "I21", "I22", "I23", "I24", "I25", "I63", "I70");
    private static final List<String> DIABETES = List.of("E10", "E11", "E12", "E13", "E14");

    private Diagnoses() {
    }

    /** The first diagnosis of established ASCVD, if any. */
    public static Optional<String> establishedAscvd(List<String> diagnoses) {
        return diagnoses.stream().filter(d -> ASCVD.stream().anyMatch(d::startsWith)).findFirst();
    }

    public static boolean diabetes(List<String> diagnoses) {
        return diagnoses.stream().anyMatch(d -> DIABETES.stream().anyMatch(d::startsWith));
    }
}
