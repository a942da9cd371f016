package cn.suifang.backend.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IdentifiersTest {

    @ParameterizedTest
    @CsvSource({
            "13812345678, 13812345678",
            "+86 138 1234 5678, 13812345678",
            "138-1234-5678, 13812345678",
            "010-12345678, 01012345678",
            "020 8888 0001, 02088880001"})
    void validChineseNumbers_normalise(String raw, String expected) {
        assertThat(Identifiers.normalisePhone(raw)).contains(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"12345", "1381234567", "23812345678", "+1 650 253 0000", "abc", ""})
    void invalidNumbers_areRejected(String raw) {
        assertThat(Identifiers.normalisePhone(raw)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"110105196003071235", "11010519491231002X", "11010519491231002x"})
    void validIdCards_normaliseToUpperCase(String raw) {
        assertThat(Identifiers.normaliseIdCard(raw)).hasValueSatisfying(id -> assertThat(id).isEqualTo(raw.toUpperCase()));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "110105196003071234", // wrong check digit
            "110105196002301234", // 30 February
            "11010519600307123",  // 17 characters
            "110105296003071235", // born in 2960
            "1101051960030712AB"})
    void invalidIdCards_areRejected(String raw) {
        assertThat(Identifiers.normaliseIdCard(raw)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"11010519600307123", "44010619800101001"})
    void generatedCheckDigit_validates(String first17) {
        assertThat(Identifiers.normaliseIdCard(Identifiers.withIdCheckDigit(first17))).isPresent();
    }
}
