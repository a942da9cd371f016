package cn.suifang.backend.support;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * WeCom's {@code message/send} (90236) on the {@link FakeWecom}: textcards to members, {@code invaliduser} with
 * errcode 0 for unknown members among known ones, 81013 when none is known, and — like the real platform — a
 * per-member limit whose excess is dropped <em>silently</em> (errcode 0, never delivered).
 */
public final class FakeWecomMessages {

    /** A delivered card. */
    public record Card(String toUser, String title, String description, String url, boolean duplicateCheck) {
    }

    private final Set<String> members;
    private final int perWindow;
    private final long windowMillis;
    private final List<Card> delivered = new ArrayList<>();
    private final Map<String, Deque<Long>> recent = new HashMap<>();
    private int dropped;

    private FakeWecomMessages(Set<String> members, int perWindow, long windowMillis) {
        this.members = members;
        this.perWindow = perWindow;
        this.windowMillis = windowMillis;
    }

    /**
     * @param windowMillis the member's window; the fake counts over a window a quarter second shorter, so the jitter
     *                     between our rate limiter's clock (Redis) and this one never reads as a breach
     */
    public static FakeWecomMessages install(FakeWecom wecom, Set<String> members, int perWindow, long windowMillis) {
        FakeWecomMessages fake = new FakeWecomMessages(members, perWindow, windowMillis - 250);
        wecom.on("/cgi-bin/message/send", r -> fake.send(r.body()));
        return fake;
    }

    private synchronized Object send(JsonNode body) {
        List<String> to = Arrays.asList(body.get("touser").asString().split("\\|"));
        List<String> invalid = to.stream().filter(u -> !members.contains(u)).toList();
        if (invalid.size() == to.size()) {
            return Map.of("errcode", 81013, "errmsg", "user & party & tag all invalid, hint: [1684833894235730688668522]",
                    "invaliduser", String.join("|", invalid));
        }
        JsonNode card = body.get("textcard");
        long now = System.currentTimeMillis();
        for (String user : to) {
            if (invalid.contains(user)) {
                continue;
            }
            Deque<Long> times = recent.computeIfAbsent(user, u -> new ArrayDeque<>());
            while (!times.isEmpty() && times.peekFirst() <= now - windowMillis) {
                times.pollFirst();
            }
            if (times.size() >= perWindow) {
                dropped++; // WeCom answers ok and never delivers
                continue;
            }
            times.addLast(now);
            delivered.add(new Card(user, card.get("title").asString(), card.get("description").asString(),
                    card.get("url").asString(), body.has("enable_duplicate_check") && body.get("enable_duplicate_check").asInt() == 1));
        }
        return FakeWecom.ok("invaliduser", String.join("|", invalid), "invalidparty", "", "invalidtag", "",
                "unlicenseduser", "", "msgid", "msg" + delivered.size(), "response_code", "xyzxyz");
    }

    public synchronized List<Card> delivered() {
        return List.copyOf(delivered);
    }

    /** Messages WeCom accepted but dropped because the member's limit was exceeded. */
    public synchronized int dropped() {
        return dropped;
    }
}
