package cn.suifang.backend.security;

/** Staff roles. The clinical ones are also the roles pathway steps and care-team seats name. */
public enum Role {
    PHYSICIAN("医师", true),
    NURSE_COORDINATOR("随访护士", true),
    DIETITIAN("营养师", true),
    PSYCHOLOGIST("心理咨询师", true),
    REHAB_THERAPIST("康复治疗师", true),
    DEPARTMENT_HEAD("科室主任", true),
    ADMIN("系统管理员", false);

    private final String label;
    private final boolean clinical;

    Role(String label, boolean clinical) {
        this.label = label;
        this.clinical = clinical;
    }

    public String label() {
        return label;
    }

    /** May this role see patient data at all (subject to department / care-team scope)? */
    public boolean clinical() {
        return clinical;
    }
}
