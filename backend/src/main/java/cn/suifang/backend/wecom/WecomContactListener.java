package cn.suifang.backend.wecom;

import java.util.List;
import reactor.core.publisher.Mono;

/**
 * What the WeCom callback endpoint and the contact sync tell the rest of Suifang. Implementations (contact sync,
 * handover) are Spring beans; the callback controller calls every one, in {@link org.springframework.core.annotation.Order}
 * order, and answers WeCom only after all completed, so a failure makes WeCom deliver the callback again.
 * Implementations must therefore be idempotent.
 */
public interface WecomContactListener {

    /**
     * {@code change_contact / create_user | update_user}: the member was added or edited (name, position, mobile,
     * departments…); the contact sync re-reads the member. Called before {@link #memberDepartmentsChanged}.
     */
    default Mono<Void> memberChanged(String userId) {
        return Mono.empty();
    }

    /** {@code change_contact / create_party | update_party | delete_party}: the department tree changed. */
    default Mono<Void> departmentsChanged() {
        return Mono.empty();
    }

    /**
     * {@code change_contact / delete_user}: the member left the corp (or was removed). The full contact sync calls
     * this too for a member who vanished from the directory. Handover runs first ({@code @Order(0)}), then the contact
     * sync deactivates the staff account ({@code @Order(10)}).
     */
    default Mono<Void> memberDeleted(String userId) {
        return Mono.empty();
    }

    /** {@code change_contact / update_user} with a new department list (ids are WeCom department ids). */
    default Mono<Void> memberDepartmentsChanged(String userId, List<Long> departmentIds) {
        return Mono.empty();
    }

    /**
     * {@code change_external_contact / transfer_fail}: the takeover of {@code externalUserId} by {@code takeoverUserId}
     * failed; {@code failReason} is {@code customer_refused} or {@code customer_limit_exceed}.
     */
    default Mono<Void> customerTransferFailed(String takeoverUserId, String externalUserId, String failReason) {
        return Mono.empty();
    }
}
