package cn.suifang.backend.task;

import java.util.Set;

/** pending → in progress → completed | unreachable | refused | cancelled. Overdue is derived from dates. */
public enum TaskStatus {
    PENDING, IN_PROGRESS, COMPLETED, UNREACHABLE, REFUSED, CANCELLED;

    public static final Set<TaskStatus> OPEN = Set.of(PENDING, IN_PROGRESS);

    public boolean open() {
        return OPEN.contains(this);
    }
}
