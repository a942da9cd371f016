package cn.suifang.backend.observation;

import java.math.BigDecimal;

/**
 * The indicators we track, each with its canonical unit and the range a real measurement can fall in.
 * The range catches typing slips (SBP 1400, weight 7.5 kg for an adult), not clinical abnormality:
 * abnormal-but-possible values are accepted and left to the alert rules.
 */
public enum ObservationCode {
    SBP("收缩压", "mmHg", "40", "300"),
    DBP("舒张压", "mmHg", "20", "200"),
    HR("心率", "次/分", "20", "250"),
    FPG("空腹血糖", "mmol/L", "1", "40"),
    PPG("餐后2小时血糖", "mmol/L", "1", "50"),
    HBA1C("糖化血红蛋白", "%", "3", "20"),
    LDL_C("低密度脂蛋白胆固醇", "mmol/L", "0.1", "15"),
    TC("总胆固醇", "mmol/L", "0.5", "25"),
    HDL_C("高密度脂蛋白胆固醇", "mmol/L", "0.1", "10"),
    TG("甘油三酯", "mmol/L", "0.1", "50"),
    WEIGHT("体重", "kg", "20", "300"),
    HEIGHT("身高", "cm", "100", "250"),
    WAIST("腰围", "cm", "40", "200"),
    SPO2("血氧饱和度", "%", "50", "100"),
    NT_PROBNP("NT-proBNP", "pg/mL", "5", "70000"),
    CREATININE("肌酐", "μmol/L", "10", "2000");

    private final String label;
    private final String unit;
    private final BigDecimal min;
    private final BigDecimal max;

    ObservationCode(String label, String unit, String min, String max) {
        this.label = label;
        this.unit = unit;
        this.min = new BigDecimal(min);
        this.max = new BigDecimal(max);
    }

    public String label() {
        return label;
    }

    public String unit() {
        return unit;
    }

    public boolean plausible(BigDecimal value) {
        return value.compareTo(min) >= 0 && value.compareTo(max) <= 0;
    }

    public String rangeText() {
        return min.toPlainString() + "–" + max.toPlainString() + " " + unit;
    }
}
