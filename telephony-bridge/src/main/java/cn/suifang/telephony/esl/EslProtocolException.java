package cn.suifang.telephony.esl;

import io.netty.handler.codec.DecoderException;

/** The peer sent bytes that are not valid ESL; the connection should be closed. */
public class EslProtocolException extends DecoderException {

    private static final long serialVersionUID = 1L;

    public EslProtocolException(String message) {
        super(message);
    }

    public EslProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
