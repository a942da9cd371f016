package cn.suifang.telephony.esl;

import java.util.ArrayList;
import java.util.List;

/**
 * Decodes what mod_event_socket sends (auth requests, command replies, api responses, events,
 * disconnect notices) into {@link EslFrame}s. Not sharable: keep one per channel.
 */
public final class EslFrameDecoder extends EslBlockDecoder<EslFrame> {

    public EslFrameDecoder() {
        this(DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_CONTENT_LENGTH);
    }

    /**
     * @param maxHeaderBytes   largest header block accepted (the outbound-socket connect reply carries all
     *                         channel variables in its headers, so keep this generous)
     * @param maxContentLength largest body accepted; a larger {@code Content-Length} fails the decoder
     */
    public EslFrameDecoder(int maxHeaderBytes, int maxContentLength) {
        super(maxHeaderBytes, maxContentLength);
    }

    @Override
    String contentLengthOf(List<String> lines) {
        return firstValue(lines, 0, EslFrame.CONTENT_LENGTH);
    }

    @Override
    EslFrame toMessage(List<String> lines, byte[] body) {
        List<EslHeader> headers = new ArrayList<>(lines.size());
        for (String line : lines) {
            EslHeader header = parseHeaderLine(line);
            if (header == null) {
                throw new EslProtocolException("ESL header line without a name: '" + abbreviate(line) + "'");
            }
            headers.add(header);
        }
        return EslFrame.of(headers, body);
    }
}
