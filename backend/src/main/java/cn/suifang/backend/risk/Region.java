package cn.suifang.backend.risk;

/** Where the person lives, north or south of the Yangtze River (China-PAR "geographic region"). */
public enum Region {
    NORTH("北方"),
    SOUTH("南方");

    private final String label;

    Region(String label) {
        this.label = label;
    }

    /** The Chinese label shown to doctors. */
    public String label() {
        return label;
    }
}
