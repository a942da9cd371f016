package cn.suifang.backend.wecom;

import java.util.List;
import me.chanjar.weixin.cp.bean.message.WxCpMessage;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/** Sends one textcard app message (应用消息) to one member, with WeCom's own duplicate check on. */
@Component
public class WecomMessenger {

    private final WecomClient wecom;

    WecomMessenger(WecomClient wecom) {
        this.wecom = wecom;
    }

    /** WeCom's answer: its message id and the recipients it did not know ({@code invaliduser}, with errcode 0). */
    public record Sent(String msgId, List<String> invalidUsers) {
    }

    public boolean enabled() {
        return wecom.enabled();
    }

    public Mono<Sent> sendCard(String userId, String title, String description, String url) {
        WxCpMessage card = WxCpMessage.TEXTCARD().toUser(userId).title(title).description(description).url(url)
                .btnTxt("详情").build();
        card.setAgentId(wecom.config().agentId());
        card.setEnableDuplicateCheck(true);
        card.setDuplicateCheckInterval(1800);
        return wecom.call("message/send", s -> s.getMessageService().send(card))
                .map(r -> new Sent(r.getMsgId(), r.getInvalidUserList() == null ? List.of() : r.getInvalidUserList()));
    }
}
