package cn.suifang.backend.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Headers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The mini-program server API for tests, answering like api.weixin.qq.com (shared/fixtures/wecom/README.md): an access
 * token first, {@code wx.login} codes that work once (40029 unknown, 40163 used), phone-number codes whose watermark
 * names the app they were issued to, and the content-security check (v2), which flags text containing
 * {@link #RISKY}. One per JVM; {@link #reset()} before each test.
 */
public final class FakeWechat {

    public static final String APP_ID = "wxfake0000suifang";
    public static final String SECRET = "fake-miniapp-secret-0123456789abcdef";
    public static final String RISKY = "【违规】";
    public static final String REMINDER_TEMPLATE = "tmplReminder0000000000000000000000000000000";
    public static final String ADVICE_TEMPLATE = "tmplAdvice00000000000000000000000000000000";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static volatile FakeWechat shared;

    private final MockWebServer server = new MockWebServer();
    private final Map<String, String> loginCodes = new ConcurrentHashMap<>();
    private final Set<String> usedCodes = ConcurrentHashMap.newKeySet();
    private final Map<String, String[]> phoneCodes = new ConcurrentHashMap<>();
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private final AtomicInteger issued = new AtomicInteger();
    private final List<String> paths = new CopyOnWriteArrayList<>();
    private final List<JsonNode> sent = new CopyOnWriteArrayList<>();
    private final Set<String> refusing = ConcurrentHashMap.newKeySet();

    private FakeWechat() {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return answer(request);
            }
        });
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static synchronized FakeWechat shared() {
        if (shared == null) {
            shared = new FakeWechat();
        }
        return shared;
    }

    public String baseUrl() {
        String url = server.url("/").toString();
        return url.substring(0, url.length() - 1);
    }

    public void reset() {
        loginCodes.clear();
        usedCodes.clear();
        phoneCodes.clear();
        paths.clear();
        sent.clear();
        refusing.clear();
    }

    /** {@code wx.login} will have given this code to the user {@code openid}. */
    public FakeWechat loginCode(String code, String openid) {
        loginCodes.put(code, openid);
        return this;
    }

    /** The phone-number button gave this code for {@code phone}, issued to our app. */
    public FakeWechat phoneCode(String code, String phone) {
        return phoneCode(code, phone, APP_ID);
    }

    /** A phone code whose watermark names {@code appId} (another app's code replayed to us when not ours). */
    public FakeWechat phoneCode(String code, String phone, String appId) {
        phoneCodes.put(code, new String[] {phone, appId});
        return this;
    }

    /** Subscribe messages WeChat accepted, oldest first (the JSON bodies). */
    public List<JsonNode> sent() {
        return List.copyOf(sent);
    }

    /** From now on this user has no consent for any template: sends answer 43101. */
    public FakeWechat refuse(String openid) {
        refusing.add(openid);
        return this;
    }

    public List<String> paths() {
        return List.copyOf(paths);
    }

    private MockResponse answer(RecordedRequest recorded) {
        var url = recorded.getUrl();
        Map<String, String> query = new HashMap<>();
        for (String name : url.queryParameterNames()) {
            if (!name.isEmpty() && url.queryParameter(name) != null) {
                query.put(name, url.queryParameter(name));
            }
        }
        String path = url.encodedPath();
        String raw = recorded.getBody() == null ? "" : recorded.getBody().utf8();
        JsonNode body = raw.isBlank() ? null : JSON.readTree(raw);
        if (path.equals("/cgi-bin/token")) {
            if (!APP_ID.equals(query.get("appid")) || !SECRET.equals(query.get("secret"))) {
                return json(Map.of("errcode", 40013, "errmsg", "invalid appid"));
            }
            String token = "matoken%06d".formatted(issued.incrementAndGet());
            tokens.add(token);
            return json(Map.of("access_token", token, "expires_in", 7200));
        }
        paths.add(path);
        if (path.equals("/sns/jscode2session")) {
            String code = query.get("js_code");
            if (code != null && usedCodes.contains(code)) {
                return json(Map.of("errcode", 40163, "errmsg", "code been used, hints: [ req_id: AijFoqaLRa-pTFm4 ]"));
            }
            String openid = code == null ? null : loginCodes.remove(code);
            if (openid == null) {
                return json(Map.of("errcode", 40029, "errmsg", "invalid code, hints: [ req_id: Jk7J00312015 ]"));
            }
            usedCodes.add(code);
            return json(Map.of("openid", openid, "session_key", "c2Vzc2lvbmtleQ==", "errcode", 0, "errmsg", "ok"));
        }
        if (!tokens.contains(query.get("access_token"))) {
            return json(Map.of("errcode", 40001, "errmsg", "invalid credential, access_token is invalid or not latest"));
        }
        return switch (path) {
            case "/wxa/business/getuserphonenumber" -> {
                String[] phone = body == null ? null : phoneCodes.remove(body.path("code").asString());
                yield phone == null ? json(Map.of("errcode", 40029, "errmsg", "invalid code"))
                        : json(Map.of("errcode", 0, "errmsg", "ok", "phone_info", Map.of("phoneNumber", phone[0],
                                "purePhoneNumber", phone[0], "countryCode", 86,
                                "watermark", Map.of("timestamp", 1637744274, "appid", phone[1]))));
            }
            case "/wxa/msg_sec_check" -> {
                boolean risky = body != null && body.path("content").asString().contains(RISKY);
                yield json(Map.of("errcode", 0, "errmsg", "ok", "trace_id", "60ae120f-371d5872-7941a05b",
                        "result", Map.of("suggest", risky ? "risky" : "pass", "label", risky ? 20006 : 100),
                        "detail", List.of()));
            }
            case "/cgi-bin/message/subscribe/send" -> {
                if (refusing.contains(body.path("touser").asString())) {
                    yield json(Map.of("errcode", 43101, "errmsg", "user refuse to accept the msg rid: 610b7ea3-036ff8e0-21a3f70c"));
                }
                for (var field : body.path("data").properties()) {
                    String value = field.getValue().path("value").asString();
                    if (field.getKey().startsWith("thing") && value.codePointCount(0, value.length()) > 20) {
                        yield json(Map.of("errcode", 47003, "errmsg", "argument invalid! data." + field.getKey() + ".value invalid"));
                    }
                }
                sent.add(body);
                yield json(Map.of("errcode", 0, "errmsg", "ok", "msgid", 1988810812324364291L));
            }
            default -> new MockResponse.Builder().code(404).body("no fake for " + path).build();
        };
    }

    private static MockResponse json(Object answer) {
        return new MockResponse(200, Headers.of("Content-Type", "application/json; charset=UTF-8"), JSON.writeValueAsString(answer));
    }
}
