package cn.suifang.backend.support;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts a callback exactly as WeCom does (加解密方案说明), written from the documentation and independent of the
 * production code: random(16) + length(4, big-endian) + message + receive id, PKCS#7-padded to 32 bytes, AES-256-CBC
 * with key = Base64(EncodingAESKey + "=") and IV = its first 16 bytes; msg_signature = SHA-1 of the sorted
 * (token, timestamp, nonce, Encrypt).
 */
public final class WecomCallbackEncryptor {

    private static final SecureRandom RANDOM = new SecureRandom();

    public record Signed(String msgSignature, String timestamp, String nonce, String encrypt) {
        /** The POST body WeCom sends. */
        public String xml(String toUserName, int agentId) {
            return "<xml><ToUserName><![CDATA[" + toUserName + "]]></ToUserName><Encrypt><![CDATA[" + encrypt
                    + "]]></Encrypt><AgentID><![CDATA[" + agentId + "]]></AgentID></xml>";
        }

        public String query() {
            return "msg_signature=" + msgSignature + "&timestamp=" + timestamp + "&nonce=" + nonce;
        }
    }

    private final String token;
    private final byte[] key;

    public WecomCallbackEncryptor(String token, String encodingAesKey) {
        this.token = token;
        this.key = Base64.getDecoder().decode(encodingAesKey + "=");
    }

    public Signed encrypt(String message, String receiveId, long timestamp) throws Exception {
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        byte[] msg = message.getBytes(StandardCharsets.UTF_8);
        byte[] id = receiveId.getBytes(StandardCharsets.UTF_8);
        int length = 16 + 4 + msg.length + id.length;
        int pad = 32 - length % 32;
        ByteBuffer plain = ByteBuffer.allocate(length + pad);
        plain.put(random).putInt(msg.length).put(msg).put(id);
        for (int i = 0; i < pad; i++) {
            plain.put((byte) pad);
        }
        Cipher aes = Cipher.getInstance("AES/CBC/NoPadding");
        aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(Arrays.copyOf(key, 16)));
        String encrypt = Base64.getEncoder().encodeToString(aes.doFinal(plain.array()));
        String ts = Long.toString(timestamp);
        String nonce = Long.toString(Math.abs(RANDOM.nextLong()));
        return new Signed(sign(ts, nonce, encrypt), ts, nonce, encrypt);
    }

    public String sign(String timestamp, String nonce, String encrypt) throws Exception {
        String[] parts = {token, timestamp, nonce, encrypt};
        Arrays.sort(parts);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                .digest(String.join("", parts).getBytes(StandardCharsets.UTF_8)));
    }
}
