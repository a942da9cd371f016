package cn.suifang.backend.call;

import cn.suifang.backend.common.ApiException;
import cn.suifang.telephony.api.CallLegs;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.UUID;
import org.springframework.http.MediaType;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One channel's CDR as FreeSWITCH's mod_json_cdr posts it, reduced to what the reconciliation needs.
 * <p>
 * The module POSTs {@code <url>?uuid=<channel uuid>} once per channel when it is destroyed (the A-leg, and the
 * B-leg unless {@code log-b-leg=false}). The body is the CDR document — {@code core-uuid}, {@code switchname},
 * {@code channel_data}, {@code callStats}, {@code variables}, {@code app_log}, {@code callflow} — sent as
 * {@code application/json} with {@code encode=false}, as {@code cdr=<url-encoded JSON>}
 * ({@code application/x-www-form-urlencoded}) with {@code encode=true}, or as {@code cdr=<base64 JSON>}
 * ({@code application/x-www-form-base64-encoded}) with {@code encode=base64}. With {@code encode-values=true}
 * (the module's default) every channel variable's value is itself URL-encoded.
 * <p>
 * Only the channel variables are read: {@code suifang_call_id} (our originate sets it on both legs),
 * {@code uuid}, {@code hangup_cause}, {@code originate_disposition}, {@code billsec}, {@code duration},
 * {@code start/answer/bridge/end_uepoch} (microseconds, 0 when it did not happen) and
 * {@code last_bridge_hangup_cause}. Nothing else — in particular no number or name — leaves this class.
 *
 * @param callId  null when the CDR is not one of ours (no {@code suifang_call_id}): any other call on the switch
 */
record JsonCdr(UUID callId, String channelUuid, String coreUuid, String hangupCause, String originateDisposition,
               String lastBridgeHangupCause, OffsetDateTime startedAt, OffsetDateTime answeredAt,
               OffsetDateTime bridgedAt, OffsetDateTime endedAt, Integer billsec, Integer durationSec) {

    enum Leg { DOCTOR, PATIENT }

    static final MediaType BASE64_FORM = MediaType.parseMediaType("application/x-www-form-base64-encoded");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_TEXT = 64;

    boolean ours() {
        return callId != null;
    }

    /** Which of the call's legs this channel is, or null when it is neither (not a channel our originate made). */
    Leg leg() {
        if (channelUuid.equalsIgnoreCase(CallLegs.doctorLegUuid(callId.toString()))) {
            return Leg.DOCTOR;
        }
        return channelUuid.equalsIgnoreCase(CallLegs.patientLegUuid(callId.toString())) ? Leg.PATIENT : null;
    }

    /** Parses a posted body; anything that is not a CDR mod_json_cdr could have sent is refused (SF-2021). */
    static JsonCdr parse(byte[] body, MediaType contentType) {
        JsonNode root = readDocument(json(body, contentType));
        JsonNode variables = root.path("variables");
        if (!variables.isObject()) {
            throw invalid("variables", "缺失或不是对象");
        }
        String callId = variable(variables, CallLegs.CALL_ID_VARIABLE);
        if (callId == null) {
            return new JsonCdr(null, variable(variables, "uuid"), null, null, null, null, null, null, null, null, null, null);
        }
        UUID call;
        try {
            call = UUID.fromString(callId);
        } catch (IllegalArgumentException e) {
            throw invalid("variables." + CallLegs.CALL_ID_VARIABLE, "不是合法的通话 ID（UUID）");
        }
        String channel = variable(variables, "uuid");
        if (channel == null) {
            throw invalid("variables.uuid", "缺失");
        }
        return new JsonCdr(call, text(channel, "variables.uuid"), text(root.path("core-uuid").asString(null), "core-uuid"),
                text(variable(variables, "hangup_cause"), "variables.hangup_cause"),
                text(variable(variables, "originate_disposition"), "variables.originate_disposition"),
                text(variable(variables, "last_bridge_hangup_cause"), "variables.last_bridge_hangup_cause"),
                time(variables, "start"), time(variables, "answer"), time(variables, "bridge"), time(variables, "end"),
                seconds(variables, "billsec"), seconds(variables, "duration"));
    }

    private static String json(byte[] body, MediaType contentType) {
        if (body == null || body.length == 0) {
            throw invalid("(body)", "话单为空");
        }
        String text = new String(body, StandardCharsets.UTF_8);
        if (contentType == null || !(MediaType.APPLICATION_FORM_URLENCODED.includes(contentType)
                || BASE64_FORM.includes(contentType))) {
            return text;
        }
        String cdr = null;
        for (String pair : text.split("&")) {
            if (pair.startsWith("cdr=")) {
                cdr = pair.substring(4);
            }
        }
        if (cdr == null) {
            throw invalid("cdr", "表单中缺少 cdr 字段");
        }
        try {
            if (BASE64_FORM.includes(contentType)) {
                // sent as is after "cdr=", not URL-encoded: '+' is a base64 digit here
                return new String(Base64.getMimeDecoder().decode(cdr.trim()), StandardCharsets.UTF_8);
            }
            return URLDecoder.decode(cdr, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalid("cdr", "编码不正确");
        }
    }

    private static JsonNode readDocument(String text) {
        try {
            JsonNode root = JSON.readTree(text);
            if (root == null || !root.isObject()) {
                throw invalid("(body)", "不是 JSON 对象");
            }
            return root;
        } catch (JacksonException e) {
            throw invalid("(body)", "不是合法的 JSON");
        }
    }

    /** A channel variable's value, URL-decoded (mod_json_cdr's encode-values); null when absent or empty. */
    private static String variable(JsonNode variables, String name) {
        JsonNode node = variables.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isValueNode()) {
            throw invalid("variables." + name, "类型不正确");
        }
        String raw = node.asString();
        if (raw.isEmpty()) {
            return null;
        }
        try {
            // switch_url_encode escapes '+' as %2B, so a literal '+' is a plus, not a space
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return raw; // encode-values=false and a literal '%'
        }
    }

    private static String text(String value, String field) {
        if (value != null && value.length() > MAX_TEXT) {
            throw invalid(field, "过长");
        }
        return value;
    }

    /** {@code <prefix>_uepoch} (µs), else {@code <prefix>_epoch} (s); null when 0 (it did not happen). */
    private static OffsetDateTime time(JsonNode variables, String prefix) {
        Long micros = number(variables, prefix + "_uepoch");
        if (micros == null) {
            Long secs = number(variables, prefix + "_epoch");
            micros = secs == null ? null : secs * 1_000_000L;
        }
        if (micros == null || micros == 0) {
            return null;
        }
        return OffsetDateTime.ofInstant(Instant.EPOCH.plusNanos(micros * 1000L), ZoneOffset.UTC);
    }

    private static Integer seconds(JsonNode variables, String name) {
        Long value = number(variables, name);
        if (value != null && value > Integer.MAX_VALUE) {
            throw invalid("variables." + name, "超出范围");
        }
        return value == null ? null : value.intValue();
    }

    private static Long number(JsonNode variables, String name) {
        String value = variable(variables, name);
        if (value == null) {
            return null;
        }
        try {
            long n = Long.parseLong(value.trim());
            // 9e15 µs after 1970 is the year 2255: anything beyond (or negative) is not a real value
            if (n < 0 || n > 9_000_000_000_000_000L) {
                throw invalid("variables." + name, "超出范围");
            }
            return n;
        } catch (NumberFormatException e) {
            throw invalid("variables." + name, "应为非负整数");
        }
    }

    private static ApiException invalid(String field, String message) {
        return ApiException.badRequest(2021, field, "话单内容有误：" + field + " " + message);
    }
}
