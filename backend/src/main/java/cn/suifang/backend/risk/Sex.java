package cn.suifang.backend.risk;

/** Sex as the risk equations use it: both models have separate terms (China-PAR: separate equations) per sex. */
public enum Sex {
    MALE("男"),
    FEMALE("女");

    private final String label;

    Sex(String label) {
        this.label = label;
    }

    /** The Chinese label shown to doctors. */
    public String label() {
        return label;
    }
}
