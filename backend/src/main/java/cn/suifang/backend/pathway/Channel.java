package cn.suifang.backend.pathway;

/** How a follow-up contact happens. */
public enum Channel {
    PHONE("电话随访"),
    QUESTIONNAIRE("小程序问卷"),
    VISIT("门诊复诊");

    private final String label;

    Channel(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
