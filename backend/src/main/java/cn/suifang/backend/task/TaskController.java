package cn.suifang.backend.task;

import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import java.time.LocalDate;
import java.util.List;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

@RestController
@RequestMapping("/api")
@Tag(name = "工作台", description = "医生的随访列表、随访前简报、患者时间线、随访记录")
class TaskController {

    private final TaskService tasks;

    TaskController(TaskService tasks) {
        this.tasks = tasks;
    }

    record ReassignRequest(@NotNull @Positive Long assigneeId, @Size(max = 200) String reason) {
    }

    record ReopenRequest(LocalDate dueDate) {
    }

    @PostMapping("/tasks/{taskId}/reassign")
    @Operation(summary = "转交任务", description = "任务负责人或科室主任把未结束的任务转交给在职的临床同事（见 /api/workbench/colleagues）")
    Mono<TaskService.TaskState> reassign(@AuthenticationPrincipal Principal principal, @PathVariable long taskId,
                                         @Valid @RequestBody ReassignRequest r) {
        return tasks.reassign(principal, taskId, r.assigneeId(), r.reason());
    }

    @PostMapping("/tasks/{taskId}/reopen")
    @Operation(summary = "重新随访未联系上的任务", description = "“未联系上”而关闭的任务重新打开，默认今天到期、3 天窗口；尝试次数保留")
    Mono<TaskService.TaskState> reopen(@AuthenticationPrincipal Principal principal, @PathVariable long taskId,
                                       @Valid @RequestBody(required = false) ReopenRequest r) {
        return tasks.reopen(principal, taskId, r == null ? null : r.dueDate());
    }

    @GetMapping("/workbench/colleagues")
    @Operation(summary = "可转交的同事", description = "本科室与所在随访团队的在职临床人员")
    Mono<List<TaskService.Colleague>> colleagues(@AuthenticationPrincipal Principal principal) {
        return tasks.colleagues(principal).collectList();
    }
}
