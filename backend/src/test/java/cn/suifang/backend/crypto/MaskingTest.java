package cn.suifang.backend.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MaskingTest {

    @Test
    void phone_keepsFirstThreeAndLastFour() {
        assertThat(Masking.phone("13812345678")).isEqualTo("138****5678");
        assertThat(Masking.phone("02088880001")).isEqualTo("020****0001");
        assertThat(Masking.phone("1234567")).isEqualTo("*******");
        assertThat(Masking.phone(null)).isNull();
    }

    @Test
    void idCard_keepsRegionPrefixAndLastFour() {
        assertThat(Masking.idCard("110105196003071235")).isEqualTo("1101**********1235");
    }

    @Test
    void name_hidesGivenNameButFirstAndLastCharacter() {
        assertThat(Masking.name("张三")).isEqualTo("张*");
        assertThat(Masking.name("李小明")).isEqualTo("李*明");
        assertThat(Masking.name("欧阳娜娜")).isEqualTo("欧**娜");
        assertThat(Masking.name("𠀋明")).isEqualTo("𠀋*");
    }
}
