package cn.suifang.telephony.esl;

import java.util.ArrayList;
import java.util.List;

/**
 * Server side: decodes what an ESL client sends into {@link EslCommand}s. Like mod_event_socket it
 * ignores header lines without a colon.
 */
public final class EslCommandDecoder extends EslBlockDecoder<EslCommand> {

    /** mod_event_socket rejects command bodies above 16 MiB. */
    static final int MAX_COMMAND_BODY = 16 * 1024 * 1024;

    public EslCommandDecoder() {
        super(64 * 1024, MAX_COMMAND_BODY);
    }

    @Override
    String contentLengthOf(List<String> lines) {
        return firstValue(lines, 1, EslFrame.CONTENT_LENGTH);
    }

    @Override
    EslCommand toMessage(List<String> lines, byte[] body) {
        List<EslHeader> headers = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            EslHeader header = parseHeaderLine(lines.get(i));
            if (header != null) {
                headers.add(header);
            }
        }
        try {
            return EslCommand.of(lines.get(0), headers, body);
        } catch (IllegalArgumentException e) {
            throw new EslProtocolException("malformed ESL command", e);
        }
    }
}
