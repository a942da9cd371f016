package cn.suifang.backend.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.suifang.backend.crypto.PiiCipher.PiiField;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class PiiCipherTest {

    private static final String AES = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());
    private static final String MAC = Base64.getEncoder().encodeToString("fedcba9876543210fedcba9876543210".getBytes());
    private final PiiCipher cipher = new PiiCipher(AES, MAC);

    @Test
    void roundTrip_andFreshNonceEachTime() {
        byte[] a = cipher.encrypt(PiiField.PATIENT_PHONE, "13812345678");
        byte[] b = cipher.encrypt(PiiField.PATIENT_PHONE, "13812345678");

        assertThat(a).isNotEqualTo(b);
        assertThat(cipher.decrypt(PiiField.PATIENT_PHONE, a)).isEqualTo("13812345678");
        assertThat(cipher.decrypt(PiiField.PATIENT_PHONE, b)).isEqualTo("13812345678");
    }

    @Test
    void ciphertextMovedToAnotherColumn_doesNotDecrypt() {
        byte[] phone = cipher.encrypt(PiiField.PATIENT_PHONE, "13812345678");

        assertThatThrownBy(() -> cipher.decrypt(PiiField.PATIENT_ID_CARD, phone)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void flippedBit_isDetected() {
        byte[] sealed = cipher.encrypt(PiiField.PATIENT_PHONE, "13812345678");
        sealed[sealed.length - 1] ^= 1;

        assertThatThrownBy(() -> cipher.decrypt(PiiField.PATIENT_PHONE, sealed)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void blindIndex_isDeterministicPerFieldAndKey() {
        assertThat(cipher.blindIndex(PiiField.PATIENT_PHONE, "13812345678"))
                .isEqualTo(cipher.blindIndex(PiiField.PATIENT_PHONE, "13812345678"))
                .isNotEqualTo(cipher.blindIndex(PiiField.STAFF_PHONE, "13812345678"))
                .isNotEqualTo(new PiiCipher(MAC, AES).blindIndex(PiiField.PATIENT_PHONE, "13812345678"));
    }

    @Test
    void wrongKeyLengthOrSameKeys_areRefusedAtStartup() {
        assertThatThrownBy(() -> new PiiCipher(Base64.getEncoder().encodeToString(new byte[16]), MAC))
                .hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> new PiiCipher(AES, AES)).hasMessageContaining("must differ");
        assertThatThrownBy(() -> new PiiCipher("not base64!", MAC)).hasMessageContaining("base64");
    }

    @Test
    void nullStaysNull() {
        assertThat(cipher.encrypt(PiiField.PATIENT_PHONE, null)).isNull();
        assertThat(cipher.decrypt(PiiField.PATIENT_PHONE, null)).isNull();
        assertThat(cipher.blindIndex(PiiField.PATIENT_PHONE, null)).isNull();
    }
}
