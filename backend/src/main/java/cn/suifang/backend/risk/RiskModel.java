package cn.suifang.backend.risk;

/** The risk models this package implements. */
public enum RiskModel {
    /** China-PAR 10-year ASCVD risk (Yang X et al., Circulation 2016;134:1430–1440). */
    CHINA_PAR("China-PAR 心血管病10年风险"),
    /** Chinese Diabetes Risk Score (Zhou X et al., Diabetes Care 2013;36:3944–3952). */
    CDRS("中国糖尿病风险评分");

    private final String label;

    RiskModel(String label) {
        this.label = label;
    }

    /** The Chinese name shown to doctors. */
    public String label() {
        return label;
    }
}
