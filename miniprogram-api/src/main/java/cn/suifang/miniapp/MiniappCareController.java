package cn.suifang.miniapp;

import cn.suifang.miniapp.port.MiniappAccounts;
import cn.suifang.miniapp.port.PatientCare;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The patient's side of follow-up. Each route acts for the patient of the caller's binding — chosen with the
 * {@code X-Suifang-Binding} header when an account has several (a daughter managing both parents) — and never takes a
 * patient id from the request.
 */
@RestController
@RequestMapping("/api/mp")
@Validated
@Tag(name = "小程序：随访", description = "患者（或经同意的家属）查看随访计划和建议、填写问卷、上报血压血糖体重、查看积分、撤回同意、导出个人数据")
class MiniappCareController {

    static final String BINDING_HEADER = "X-Suifang-Binding";

    private final MiniappAccounts accounts;
    private final PatientCare care;
    private final MiniappClient wechat;

    MiniappCareController(MiniappAccounts accounts, PatientCare care, MiniappClient wechat) {
        this.accounts = accounts;
        this.care = care;
        this.wechat = wechat;
    }

    private Mono<Caller> caller(Long bindingId) {
        return accounts.currentAccount().flatMap(account -> accounts.caller(account, bindingId));
    }

    @GetMapping("/plan")
    @Operation(summary = "我的随访计划", description = "即将进行的随访（日期、内容、电话随访时来电显示的医院号码）与已完成的随访")
    Mono<PatientCare.Plan> plan(@Parameter(description = "绑定编号（一个账号绑定多位患者时）")
                                @RequestHeader(name = BINDING_HEADER, required = false) Long binding) {
        return caller(binding).flatMap(care::plan);
    }

    @GetMapping("/advice")
    @Operation(summary = "给我的建议", description = "医护随访记录中的建议，以及读数或问卷触发的自动建议（需要确认已读的会标明）")
    Mono<List<PatientCare.Advice>> advice(@RequestHeader(name = BINDING_HEADER, required = false) Long binding) {
        return caller(binding).flatMap(care::advice);
    }

