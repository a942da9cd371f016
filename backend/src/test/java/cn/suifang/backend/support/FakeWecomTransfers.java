package cn.suifang.backend.support;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;

/**
 * WeCom's customer transfer on the {@link FakeWecom} (在职继承 96325 / 离职继承 96331, results 96333): at most 100
 * customers a call, a per-customer errcode (0 = started, e.g. 40096 = not the member's customer), and
 * {@code transfer_result} pages of {@link #PAGE} with {@code next_cursor}, each customer in the status the test set.
 */
public final class FakeWecomTransfers {

    public static final int PAGE = 2;

    private final Map<String, Integer> refuseToStart = new ConcurrentHashMap<>();
    private final Map<String, Integer> status = new ConcurrentHashMap<>();
    private final Map<String, Long> takeoverTime = new ConcurrentHashMap<>();
    private final List<String> started = new java.util.concurrent.CopyOnWriteArrayList<>();

    public static FakeWecomTransfers install(FakeWecom wecom) {
        FakeWecomTransfers fake = new FakeWecomTransfers();
        FakeWecom.Handler transfer = r -> fake.transfer(r.body());
        FakeWecom.Handler result = r -> fake.result(r.body());
        wecom.on("/cgi-bin/externalcontact/transfer_customer", transfer);
        wecom.on("/cgi-bin/externalcontact/resigned/transfer_customer", transfer);
        wecom.on("/cgi-bin/externalcontact/transfer_result", result);
        wecom.on("/cgi-bin/externalcontact/resigned/transfer_result", result);
        return fake;
    }

    /** WeCom will not start this customer's transfer: this errcode for them, errcode 0 for the call. */
    public FakeWecomTransfers refuse(String externalUserId, int errcode) {
        refuseToStart.put(externalUserId, errcode);
        return this;
    }

    /** What {@code transfer_result} says of the customer: 1 done, 2 waiting, 3 refused, 4 limit, 5 no record. */
    public FakeWecomTransfers result(String externalUserId, int statusCode, long takeoverEpochSeconds) {
        status.put(externalUserId, statusCode);
        takeoverTime.put(externalUserId, takeoverEpochSeconds);
        return this;
    }

    /** Customers whose transfer WeCom started, in order. */
    public List<String> started() {
        return List.copyOf(started);
    }

    private Object transfer(JsonNode body) {
        List<String> customers = new ArrayList<>();
        body.get("external_userid").forEach(n -> customers.add(n.asString()));
        if (customers.isEmpty() || customers.size() > 100) {
            return Map.of("errcode", 40058, "errmsg", "external_userid exceed max size 100");
        }
        if (body.get("handover_userid").asString().equals(body.get("takeover_userid").asString())) {
            return Map.of("errcode", 40097, "errmsg", "handover and takeover user is same");
        }
        List<Map<String, Object>> answers = new ArrayList<>();
        for (String c : customers) {
            int errcode = refuseToStart.getOrDefault(c, 0);
            if (errcode == 0) {
                started.add(c);
                status.putIfAbsent(c, 2);
            }
            answers.add(Map.of("external_userid", c, "errcode", errcode));
        }
        return FakeWecom.ok("customer", answers);
    }

    private Object result(JsonNode body) {
        List<String> known = started.stream().distinct().toList();
        int from = body.has("cursor") && !body.get("cursor").isNull() && !body.get("cursor").asString().isEmpty()
                ? Integer.parseInt(body.get("cursor").asString().substring(1)) : 0;
        List<Map<String, Object>> page = new ArrayList<>();
        for (int i = from; i < Math.min(from + PAGE, known.size()); i++) {
            String c = known.get(i);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("external_userid", c);
            row.put("status", status.getOrDefault(c, 5));
            row.put("takeover_time", takeoverTime.getOrDefault(c, 0L));
            page.add(row);
        }
        boolean more = from + PAGE < known.size();
        return FakeWecom.ok("customer", page, "next_cursor", more ? "c" + (from + PAGE) : "");
    }
}
