package cn.suifang.miniapp;

import cn.suifang.miniapp.port.MiniappAccounts;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.springframework.http.HttpStatus;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

@RestController
@RequestMapping("/api/mp")
@Validated
@Tag(name = "小程序：登录与绑定", description = "患者或家属在随访小程序中登录（wx.login 的 code），并绑定到本院的出院患者")
class MiniappAccountController {

    private final MiniappClient wechat;
    private final MiniappAccounts accounts;
    private final BindingGuard guard;
    private final MiniappSettings settings;

    MiniappAccountController(MiniappClient wechat, MiniappAccounts accounts, BindingGuard guard, MiniappSettings settings) {
        this.wechat = wechat;
        this.accounts = accounts;
        this.guard = guard;
        this.settings = settings;
    }

    record SignIn(@NotBlank @Size(max = 128) String code) {
    }

    @PostMapping("/session")
    @Operation(summary = "小程序登录", description = "wx.login 得到的 code 换取会话令牌（code 只能用一次）；返回已生效的绑定数。"
            + "code 无效（40029）或已用过（40163）时返回 401，请重新调用 wx.login")
    Mono<MiniappAccounts.SignedIn> signIn(@Valid @RequestBody SignIn body) {
        return wechat.openid(body.code()).flatMap(accounts::signIn);
    }

    @GetMapping("/bindings")
    @Operation(summary = "我的绑定", description = "本账号绑定的患者（姓名脱敏）、家属代办关系及状态，以及等待我（患者本人）同意的家属代办申请")
    Mono<MiniappAccounts.Bindings> bindings() {
        return accounts.currentAccount().flatMap(accounts::bindings);
    }

    record BindSelf(@NotBlank @Size(max = 128) String phoneCode,
                    @Size(max = 32) String name,
                    @Pattern(regexp = "[0-9]{3}[0-9Xx]", message = "应为身份证号后4位") String idCardLast4) {
    }

    @PostMapping("/bindings")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "本人绑定", description = "phoneCode 来自“授权手机号”按钮（getPhoneNumber）；再填姓名或身份证号后4位之一。"
            + "信息不符一律返回同样的提示；同一账号每小时最多尝试 5 次")
    Mono<MiniappAccounts.BindingView> bindSelf(@Valid @RequestBody BindSelf body) {
        if (blank(body.name()) && blank(body.idCardLast4())) {
            throw MiniappException.badRequest(2707, "name", "请填写姓名或身份证号后4位");
        }
        return accounts.currentAccount().flatMap(account -> guard.attempt(account)
                .then(wechat.phoneNumber(body.phoneCode()))
                .flatMap(phone -> accounts.bindSelf(account, phone, trim(body.name()), upper(body.idCardLast4()))));
    }

    record RequestProxy(@NotBlank @Pattern(regexp = "1[3-9][0-9]{9}", message = "应为11位手机号") String patientPhone,
                        @NotBlank @Size(max = 32) String name,
                        @NotBlank @Pattern(regexp = "[0-9]{3}[0-9Xx]", message = "应为身份证号后4位") String idCardLast4,
                        @NotBlank @Pattern(regexp = "SPOUSE|CHILD|PARENT|SIBLING|OTHER",
                                message = "应为 SPOUSE、CHILD、PARENT、SIBLING 或 OTHER") String relation) {
    }

    @PostMapping("/proxy-bindings")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "家属代办申请", description = "家属填写患者在医院登记的手机号、姓名和身份证号后4位。申请在患者同意后生效："
            + "患者本人在小程序中同意，或随访护士电话征得患者同意后在工作台确认。代办期间的每条记录都标明由家属代填")
    Mono<MiniappAccounts.BindingView> requestProxy(@Valid @RequestBody RequestProxy body) {
        return accounts.currentAccount().flatMap(account -> guard.attempt(account)
                .then(accounts.requestProxy(account, body.patientPhone(), body.name().strip(),
                        body.idCardLast4().toUpperCase(), body.relation())));
    }

    @PostMapping("/proxy-bindings/{id}/approve")
    @Operation(summary = "患者同意家属代办", description = "仅患者本人（本人绑定的账号）可以同意")
    Mono<MiniappAccounts.BindingView> approve(@PathVariable long id) {
        return accounts.currentAccount().flatMap(account -> accounts.approveProxy(account, id));
    }

    @DeleteMapping("/bindings/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "解除绑定", description = "解除本账号的绑定；患者本人也可以解除家属对自己的代办")
    Mono<Void> unbind(@PathVariable long id) {
        return accounts.currentAccount().flatMap(account -> accounts.unbind(account, id));
    }

    record Subscribe(@jakarta.validation.constraints.NotEmpty @Size(max = 5)
                     java.util.Map<@NotBlank String, @Pattern(regexp = "accept|reject|ban|filter",
                             message = "应为 wx.requestSubscribeMessage 的结果：accept、reject、ban 或 filter") String> results,
                     Boolean longTerm) {
    }

    @PostMapping("/subscriptions")
    @Operation(summary = "订阅消息授权结果", description = "把 wx.requestSubscribeMessage 的结果原样上报（模板 ID → accept/reject/ban/filter）。"
            + "每个 accept 允许发送一条该模板的消息（一次性订阅）；longTerm=true 表示长期订阅（医疗类目）。拒绝会清空该模板的授权")
    reactor.core.publisher.Flux<MiniappAccounts.Subscription> subscribe(@Valid @RequestBody Subscribe body) {
        body.results().keySet().forEach(id -> {
            if (settings.templateKind(id) == null) {
                throw MiniappException.badRequest(2721, "results", "不是本院随访小程序的消息模板：" + id);
            }
        });
        return accounts.currentAccount().flatMapMany(account -> reactor.core.publisher.Flux.fromIterable(body.results().entrySet())
                .concatMap(e -> accounts.subscribe(account, settings.templateKind(e.getKey()), "accept".equals(e.getValue()),
                        Boolean.TRUE.equals(body.longTerm()))));
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String trim(String s) {
        return blank(s) ? null : s.strip();
    }

    private static String upper(String s) {
        return blank(s) ? null : s.strip().toUpperCase();
    }
}