    @PostMapping("/advice/{alertId}/read")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "确认已读建议")
    Mono<Void> adviceRead(@RequestHeader(name = BINDING_HEADER, required = false) Long binding, @PathVariable long alertId) {
        return caller(binding).flatMap(c -> care.adviceRead(c, alertId));
    }

    record OutcomeIn(@jakarta.validation.constraints.NotBlank
                     @jakarta.validation.constraints.Pattern(regexp = "DONE|PARTLY|NOT_DONE", message = "应为 DONE、PARTLY 或 NOT_DONE")
                     String outcome) {
    }

    @PostMapping("/interventions/{interventionId}/outcome")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "回答医生的建议是否做到", description = "DONE 做到了 | PARTLY 部分做到 | NOT_DONE 没做到")
    Mono<Void> interventionOutcome(@RequestHeader(name = BINDING_HEADER, required = false) Long binding,
                                   @PathVariable long interventionId,
                                   @jakarta.validation.Valid @org.springframework.web.bind.annotation.RequestBody OutcomeIn body) {
        return caller(binding).flatMap(c -> care.interventionOutcome(c, interventionId, body.outcome()));
    }

    @GetMapping("/questionnaires")
    @Operation(summary = "待填问卷", description = "随访路径安排、当前需要填写的问卷")
    Mono<List<PatientCare.Pending>> pending(@RequestHeader(name = BINDING_HEADER, required = false) Long binding) {
        return caller(binding).flatMap(care::pendingQuestionnaires);
    }

    @GetMapping("/questionnaires/{code}")
    @Operation(summary = "问卷内容", description = "题目、选项、显示条件（showIf：按前面的回答决定是否显示）")
    Mono<Object> questionnaire(@RequestHeader(name = BINDING_HEADER, required = false) Long binding,
                               @PathVariable @Pattern(regexp = "[A-Z][A-Z0-9_]{1,31}") String code) {
        return caller(binding).flatMap(c -> care.questionnaire(c, code));
    }

    record Submit(@NotBlank @Size(max = 64) @Pattern(regexp = "[A-Za-z0-9_-]+", message = "只能包含字母、数字、- 和 _")
                  String clientRequestId,
                  @NotBlank @Size(max = 32) String questionnaireCode,
                  Long taskId,
                  @NotNull @Size(max = 100) Map<String, Object> answers) {
    }

    @PostMapping("/questionnaire-responses")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "提交问卷", description = "整份校验后才保存；填写的文字先经微信内容安全检测。clientRequestId 相同的重发返回同一结果。"
            + "返回给患者的建议（如有）和获得的积分")
    Mono<PatientCare.Submitted> submit(@RequestHeader(name = BINDING_HEADER, required = false) Long binding,
                                       @Valid @RequestBody Submit body) {
        return caller(binding).flatMap(c -> checkTexts(c, body.answers())
                .then(care.submitQuestionnaire(c, body.clientRequestId(), body.questionnaireCode(), body.taskId(),
                        body.answers())));
    }

    /** Every free-text answer passes WeChat's content-security check before anything is stored. */
    private Mono<Void> checkTexts(Caller c, Map<String, Object> answers) {
        List<Map.Entry<String, Object>> texts = answers.entrySet().stream()
                .filter(e -> e.getValue() instanceof String s && !s.isBlank() && !isNumber(s)).toList();
        if (texts.isEmpty()) {
            return Mono.empty();
        }
        return accounts.openid(c.accountId()).flatMapMany(openid -> Flux.fromIterable(texts)
                        .concatMap(e -> wechat.textPasses(openid, (String) e.getValue())
                                .flatMap(ok -> ok ? Mono.<Void>empty()
                                        : Mono.error(MiniappException.badRequest(2708, "answers." + e.getKey(),
                                                "填写的内容未通过微信内容安全检测，请修改后再提交")))))
                .then();
    }

    private static boolean isNumber(String s) {
        return s.strip().matches("-?[0-9]+(\\.[0-9]+)?");
    }

    record ReadingIn(@NotBlank @Pattern(regexp = "SBP|DBP|HR|FPG|PPG|WEIGHT|WAIST", message = "应为 SBP、DBP、HR、FPG、PPG、WEIGHT 或 WAIST")
                     String code,
                     @NotNull BigDecimal value,
                     @Size(max = 16) String unit,
                     OffsetDateTime measuredAt) {
    }

    record Report(@NotBlank @Size(max = 64) @Pattern(regexp = "[A-Za-z0-9_-]+", message = "只能包含字母、数字、- 和 _")
                  String clientRequestId,
                  @NotEmpty @Size(max = 10) List<@Valid ReadingIn> readings) {
    }

    @PostMapping("/readings")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "上报读数", description = "血压（SBP/DBP，mmHg）、心率（次/分）、空腹/餐后2小时血糖（mmol/L）、体重（kg）。"
            + "单位不符或明显录错的数值（如收缩压1400）会被拒绝并提示，一条也不保存；测量时间不能晚于现在或早于30天前")
    Mono<PatientCare.Reported> report(@RequestHeader(name = BINDING_HEADER, required = false) Long binding,
                                      @Valid @RequestBody Report body) {
        return caller(binding).flatMap(c -> care.reportReadings(c, body.clientRequestId(), body.readings().stream()
                .map(r -> new PatientCare.Reading(r.code(), r.value(), r.unit(), r.measuredAt())).toList()));
    }

    @GetMapping("/readings")
    @Operation(summary = "我的读数", description = "某项指标近 N 天的记录（默认90天），由谁上报（本人、家属、医护、化验）")
    Mono<List<PatientCare.ReadingView>> readings(@RequestHeader(name = BINDING_HEADER, required = false) Long binding,
                                                 @RequestParam @Pattern(regexp = "SBP|DBP|HR|FPG|PPG|WEIGHT|HBA1C|LDL_C") String code,
                                                 @RequestParam(defaultValue = "90") @Min(1) @Max(3650) int days) {
        return caller(binding).flatMap(c -> care.readings(c, code, days));
    }

    @GetMapping("/points")
    @Operation(summary = "我的积分", description = "完成随访问卷、按时上报读数获得的积分明细与余额")
    Mono<PatientCare.Points> points(@RequestHeader(name = BINDING_HEADER, required = false) Long binding) {
        return caller(binding).flatMap(care::points);
    }

    record ConsentChange(Boolean followUp, Boolean recording) {
    }

    @PutMapping("/consent")
    @Operation(summary = "同意或撤回同意", description = "随访（撤回后不再安排随访，未完成的随访取消）与通话录音。仅患者本人可操作，家属代办不可")
    Mono<PatientCare.Consent> consent(@RequestHeader(name = BINDING_HEADER, required = false) Long binding,
                                      @RequestBody ConsentChange body) {
        if (body.followUp() == null && body.recording() == null) {
            throw MiniappException.badRequest(2710, "followUp", "请说明要同意或撤回的事项（followUp 或 recording）");
        }
        return caller(binding).flatMap(c -> care.consent(c, body.followUp(), body.recording()));
    }

    @GetMapping("/my-data")
    @Operation(summary = "导出我的数据", description = "个人信息（证件号、手机号脱敏）、出院记录、随访计划与记录、问卷、读数、建议（《个人信息保护法》查阅复制权）")
    Mono<Map<String, Object>> myData(@RequestHeader(name = BINDING_HEADER, required = false) Long binding) {
        return caller(binding).flatMap(care::myData);
    }
}
