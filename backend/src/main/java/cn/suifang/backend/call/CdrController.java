package cn.suifang.backend.call;

import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.SuifangProperties;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Where FreeSWITCH's mod_json_cdr posts each channel's CDR (machine to machine: HTTP Basic with the
 * configured {@code suifang.telephony.cdr.*} credentials, the module's {@code cred}; no staff token).
 * <p>
 * 200 when the CDR was applied or is a repeat; 202 when it is not ours (another call on the switch, a channel
 * our originate did not name) or names a call this system does not know — the module retries any non-2xx
 * answer, and retrying cannot make an unknown call known. 400 (SF-2021) when it is not a CDR; 401 (SF-2020)
 * without the right credentials; 404 while no credentials are configured.
 */
@RestController
@RequestMapping("/api/telephony")
@Tag(name = "话单", description = "FreeSWITCH mod_json_cdr 回传话单，与通话事件核对（机器对机器，HTTP Basic）")
class CdrController {

    private static final Logger log = LoggerFactory.getLogger(CdrController.class);
    /** A CDR is a few dozen kB; the module posts one channel at a time. */
    private static final int MAX_BODY_BYTES = 1024 * 1024;

    private final SuifangProperties properties;
    private final CdrReconciler reconciler;

    CdrController(SuifangProperties properties, CdrReconciler reconciler) {
        this.properties = properties;
        this.reconciler = reconciler;
    }

    /** What the switch gets back; it only looks at the status, a person reading its log sees the rest. */
    record Answer(String result, String detail) {
    }

    @PostMapping("/cdr")
    @Operation(summary = "接收话单（mod_json_cdr）",
            description = "HTTP Basic 认证。200：已核对（或重复话单，无变化）；202：不是本系统发起的通话或通话不存在，已忽略；"
                    + "400：话单格式有误；401：认证失败。支持 encode=false（application/json）、true（表单 cdr=）与 base64。")
    Mono<ResponseEntity<Answer>> receive(ServerWebExchange exchange) {
        authenticate(exchange);
        // read as bytes whatever the content type: the module sends JSON, a form (cdr=…) or base64 (cdr=…)
        return DataBufferUtils.join(exchange.getRequest().getBody(), MAX_BODY_BYTES)
                .map(buffer -> {
                    byte[] bytes = new byte[buffer.readableByteCount()];
                    buffer.read(bytes);
                    DataBufferUtils.release(buffer);
                    return bytes;
                })
                .defaultIfEmpty(new byte[0])
                .map(body -> JsonCdr.parse(body, exchange.getRequest().getHeaders().getContentType()))
                .flatMap(this::reconcile);
    }

    private Mono<ResponseEntity<Answer>> reconcile(JsonCdr cdr) {
        if (!cdr.ours()) {
            return Mono.just(ResponseEntity.accepted().body(new Answer("IGNORED", "不是随访系统发起的通话，已忽略")));
        }
        return reconciler.reconcile(cdr).map(report -> switch (report.result()) {
            case APPLIED -> ResponseEntity.ok(new Answer("APPLIED", report.closed() ? "已据话单结束通话"
                    : report.mismatches().isEmpty() ? "已核对" : "已核对，发现 " + report.mismatches().size() + " 处不一致，已记录"));
            case DUPLICATE -> ResponseEntity.ok(new Answer("DUPLICATE", "该话单已处理过，无变化"));
            case UNKNOWN_CALL -> {
                log.warn("CDR of channel {} names call {}, which is not known here; ignored", cdr.channelUuid(), cdr.callId());
                yield ResponseEntity.accepted().body(new Answer("IGNORED", "通话记录不存在，已忽略"));
            }
            case NOT_OUR_CHANNEL -> {
                log.warn("CDR of channel {} names call {} but is neither of its legs; ignored", cdr.channelUuid(), cdr.callId());
                yield ResponseEntity.accepted().body(new Answer("IGNORED", "不是该通话的医生或患者通道，已忽略"));
            }
        });
    }

    private void authenticate(ServerWebExchange exchange) {
        SuifangProperties.Cdr config = properties.telephony().cdr();
        if (!config.enabled()) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND);
        }
        String header = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        byte[] given = new byte[0];
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                given = Base64.getDecoder().decode(header.substring(6).trim());
            } catch (IllegalArgumentException e) {
                given = new byte[0];
            }
        }
        byte[] expected = (config.username() + ":" + config.password()).getBytes(StandardCharsets.UTF_8);
        // compare digests: MessageDigest.isEqual is constant-time for equal lengths, and digests always are
        if (!MessageDigest.isEqual(sha256(given), sha256(expected))) {
            exchange.getResponse().getHeaders().set(HttpHeaders.WWW_AUTHENTICATE,
                    "Basic realm=\"suifang-cdr\", charset=\"UTF-8\"");
            throw new ApiException(HttpStatus.UNAUTHORIZED, "unauthorized", 2020,
                    "话单接口认证失败：请核对 FreeSWITCH json_cdr.conf.xml 中的 cred 与随访系统 suifang.telephony.cdr 配置");
        }
    }

    private static byte[] sha256(byte[] value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
