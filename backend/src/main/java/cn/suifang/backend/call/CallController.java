package cn.suifang.backend.call;

import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.UUID;
import org.springframework.core.io.Resource;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

@RestController
@RequestMapping("/api")
@Tag(name = "呼叫", description = "一键回拨：先呼医生本人电话，接通后以医院号码呼叫患者；通话状态、取消与录音回放")
class CallController {

    private final CallService calls;
    private final CallRecordings recordings;

    CallController(CallService calls, CallRecordings recordings) {
        this.calls = calls;
        this.recordings = recordings;
    }

    @PostMapping("/tasks/{taskId}/calls")
    @Operation(summary = "发起呼叫（双向回拨）", description = "202：已受理，先响铃医生本人电话。"
            + "拒绝时返回问题说明：任务已结束、患者拒绝随访、未登记号码、不在呼叫时段、已有进行中的呼叫、呼叫过于频繁（429，带 Retry-After）")
    Mono<ResponseEntity<CallService.CallView>> request(@AuthenticationPrincipal Principal principal,
                                                      @PathVariable long taskId) {
        return calls.request(principal, taskId).map(call -> ResponseEntity.accepted().body(call));
    }

    @GetMapping("/tasks/{taskId}/calls")
    @Operation(summary = "该任务的呼叫记录", description = "新的在前；患者号码仅脱敏显示")
    Mono<List<CallService.CallView>> ofTask(@AuthenticationPrincipal Principal principal, @PathVariable long taskId) {
        return calls.ofTask(principal, taskId);
    }

    @GetMapping("/calls/{callId}")
    @Operation(summary = "通话实时状态", description = "正在呼叫您 → 正在呼叫患者 → 通话中 → 已结束（结果、通话时长）")
    Mono<CallService.CallView> get(@AuthenticationPrincipal Principal principal, @PathVariable UUID callId) {
        return calls.get(principal, callId);
    }

    @DeleteMapping("/calls/{callId}")
    @Operation(summary = "取消呼叫（挂断）", description = "202：挂断指令已发出，结果随通话事件更新为“已取消”")
    Mono<ResponseEntity<CallService.CallView>> cancel(@AuthenticationPrincipal Principal principal,
                                                     @PathVariable UUID callId) {
        return calls.cancel(principal, callId).map(call -> ResponseEntity.accepted().body(call));
    }

    @PostMapping("/calls/{callId}/cancel")
    @Operation(summary = "取消呼叫（挂断，POST 形式）", description = "与 DELETE /api/calls/{callId} 相同")
    Mono<ResponseEntity<CallService.CallView>> cancelByPost(@AuthenticationPrincipal Principal principal,
                                                           @PathVariable UUID callId) {
        return cancel(principal, callId);
    }

    @GetMapping("/calls/{callId}/recording")
    @Operation(summary = "录音回放", description = "audio/wav，支持 HTTP Range（206）；仅可查看该患者的医护人员")
    Mono<ResponseEntity<Resource>> recording(@AuthenticationPrincipal Principal principal, @PathVariable UUID callId) {
        return recordings.play(principal, callId);
    }
}
