package cn.suifang.backend.risk;

/** Urban or rural residence (China-PAR "urbanization"; a term of the men's equation only). */
public enum Residence {
    URBAN("城市"),
    RURAL("农村");

    private final String label;

    Residence(String label) {
        this.label = label;
    }

    /** The Chinese label shown to doctors. */
    public String label() {
        return label;
    }
}
