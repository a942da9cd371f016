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

    /** {@code change_contact / delete_user}: the member left the corp (or was removed). */
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
