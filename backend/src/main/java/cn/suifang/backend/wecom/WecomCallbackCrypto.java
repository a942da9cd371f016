package cn.suifang.backend.wecom;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * WeCom's callback encryption (加解密方案): {@code msg_signature} = SHA-1 of the sorted (Token, timestamp, nonce,
 * Encrypt); the payload is AES-256-CBC with key = Base64(EncodingAESKey + "="), IV = the key's first 16 bytes, PKCS#7
 * padding to 32 bytes, and reads 16 random bytes, a 4-byte big-endian length, the message, and the receive id (our
 * corp id). Written here rather than taken from WxJava because WxJava compares signatures with {@code equals} and
 * does not check the receive id, which is what ties a message to our corp.
 */
final class WecomCallbackCrypto {

    static final class Rejected extends Exception {
        Rejected(String message) {
            super(message);
        }
    }

    private final String token;
    private final byte[] key;
    private final String corpId;

    WecomCallbackCrypto(String token, String encodingAesKey, String corpId) {
        if (encodingAesKey.length() != 43) {
            throw new IllegalArgumentException("suifang.wecom.aes-key must be the 43-character EncodingAESKey");
        }
        this.token = token;
        this.key = Base64.getDecoder().decode(encodingAesKey + "=");
        this.corpId = corpId;
    }

    /** Constant-time check of WeCom's signature over (token, timestamp, nonce, encrypted). */
    boolean signatureMatches(String signature, String timestamp, String nonce, String encrypted) {
        String[] parts = {token, timestamp, nonce, encrypted};
        Arrays.sort(parts);
        String expected = sha1(String.join("", parts));
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                signature.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
    }

    /** The message inside {@code encrypted}, refused unless it was encrypted for our corp. */
    String decrypt(String encrypted) throws Rejected {
        byte[] plain;
        try {
            Cipher cipher = Cipher.getInstance("AES/CBC/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(key, 0, 16));
            plain = cipher.doFinal(Base64.getDecoder().decode(encrypted));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new Rejected("ciphertext cannot be decrypted");
        }
        int pad = plain.length == 0 ? 0 : plain[plain.length - 1] & 0xff;
        if (pad < 1 || pad > 32 || pad > plain.length - 20) {
            throw new Rejected("bad padding");
        }
        int end = plain.length - pad;
        int length = ByteBuffer.wrap(plain, 16, 4).getInt();
        if (length < 0 || 20 + length > end) {
            throw new Rejected("bad length");
        }
        String receiveId = new String(plain, 20 + length, end - 20 - length, StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(receiveId.getBytes(StandardCharsets.UTF_8), corpId.getBytes(StandardCharsets.UTF_8))) {
            throw new Rejected("encrypted for another corp");
        }
        return new String(plain, 20, length, StandardCharsets.UTF_8);
    }

    /** The child elements of an XML document's root, by name (first occurrence); DOCTYPEs and entities are refused. */
    static Map<String, String> fields(String xml) throws Rejected {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            Element root = f.newDocumentBuilder()
                    .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))).getDocumentElement();
            Map<String, String> fields = new LinkedHashMap<>();
            for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e) {
                    fields.putIfAbsent(e.getTagName(), e.getTextContent().strip());
                }
            }
            return fields;
        } catch (Exception e) {
            throw new Rejected("not well-formed XML");
        }
    }

    private static String sha1(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
