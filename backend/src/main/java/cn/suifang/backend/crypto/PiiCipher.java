package cn.suifang.backend.crypto;

import cn.suifang.backend.common.SuifangProperties;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * Encryption at rest for patient identifiers (PIPL sensitive personal information).
 * <p>
 * Values are sealed with AES-256-GCM: {@code [version:1][nonce:12][ciphertext+tag]}, a fresh random
 * nonce each time, the column name as associated data (so a phone ciphertext cannot be pasted into
 * the ID-card column). Exact lookups use a blind index: HMAC-SHA256 with an independent key over
 * the column name and the normalised value, so the database never sees a searchable clear value.
 */
@Component
public class PiiCipher {

    private static final byte VERSION = 1;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec aesKey;
    private final SecretKeySpec macKey;
    private final SecureRandom random = new SecureRandom();

    @org.springframework.beans.factory.annotation.Autowired
    public PiiCipher(SuifangProperties properties) {
        this(properties.security().piiKey(), properties.security().blindIndexKey());
    }

    public PiiCipher(String base64AesKey, String base64MacKey) {
        byte[] aes = decodeKey(base64AesKey, "suifang.security.pii-key");
        byte[] mac = decodeKey(base64MacKey, "suifang.security.blind-index-key");
        if (java.util.Arrays.equals(aes, mac)) {
            throw new IllegalArgumentException("suifang.security.pii-key and blind-index-key must differ");
        }
        this.aesKey = new SecretKeySpec(aes, "AES");
        this.macKey = new SecretKeySpec(mac, "HmacSHA256");
    }

    private static byte[] decodeKey(String base64, String name) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " is not valid base64");
        }
        if (key.length != 32) {
            throw new IllegalArgumentException(name + " must be 32 bytes (base64 of 256 bits), got " + key.length);
        }
        return key;
    }

    public byte[] encrypt(PiiField field, String clear) {
        if (clear == null) {
            return null;
        }
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(field.aad());
            byte[] sealed = cipher.doFinal(clear.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PII encryption failed", e);
        }
    }

    public String decrypt(PiiField field, byte[] sealed) {
        if (sealed == null) {
            return null;
        }
        if (sealed.length < 1 + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != VERSION) {
            throw new IllegalStateException("unknown PII ciphertext format");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, aesKey, new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE_BYTES));
            cipher.updateAAD(field.aad());
            byte[] clear = cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
            return new String(clear, StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PII decryption failed (wrong key or tampered value)", e);
        }
    }

    /** Deterministic keyed digest of an already normalised value, for equality lookups only. */
    public byte[] blindIndex(PiiField field, String normalised) {
        if (normalised == null) {
            return null;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(macKey);
            mac.update(field.aad());
            mac.update((byte) 0);
            return mac.doFinal(normalised.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("blind index failed", e);
        }
    }

    public enum PiiField {
        PATIENT_PHONE("patient.phone"),
        PATIENT_ID_CARD("patient.id_card"),
        STAFF_PHONE("staff.phone"),
        MINIAPP_OPENID("miniapp.openid"),
        HL7_MESSAGE("hl7.message");

        private final byte[] aad;

        PiiField(String name) {
            this.aad = name.getBytes(StandardCharsets.UTF_8);
        }

        byte[] aad() {
            return aad.clone();
        }
    }
}
