package cn.suifang.backend.hl7;

import cn.suifang.backend.observation.ObservationCode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;

/**
 * Laboratory values in the units hospitals send, converted to our canonical unit. Factors from the molar masses:
 * glucose 180.16 g/mol (mg/dL ÷ 18.016 = mmol/L), cholesterol 386.65 (÷ 38.67), triglycerides as triolein 885.7
 * (÷ 88.57), creatinine 113.12 (mg/dL × 88.42 = µmol/L); HbA1c IFCC mmol/mol to NGSP % by the master equation
 * (% = 0.09148 × IFCC + 2.152). A unit we do not know for the code is refused, never guessed.
 */
final class LabUnits {

    private static final MathContext MC = MathContext.DECIMAL64;

    private LabUnits() {
    }

    private record Factor(BigDecimal multiply, BigDecimal add) {
        static Factor times(String f) {
            return new Factor(new BigDecimal(f), BigDecimal.ZERO);
        }

        static Factor divide(String d) {
            return new Factor(BigDecimal.ONE.divide(new BigDecimal(d), MC), BigDecimal.ZERO);
        }
    }

    private static final Factor SAME = Factor.times("1");

    private static final Map<ObservationCode, Map<String, Factor>> FROM = Map.of(
            ObservationCode.FPG, Map.of("mmol/l", SAME, "mg/dl", Factor.divide("18.016")),
            ObservationCode.PPG, Map.of("mmol/l", SAME, "mg/dl", Factor.divide("18.016")),
            ObservationCode.TC, Map.of("mmol/l", SAME, "mg/dl", Factor.divide("38.67")),
            ObservationCode.LDL_C, Map.of("mmol/l", SAME, "mg/dl", Factor.divide("38.67")),
            ObservationCode.HDL_C, Map.of("mmol/l", SAME, "mg/dl", Factor.divide("38.67")),
            ObservationCode.TG, Map.of("mmol/l", SAME, "mg/dl", Factor.divide("88.57")),
            ObservationCode.CREATININE, Map.of("umol/l", SAME, "mg/dl", Factor.times("88.42")),
            ObservationCode.HBA1C, Map.of("%", SAME, "mmol/mol", new Factor(new BigDecimal("0.09148"), new BigDecimal("2.152"))),
            ObservationCode.NT_PROBNP, Map.of("pg/ml", SAME, "ng/l", SAME));

    /** The value in {@code code}'s canonical unit; {@link IllegalArgumentException} for a unit we cannot convert. */
    static BigDecimal toCanonical(ObservationCode code, BigDecimal value, String unit) {
        String u = normalise(unit);
        if (u.equals(normalise(code.unit()))) {
            return value;
        }
        Factor f = FROM.getOrDefault(code, Map.of()).get(u);
        if (f == null) {
            throw new IllegalArgumentException(code.label() + "的单位“" + (unit == null ? "" : unit) + "”无法换算为 " + code.unit());
        }
        BigDecimal converted = value.multiply(f.multiply(), MC).add(f.add());
        int scale = code == ObservationCode.CREATININE || code == ObservationCode.NT_PROBNP ? 0 : 2;
        return converted.setScale(scale, RoundingMode.HALF_UP);
    }

    static String normalise(String unit) {
        if (unit == null) {
            return "";
        }
        return unit.strip().toLowerCase(Locale.ROOT).replace(" ", "").replace("μ", "u").replace("µ", "u");
    }
}
