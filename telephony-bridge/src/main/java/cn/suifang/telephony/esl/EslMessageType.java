package cn.suifang.telephony.esl;

/** The {@code Content-Type} of a frame sent by mod_event_socket. */
public enum EslMessageType {
    AUTH_REQUEST("auth/request"),
    COMMAND_REPLY("command/reply"),
    API_RESPONSE("api/response"),
    EVENT_PLAIN("text/event-plain"),
    EVENT_JSON("text/event-json"),
    EVENT_XML("text/event-xml"),
    DISCONNECT_NOTICE("text/disconnect-notice"),
    RUDE_REJECTION("text/rude-rejection"),
    LOG_DATA("log/data"),
    UNKNOWN("");

    private final String contentType;

    EslMessageType(String contentType) {
        this.contentType = contentType;
    }

    public String contentType() {
        return contentType;
    }

    public boolean isEvent() {
        return this == EVENT_PLAIN || this == EVENT_JSON || this == EVENT_XML;
    }

    public static EslMessageType of(String contentType) {
        if (contentType != null) {
            for (EslMessageType type : values()) {
                if (type != UNKNOWN && type.contentType.equalsIgnoreCase(contentType.trim())) {
                    return type;
                }
            }
        }
        return UNKNOWN;
    }
}
