package cn.suifang.backend.wecom;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import me.chanjar.weixin.cp.bean.external.WxCpUserTransferCustomerReq;
import me.chanjar.weixin.cp.bean.external.WxCpUserTransferResultResp;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * WeCom's customer transfer (客户继承) in Suifang's terms, so the handover never touches the SDK: start transfers
 * (在职继承 while the member is employed, 离职继承 after they left; ≤ 100 customers a call) and read their results page
 * by page.
 */
@Component
public class WecomCustomers {

    public static final int MAX_PER_CALL = 100;

    private final WecomClient wecom;

    WecomCustomers(WecomClient wecom) {
        this.wecom = wecom;
    }

    /** WeCom's answer for one customer when asked to start: errcode 0 = started. */
    public record Started(String externalUserId, int errcode) {
    }

    /** What transfer_result says of one customer. */
    public enum Status { COMPLETED, WAITING, REFUSED, LIMIT_REACHED, NO_RECORD }

    public record Result(String externalUserId, Status status, Instant takeoverAt) {
    }

    public record ResultPage(List<Result> results, String nextCursor) {
    }

    public boolean enabled() {
        return wecom.enabled();
    }

    /** Starts the transfer of up to 100 customers of {@code from} to {@code to}; {@code message} only for 在职继承. */
    public Mono<List<Started>> transfer(String from, String to, boolean resigned, List<String> customers, String message) {
        if (customers.size() > MAX_PER_CALL) {
            return Mono.error(new IllegalArgumentException("at most " + MAX_PER_CALL + " customers a call"));
        }
        WxCpUserTransferCustomerReq req = new WxCpUserTransferCustomerReq();
        req.setHandOverUserid(from);
        req.setTakeOverUserid(to);
        req.setExternalUserid(new ArrayList<>(customers));
        if (!resigned && message != null) {
            req.setTransferMsg(message);
        }
        String operation = resigned ? "externalcontact/resigned/transfer_customer" : "externalcontact/transfer_customer";
        return wecom.call(operation, s -> resigned
                        ? s.getExternalContactService().resignedTransferCustomer(req)
                        : s.getExternalContactService().transferCustomer(req))
                .map(resp -> resp.getCustomer() == null ? List.<Started>of() : resp.getCustomer().stream()
                        .map(c -> new Started(c.getExternalUserid(), c.getErrcode() == null ? 0 : c.getErrcode())).toList());
    }

    /** One page of transfer results of {@code from} → {@code to}; {@code cursor} null for the first. */
    public Mono<ResultPage> results(String from, String to, boolean resigned, String cursor) {
        String operation = resigned ? "externalcontact/resigned/transfer_result" : "externalcontact/transfer_result";
        return wecom.call(operation, s -> resigned
                        ? s.getExternalContactService().resignedTransferResult(from, to, cursor)
                        : s.getExternalContactService().transferResult(from, to, cursor))
                .map(resp -> new ResultPage(resp.getCustomer() == null ? List.of() : resp.getCustomer().stream()
                        .filter(c -> c.getStatus() != null && c.getExternalUserid() != null)
                        .map(c -> new Result(c.getExternalUserid(), status(c.getStatus()),
                                c.getTakeOverTime() == null || c.getTakeOverTime() == 0 ? null
                                        : Instant.ofEpochSecond(c.getTakeOverTime())))
                        .toList(), resp.getNextCursor()));
    }

    private static Status status(WxCpUserTransferResultResp.STATUS s) {
        return switch (s) {
            case COMPLETE -> Status.COMPLETED;
            case WAITING -> Status.WAITING;
            case REFUSED -> Status.REFUSED;
            case LIMIT -> Status.LIMIT_REACHED;
            case NORECORD -> Status.NO_RECORD;
        };
    }
}
