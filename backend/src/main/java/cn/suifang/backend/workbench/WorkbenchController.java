package cn.suifang.backend.workbench;

import cn.suifang.backend.note.NoteOutcome;
import cn.suifang.backend.note.NoteService;
import cn.suifang.backend.observation.ObservationCode;
import cn.suifang.backend.observation.ObservationService;
import cn.suifang.backend.patient.PatientService;
import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

@RestController
@RequestMapping("/api")
@Validated
@Tag(name = "工作台", description = "医生的随访列表、随访前简报、患者时间线、随访记录")
class WorkbenchController {

    private final WorkbenchService workbench;
    private final NoteService notes;
    private final PatientService patients;

    WorkbenchController(WorkbenchService workbench, NoteService notes, PatientService patients) {
        this.workbench = workbench;
        this.notes = notes;
        this.patients = patients;
    }

    @GetMapping("/workbench/tasks")
    @Operation(summary = "我的随访任务", description = "view=TODAY（今日到期且在时间窗内）| OVERDUE（已超期）| UPCOMING（未到期）"
            + "| UNREACHABLE（近 90 天多次未联系上而关闭的任务，可重新打开再试或转交）；tag=标签编码 只看带该标签的患者（如 HTN_UNCONTROLLED）；"
            + "按到期日排序，游标分页（nextCursor）")
    Mono<WorkbenchService.Page<WorkbenchService.TaskCard>> myTasks(
            @AuthenticationPrincipal Principal principal,
            @RequestParam(defaultValue = "TODAY") WorkbenchService.View view,
            @RequestParam(required = false) @Size(max = 48) String tag,
            @RequestParam(required = false) @Size(max = 64) String cursor,
            @RequestParam(defaultValue = "20") @Min(1) @Max(100) int limit) {
        return workbench.myTasks(principal, view, tag == null || tag.isBlank() ? null : tag.strip(), cursor, limit);
    }

    @GetMapping("/workbench/task-counts")
    @Operation(summary = "各列表的任务数", description = "今日、逾期、即将到期、未联系上四个列表各有多少条（标签页角标），与列表本身的条件一致")
    Mono<WorkbenchService.TaskCounts> taskCounts(@AuthenticationPrincipal Principal principal) {
        return workbench.taskCounts(principal);
    }

    @GetMapping("/tasks/{taskId}")
    @Operation(summary = "随访任务详情与随访前简报", description = "诊断与手术、出院日期、上次记录、活动预警、近期指标、路径要求询问的问题")
    Mono<WorkbenchService.TaskDetail> task(@AuthenticationPrincipal Principal principal, @PathVariable long taskId) {
        return workbench.task(principal, taskId);
    }

    @GetMapping("/patients/{patientId}")
    @Operation(summary = "患者信息（标识已脱敏）")
    Mono<PatientService.PatientView> patient(@AuthenticationPrincipal Principal principal, @PathVariable long patientId) {
        principal.requireStaff();
        return patients.get(principal, patientId);
    }

    @GetMapping("/patients/{patientId}/timeline")
    @Operation(summary = "患者时间线", description = "住院、随访任务、随访记录、电话随访（含录音标记，新的在前）与全部指标序列（趋势图用）")
    Mono<WorkbenchService.Timeline> timeline(@AuthenticationPrincipal Principal principal, @PathVariable long patientId) {
        principal.requireStaff();
        return workbench.timeline(principal, patientId);
    }

    record ReadingRequest(@NotNull ObservationCode code,
                          @NotNull @DecimalMin("0") @DecimalMax("100000") BigDecimal value,
                          @Size(max = 16) String unit) {
    }

    record NoteRequest(
            @NotBlank @Size(max = 64) @Pattern(regexp = "[A-Za-z0-9_-]+", message = "只能包含字母、数字、-、_") String clientRequestId,
            @NotNull NoteOutcome outcome,
            @Pattern(regexp = "PHONE|QUESTIONNAIRE|VISIT|WECHAT", message = "应为 PHONE、QUESTIONNAIRE、VISIT 或 WECHAT") String contactChannel,
            @Size(max = 30) List<@NotBlank @Size(max = 64) String> symptoms,
            @Size(max = 30) List<@Valid @NotNull ReadingRequest> readings,
            @Pattern(regexp = "GOOD|PARTIAL|POOR|STOPPED", message = "应为 GOOD、PARTIAL、POOR 或 STOPPED") String adherence,
            @Size(max = 30) List<@NotBlank @Size(max = 64) String> adverseReactions,
            @Size(max = 30) List<@NotBlank @Size(max = 64) String> advice,
            LocalDate nextContactDate,
            @Size(max = 4000) String freeText,
            @Schema(description = "这条记录所记的通话（一键回拨后写记录时带上）；未接通的通话只能记为 UNREACHABLE")
            UUID callId) {
    }

    @PostMapping("/tasks/{taskId}/notes")
    @Operation(summary = "提交随访记录", description = "同一事务内完成或改期任务；clientRequestId 保证重复提交不重复记录。"
            + "UNREACHABLE 次日重试，满 3 次转入未联系上名单；nextContactDate 生成约定随访任务。")
    Mono<ResponseEntity<NoteService.Saved>> submitNote(@AuthenticationPrincipal Principal principal,
                                                      @PathVariable long taskId,
                                                      @Valid @RequestBody NoteRequest r) {
        List<ObservationService.Reading> readings = r.readings() == null ? List.of()
                : r.readings().stream().map(x -> new ObservationService.Reading(x.code(), x.value(), x.unit())).toList();
        NoteService.NewNote note = new NoteService.NewNote(r.clientRequestId(), r.outcome(),
                r.contactChannel() == null ? "PHONE" : r.contactChannel(), orEmpty(r.symptoms()), readings,
                r.adherence(), orEmpty(r.adverseReactions()), orEmpty(r.advice()), r.nextContactDate(), r.freeText(),
                r.callId());
        return notes.submit(principal, taskId, note)
                .map(saved -> ResponseEntity.status(saved.replay() ? 200 : 201).body(saved));
    }

    private static List<String> orEmpty(List<String> list) {
        return list == null ? List.of() : list;
    }
}
