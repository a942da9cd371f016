package cn.suifang.backend.hl7;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.crypto.PiiCipher;
import cn.suifang.backend.crypto.PiiCipher.PiiField;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

@RestController
@RequestMapping("/api/admin/hl7/messages")
@Validated
@Tag(name = "HL7 接口", description = "HIS/LIS 发来的消息（HL7 v2 经 MLLP、FHIR R4 经 HTTP）：处理结果、被拒消息（死信）的原因与重放")
class Hl7AdminController {

    private final DatabaseClient db;
    private final Map<InterfaceLog.Channel, InterfaceLog.Replayer> replayers;
    private final PiiCipher cipher;
    private final AuditService audit;

    Hl7AdminController(DatabaseClient db, List<InterfaceLog.Replayer> replayers, PiiCipher cipher, AuditService audit) {
        this.db = db;
        this.replayers = replayers.stream().collect(Collectors.toMap(InterfaceLog.Replayer::channel, r -> r));
        this.cipher = cipher;
        this.audit = audit;
    }

    record Logged(long id, String channel, OffsetDateTime receivedAt, String controlId, String sendingApp, String messageType,
                  String charset, String status, String ackCode, String detail, Long replayOf, OffsetDateTime replayedAt) {
    }

    record WithText(Logged message, String text) {
    }

    @GetMapping
    @Operation(summary = "接口消息记录", description = "按通道（HL7V2：MLLP 的 HL7 v2 消息；FHIR：POST /api/fhir 的请求）与状态筛选："
            + "PROCESSED、PARTIAL（部分条目有误）、IGNORED（非随访患者等）、REJECTED（死信）；新的在前。不含消息原文")
    Mono<List<Logged>> list(@AuthenticationPrincipal Principal principal,
                            @RequestParam(required = false) @Pattern(regexp = "PROCESSED|PARTIAL|IGNORED|REJECTED") String status,
                            @RequestParam(required = false) @Pattern(regexp = "HL7V2|FHIR") String channel,
                            @RequestParam(defaultValue = "50") @Min(1) @Max(500) int limit) {
        principal.requireRole(Role.ADMIN);
        return db.sql("""
                        SELECT * FROM hl7_message
                        WHERE (CAST(:s AS VARCHAR) IS NULL OR status = :s) AND (CAST(:c AS VARCHAR) IS NULL OR channel = :c)
                        ORDER BY id DESC LIMIT :n""")
                .bind("s", cn.suifang.backend.common.Rows.param(status, String.class))
                .bind("c", cn.suifang.backend.common.Rows.param(channel, String.class)).bind("n", limit)
                .map(Hl7AdminController::logged).all().collectList();
    }

    @GetMapping("/{id}")
    @Operation(summary = "消息原文", description = "排查被拒原因时查看原文（HL7 v2 文本或 FHIR JSON；含患者信息，读取写入审计）")
    Mono<WithText> get(@AuthenticationPrincipal Principal principal, @PathVariable long id) {
        principal.requireRole(Role.ADMIN);
        return db.sql("SELECT * FROM hl7_message WHERE id = :id").bind("id", id)
                .map(r -> new WithText(logged(r), cipher.decrypt(PiiField.HL7_MESSAGE, r.get("raw_enc", byte[].class))))
                .one()
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(2801, "HL7 消息不存在")))
                .flatMap(m -> audit.record(principal, "HL7_MESSAGE_READ", "hl7_message", id, List.of(), null).thenReturn(m));
    }

    @PostMapping("/{id}/replay")
    @Operation(summary = "重放", description = "修正原因（如补充科室、检验项目映射）后重新处理；结果记为新的一条，原记录标记已重放。"
            + "检验结果按消息控制号（FHIR：条目的 fullUrl 或 id）去重，出院记录按住院号去重，不会重复保存")
    Mono<Logged> replay(@AuthenticationPrincipal Principal principal, @PathVariable long id) {
        principal.requireRole(Role.ADMIN);
        return db.sql("SELECT channel, raw_enc FROM hl7_message WHERE id = :id").bind("id", id)
                .map(r -> Map.entry(InterfaceLog.Channel.valueOf(r.get("channel", String.class)),
                        cipher.decrypt(PiiField.HL7_MESSAGE, r.get("raw_enc", byte[].class)))).one()
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(2802, "HL7 消息不存在")))
                .flatMap(logged -> replayers.get(logged.getKey()).replay(principal, logged.getValue(), id))
                .flatMap(newId -> db.sql("SELECT * FROM hl7_message WHERE id = :id").bind("id", newId)
                        .map(Hl7AdminController::logged).one())
                .flatMap(replayed -> audit.record(principal, "HL7_REPLAY", "hl7_message", id, List.of(),
                        "new=" + replayed.id() + " " + replayed.status()).thenReturn(replayed));
    }

    private static Logged logged(io.r2dbc.spi.Readable r) {
        return new Logged(r.get("id", Long.class), r.get("channel", String.class), r.get("received_at", OffsetDateTime.class),
                r.get("control_id", String.class),
                r.get("sending_app", String.class), r.get("message_type", String.class), r.get("charset", String.class),
                r.get("status", String.class), r.get("ack_code", String.class), r.get("detail", String.class),
                r.get("replay_of", Long.class), r.get("replayed_at", OffsetDateTime.class));
    }
}
