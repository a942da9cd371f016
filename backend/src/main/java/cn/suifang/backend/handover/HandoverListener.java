package cn.suifang.backend.handover;

import cn.suifang.backend.wecom.WecomContactListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * WeCom says a member left: their patients must not be left with nobody, so the handover runs before the contact sync
 * deactivates the account. A failed customer transfer reported by callback updates the transfer's row.
 */
@Component
@Order(0)
class HandoverListener implements WecomContactListener {

    private static final Logger log = LoggerFactory.getLogger(HandoverListener.class);

    private final DatabaseClient db;
    private final HandoverService handovers;
    private final CustomerTransferService transfers;

    HandoverListener(DatabaseClient db, HandoverService handovers, CustomerTransferService transfers) {
        this.db = db;
        this.handovers = handovers;
        this.transfers = transfers;
    }

    @Override
    public Mono<Void> memberDeleted(String userId) {
        return db.sql("SELECT id FROM staff WHERE wecom_user_id = :u").bind("u", userId)
                .map(r -> r.get(0, Long.class)).one()
                .flatMap(handovers::handOverDeparted)
                .doOnNext(id -> log.info("member left WeCom: handover {} done", id))
                .then();
    }

    @Override
    public Mono<Void> customerTransferFailed(String takeoverUserId, String externalUserId, String failReason) {
        return transfers.failed(takeoverUserId, externalUserId, failReason);
    }
}
