package cn.suifang.backend.questionnaire;

import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

@RestController
@Validated
@Tag(name = "问卷", description = "量表与本院自编问卷；患者在小程序填写，或医护电话询问后代为录入。提交即评分、记录读数、完成问卷任务并运行预警规则")
class QuestionnaireController {

    private final QuestionnaireService questionnaires;

    QuestionnaireController(QuestionnaireService questionnaires) {
        this.questionnaires = questionnaires;
    }

    @GetMapping("/api/questionnaires")
    @Operation(summary = "可用问卷", description = "启用中的问卷：编码、版本、标题、题数、是否计分、版权/授权说明")
    Mono<List<QuestionnaireService.Listed>> list(@AuthenticationPrincipal Principal principal) {
        principal.requireStaff();
        return questionnaires.active().collectList();
    }

    @GetMapping("/api/questionnaires/{code}")
    @Operation(summary = "问卷内容", description = "题目、选项、显示条件（showIf）与计分分级")
    Mono<Questionnaire> definition(@AuthenticationPrincipal Principal principal, @PathVariable String code) {
        principal.requireStaff();
        return questionnaires.definition(code);
    }

    record Submit(@NotBlank @Size(max = 64) @Pattern(regexp = "[A-Za-z0-9_-]+", message = "只能包含字母、数字、- 和 _")
                  String clientRequestId,
                  @NotBlank @Size(max = 32) String questionnaireCode,
                  Long taskId,
                  @NotNull @Size(max = 100) Map<String, Object> answers) {
    }

    @PostMapping("/api/patients/{patientId}/questionnaire-responses")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "代患者提交问卷（电话询问后录入）", description = "整份校验后才保存：漏答、多答（按前面回答不需作答的题）、"
            + "选项外的值、不合理的读数都会被拒绝并指出题目。clientRequestId 相同的重发返回同一结果")
    Mono<QuestionnaireService.Result> submit(@AuthenticationPrincipal Principal principal, @PathVariable long patientId,
                                             @Valid @RequestBody Submit body) {
        principal.requireStaff();
        return questionnaires.submit(principal, patientId, body.questionnaireCode(), QuestionnaireService.SubmittedBy.STAFF,
                null, new QuestionnaireService.Submission(body.clientRequestId(), body.taskId(), body.answers()));
    }

    @GetMapping("/api/patients/{patientId}/questionnaire-responses")
    @Operation(summary = "患者的问卷记录", description = "新的在前：问卷、总分与分级、由谁填写（患者本人、家属代填、医护代录）")
    Mono<List<QuestionnaireService.Summary>> responses(@AuthenticationPrincipal Principal principal,
                                                       @PathVariable long patientId) {
        principal.requireStaff();
        return questionnaires.list(principal, patientId);
    }

    @GetMapping("/api/questionnaire-responses/{id}")
    @Operation(summary = "问卷答案", description = "逐题的题干与回答（按作答时的问卷版本）")
    Mono<QuestionnaireService.Detail> response(@AuthenticationPrincipal Principal principal, @PathVariable long id) {
        principal.requireStaff();
        return questionnaires.get(principal, id);
    }
}
