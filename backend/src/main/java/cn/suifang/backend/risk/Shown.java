package cn.suifang.backend.risk;

import java.math.BigDecimal;

/** How input values are written in {@link RiskResult#inputsUsed()}: as entered, without trailing zeros. */
final class Shown {

    private Shown() {
    }

    static String number(double value) {
        BigDecimal plain = BigDecimal.valueOf(value).stripTrailingZeros();
        return (plain.scale() < 0 ? plain.setScale(0) : plain).toPlainString();
    }

    static String number(double value, String unit) {
        return number(value) + " " + unit;
    }

    static String yesNo(boolean value) {
        return value ? "是" : "否";
    }

    /** A value that can be taken as a measurement: present and finite. */
    static boolean usable(Double value) {
        return value != null && Double.isFinite(value);
    }
}
