package cn.suifang.miniapp.port;

import cn.suifang.miniapp.Caller;
import java.time.OffsetDateTime;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * Mini-program accounts and their bindings to patients, implemented by the host (the backend). A binding is the only
 * way from a WeChat account to a patient's data: the patient's own (SELF), or a family member's (PROXY), which acts
 * only after the patient consented — in their own mini-program, or to staff by phone.
 */
public interface MiniappAccounts {

    /** The account of this openid (created on first sign-in) and a session token for it. */
    Mono<SignedIn> signIn(String openid);

    record SignedIn(long accountId, String token, int activeBindings) {
    }

    /** The account of the current request's session; a 401/403 problem when the caller has none. */
    Mono<Long> currentAccount();

    /** The account's openid, for WeChat calls that need it (content security). */
    Mono<String> openid(long accountId);

    /** The account's bindings (patients masked) and the proxy requests waiting for this account's consent. */
    Mono<Bindings> bindings(long accountId);

    record Bindings(List<BindingView> mine, List<BindingView> awaitingMyConsent) {
    }

    record BindingView(long id, String kind, String relation, String relationLabel, String status, String statusLabel,
                       String patientName, String departmentName, OffsetDateTime createdAt) {
    }

    /**
     * Binds the account to the discharged patient with this (WeChat-verified) phone number, if the second fact — the
     * name or the last four characters of the ID-card number — matches. Any mismatch answers the same refusal, so
     * nothing is learnt about who is or is not a patient.
     */
    Mono<BindingView> bindSelf(long accountId, String phone, String name, String idCardLast4);

    /** A family member asks to act for the patient identified by phone, name and ID-card tail: PENDING until consent. */
    Mono<BindingView> requestProxy(long accountId, String patientPhone, String name, String idCardLast4, String relation);

    /** The patient (their SELF binding on this account) consents to a family member's request. */
    Mono<BindingView> approveProxy(long accountId, long proxyBindingId);

    /** Ends a binding of this account (the patient may also end a proxy's binding to them). */
    Mono<Void> unbind(long accountId, long bindingId);

    /**
     * Records what the user answered to {@code wx.requestSubscribeMessage} for one of our templates ({@code kind}
     * REMINDER or ADVICE): an accepted one-time subscription is one message we may send; {@code longTerm} keeps it open.
     */
    Mono<Subscription> subscribe(long accountId, String kind, boolean accepted, boolean longTerm);

    record Subscription(String template, int credits, boolean longTerm) {
    }

    /** The caller acting through one of the account's ACTIVE bindings (the only one when {@code bindingId} is null). */
    Mono<Caller> caller(long accountId, Long bindingId);
}
