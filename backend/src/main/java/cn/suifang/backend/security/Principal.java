package cn.suifang.backend.security;

import cn.suifang.backend.common.ApiException;
import java.util.Set;

/**
 * Who is calling. Staff carry their hospital, department and roles; a patient principal (mini-program)
 * carries only the patient id. Never holds patient data, so it is safe to log its id.
 */
public record Principal(ActorType type, long id, long hospitalId, long departmentId, Set<Role> roles) {

    /**
     * STAFF (id: staff), PATIENT (id: patient — the patient themself, from the mini-program or demo login),
     * PROXY (id: the family member's patient_binding — acts for that binding's patient only), MINIAPP (id: the
     * mini-program account — a session that reaches a patient only through a binding), SYSTEM.
     */
    public enum ActorType { STAFF, PATIENT, PROXY, MINIAPP, SYSTEM }

    public static final Principal SYSTEM = new Principal(ActorType.SYSTEM, 0, 0, 0, Set.of());

    public boolean isStaff() {
        return type == ActorType.STAFF;
    }

    public boolean has(Role role) {
        return roles.contains(role);
    }

    public boolean clinical() {
        return isStaff() && roles.stream().anyMatch(Role::clinical);
    }

    public boolean head() {
        return isStaff() && roles.contains(Role.DEPARTMENT_HEAD);
    }

    /** For admin endpoints: the endpoint exists for everyone, so a missing role is a 403. */
    public Principal requireRole(Role role) {
        if (!isStaff() || !roles.contains(role)) {
            throw ApiException.forbidden(1101, "该操作需要" + role.label() + "权限");
        }
        return this;
    }

    public Principal requireStaff() {
        if (!isStaff()) {
            throw ApiException.forbidden(1102, "该操作仅限医护人员");
        }
        return this;
    }

    /** Audit actor id; null for the system. */
    public Long actorId() {
        return type == ActorType.SYSTEM ? null : id;
    }
}
