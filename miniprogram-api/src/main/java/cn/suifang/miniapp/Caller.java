package cn.suifang.miniapp;

/**
 * Who is acting in the mini-program, resolved from the session and the chosen binding: a WeChat account acting for one
 * patient, as the patient themself or as a family member (proxy). Every route works on {@code patientId} from here,
 * never on an id from the request, so nobody reaches another patient's data.
 */
public record Caller(long accountId, long bindingId, long patientId, boolean proxy) {
}
