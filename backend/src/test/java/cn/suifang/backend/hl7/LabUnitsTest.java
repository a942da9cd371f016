package cn.suifang.backend.hl7;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.suifang.backend.observation.ObservationCode;
import java.math.BigDecimal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Laboratory units the way hospitals send them, against values worked out by hand from the molar masses. */
class LabUnitsTest {

    @ParameterizedTest(name = "{0} {1} {2} → {3}")
    @CsvSource({
            "FPG, 126, mg/dL, 6.99",          // the diabetes threshold: 126 mg/dL = 7.0 mmol/L
            "FPG, 7.0, mmol/L, 7.0",
            "PPG, 200, MG/DL, 11.10",
            "TC, 200, mg/dL, 5.17",
            "LDL_C, 100, mg/dl, 2.59",
            "TG, 150, mg/dL, 1.69",
            "CREATININE, 1.0, mg/dL, 88",
            "CREATININE, 88, μmol/L, 88",
            "CREATININE, 88, µmol/L, 88",
            "HBA1C, 53, mmol/mol, 7.00",      // IFCC 53 mmol/mol = NGSP 7.0 %
            "HBA1C, 6.5, %, 6.5",
            "NT_PROBNP, 450, ng/L, 450"})
    void convertsToTheCanonicalUnit(ObservationCode code, String value, String unit, String expected) {
        assertThat(LabUnits.toCanonical(code, new BigDecimal(value), unit)).isEqualByComparingTo(expected);
    }

    @ParameterizedTest(name = "{0} in {1} is refused")
    @CsvSource({"FPG, g/L", "LDL_C, %", "HBA1C, mg/dL", "WEIGHT, lb"})
    void unknownUnitsAreRefusedNotGuessed(ObservationCode code, String unit) {
        assertThatThrownBy(() -> LabUnits.toCanonical(code, BigDecimal.ONE, unit))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(unit);
    }
}
