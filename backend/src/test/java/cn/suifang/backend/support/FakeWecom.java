package cn.suifang.backend.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Headers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A WeCom server for tests, answering like qyapi.weixin.qq.com (shared/fixtures/wecom/README.md): errors as HTTP 200
 * with a non-zero errcode, the real error bodies, access tokens that expire or are revoked, and an errcode queue for
 * fault injection. One instance per JVM ({@link #shared()}); {@link #reset()} before each test.
 * <p>
 * Endpoints are plain handlers keyed by path ({@link #on}); each feature's test support registers its own
 * (OAuth, messages, contacts, customer transfer). {@code /cgi-bin/gettoken} is built in, and every other path
 * requires a valid {@code access_token} first, as WeCom does.
 */
public final class FakeWecom {

    public static final String CORP_ID = "wwfake00suifang01";
    public static final String SECRET = "fake-app-secret-0123456789abcdefghijklmnop";
    public static final int AGENT_ID = 1000002;
    /** Callback Token and EncodingAESKey (43 characters) configured in the test profile. */
    public static final String CALLBACK_TOKEN = "SuifangCallbackToken";
    public static final String AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static volatile FakeWecom shared;

    /** A handler: the request (query and JSON body parsed) to the JSON answer. */
    @FunctionalInterface
    public interface Handler extends Function<Request, Object> {
    }

    /** A request as handlers see it. */
    public record Request(String path, Map<String, String> query, JsonNode body, String rawBody) {
        public String param(String name) {
            return query.get(name);
        }
    }

    private final MockWebServer server = new MockWebServer();
    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
    private final Set<String> validTokens = ConcurrentHashMap.newKeySet();
    private final AtomicInteger tokensIssued = new AtomicInteger();
    private final Map<String, Deque<Map<String, Object>>> injected = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    private FakeWecom() {
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

    public static synchronized FakeWecom shared() {
        if (shared == null) {
            shared = new FakeWecom();
        }
        return shared;
    }

    /** Base URL to configure as {@code suifang.wecom.base-url}. */
    public String baseUrl() {
        String url = server.url("/").toString();
        return url.substring(0, url.length() - 1);
    }

    /** Forgets tokens, handlers, injected errors and recorded requests. */
    public void reset() {
        handlers.clear();
        validTokens.clear();
        tokensIssued.set(0);
        injected.clear();
        requests.clear();
    }

    public FakeWecom on(String path, Handler handler) {
        handlers.put(path, handler);
        return this;
    }

    /** The next call to {@code path} answers this errcode (HTTP 200) instead of its handler; queue several to repeat. */
    public FakeWecom failNext(String path, int errcode, String errmsg) {
        injected.computeIfAbsent(path, p -> new ArrayDeque<>()).add(Map.of("errcode", errcode, "errmsg", errmsg));
        return this;
    }

    /** Every token handed out so far stops working: the next call answers 42001 as the real platform does. */
    public void expireAllTokens() {
        validTokens.clear();
    }

    /** How many times {@code gettoken} handed out a token since the last reset. */
    public int tokensIssued() {
        return tokensIssued.get();
    }

    /** Requests to {@code path} (token calls excluded), oldest first. */
    public List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    private MockResponse answer(RecordedRequest recorded) {
        var url = recorded.getUrl();
        Map<String, String> query = new HashMap<>();
        for (String name : url.queryParameterNames()) {
            String value = url.queryParameter(name);
            if (!name.isEmpty() && value != null) { // WxJava sends "ticket/get?&type=…": an empty, valueless one
                query.put(name, value);
            }
        }
        String raw = recorded.getBody() == null ? "" : recorded.getBody().utf8();
        JsonNode body = raw.isBlank() || !raw.strip().startsWith("{") ? null : JSON.readTree(raw);
        Request request = new Request(url.encodedPath(), Map.copyOf(query), body, raw);
        if (request.path().equals("/cgi-bin/gettoken")) {
            return gettoken(request);
        }
        requests.add(request);
        String token = query.get("access_token");
        if (token == null) {
            return json(Map.of("errcode", 41001, "errmsg", "access_token missing"));
        }
        if (!validTokens.contains(token)) {
            return json(Map.of("errcode", 42001, "errmsg", "access_token expired, hint: [1737759218426833351570099], from ip: ,"
                    + " more info at https://open.work.weixin.qq.com/devtool/query?e=42001"));
        }
        Deque<Map<String, Object>> queue = injected.get(request.path());
        Map<String, Object> error = queue == null ? null : queue.poll();
        if (error != null) {
            return json(error);
        }
        Handler handler = handlers.get(request.path());
        if (handler == null) {
            return new MockResponse.Builder().code(404).body("no fake for " + request.path()).build();
        }
        Object answer = handler.apply(request);
        return json(answer);
    }

    private MockResponse gettoken(Request request) {
        if (!CORP_ID.equals(request.param("corpid"))) {
            return json(Map.of("errcode", 40013, "errmsg", "invalid corpid"));
        }
        if (!SECRET.equals(request.param("corpsecret"))) {
            return json(Map.of("errcode", 40001, "errmsg", "invalid credential"));
        }
        Deque<Map<String, Object>> queue = injected.get("/cgi-bin/gettoken");
        Map<String, Object> error = queue == null ? null : queue.poll();
        if (error != null) {
            return json(error);
        }
        String token = "accesstoken%06d".formatted(tokensIssued.incrementAndGet());
        validTokens.add(token);
        return json(Map.of("errcode", 0, "errmsg", "ok", "access_token", token, "expires_in", 7200));
    }

    private static MockResponse json(Object answer) {
        String body = answer instanceof String s ? s : JSON.writeValueAsString(answer);
        return new MockResponse(200, Headers.of("Content-Type", "application/json; charset=UTF-8"), body);
    }

    /** {"errcode":0,"errmsg":"ok"} plus the given fields, in order. */
    public static Map<String, Object> ok(Object... fields) {
        Map<String, Object> answer = new java.util.LinkedHashMap<>();
        answer.put("errcode", 0);
        answer.put("errmsg", "ok");
        for (int i = 0; i < fields.length; i += 2) {
            answer.put((String) fields[i], fields[i + 1]);
        }
        return answer;
    }
}
