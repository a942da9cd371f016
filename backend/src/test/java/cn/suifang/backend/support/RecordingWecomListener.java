package cn.suifang.backend.support;

import cn.suifang.backend.wecom.WecomContactListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.core.annotation.Order;
import reactor.core.publisher.Mono;

/** A listener in every test context that notes what WeCom's events were routed to, last in line. */
@Order(100)
public class RecordingWecomListener implements WecomContactListener {

    private final List<String> calls = new CopyOnWriteArrayList<>();
    private volatile RuntimeException failWith;

    public List<String> calls() {
        return List.copyOf(calls);
    }

    public void reset() {
        calls.clear();
        failWith = null;
    }

    /** The next calls fail, as a listener whose database is down would. */
    public void failWith(RuntimeException e) {
        failWith = e;
    }

    private Mono<Void> note(String call) {
        if (failWith != null) {
            return Mono.error(failWith);
        }
        calls.add(call);
        return Mono.empty();
    }

    @Override
    public Mono<Void> memberChanged(String userId) {
        return note("memberChanged " + userId);
    }

    @Override
    public Mono<Void> departmentsChanged() {
        return note("departmentsChanged");
    }

    @Override
    public Mono<Void> memberDeleted(String userId) {
        return note("memberDeleted " + userId);
    }

    @Override
    public Mono<Void> memberDepartmentsChanged(String userId, List<Long> departmentIds) {
        return note("memberDepartmentsChanged " + userId + " " + departmentIds);
    }

    @Override
    public Mono<Void> customerTransferFailed(String takeoverUserId, String externalUserId, String failReason) {
        return note("customerTransferFailed " + takeoverUserId + " " + externalUserId + " " + failReason);
    }
}
