package cn.suifang.telephony.sim;

import cn.suifang.telephony.esl.EslFrame;
import cn.suifang.telephony.esl.EslHeader;
import cn.suifang.telephony.esl.EslMessageType;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Non-event frames with mod_event_socket's header order (api/response: Content-Type before Content-Length). */
final class Frames {

    static final String GOODBYE = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";

    private Frames() {
    }

    static EslFrame authRequest() {
        return EslFrame.of(List.of(contentType(EslMessageType.AUTH_REQUEST)));
    }

    static EslFrame commandReply(String replyText) {
        return EslFrame.of(List.of(contentType(EslMessageType.COMMAND_REPLY),
                new EslHeader(EslFrame.REPLY_TEXT, replyText)));
    }

    static EslFrame bgapiReply(String jobUuid) {
        return EslFrame.of(List.of(contentType(EslMessageType.COMMAND_REPLY),
                new EslHeader(EslFrame.REPLY_TEXT, "+OK Job-UUID: " + jobUuid),
                new EslHeader("Job-UUID", jobUuid)));
    }

    static EslFrame apiResponse(String output) {
        String text = output.isEmpty() ? "-ERR no reply\n" : output;
        return withBody(EslMessageType.API_RESPONSE, text);
    }

    static EslFrame disconnectNotice() {
        return withBody(EslMessageType.DISCONNECT_NOTICE, GOODBYE);
    }

    private static EslFrame withBody(EslMessageType type, String text) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        return EslFrame.of(List.of(contentType(type),
                new EslHeader(EslFrame.CONTENT_LENGTH, Integer.toString(body.length))), body);
    }

    private static EslHeader contentType(EslMessageType type) {
        return new EslHeader(EslFrame.CONTENT_TYPE, type.contentType());
    }
}
