package cn.suifang.telephony.esl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EslJsonTest {

    @Test
    void eventMembers_keepWireOrderAndRepeatedNames() {
        List<Map.Entry<String, Object>> members = EslJson.parseObjectMembers(
                "{\"Event-Name\":\"CHANNEL_HANGUP_COMPLETE\",\"Hangup-Cause\":\"NORMAL_CLEARING\","
                        + "\"Hangup-Cause\":\"NORMAL_CLEARING\",\"multi\":[\"a\",\"b\"],\"n\":null}");

        assertThat(members).extracting(Map.Entry::getKey)
                .containsExactly("Event-Name", "Hangup-Cause", "Hangup-Cause", "multi", "n");
        assertThat(members.get(3).getValue()).isEqualTo(List.of("a", "b"));
        assertThat(members.get(4).getValue()).isNull();
    }

    @Test
    void writesRepeatedNamesAndReadsBackWhatItWrote() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("s", "q\"\\\t\u0001随访");
        value.put("l", List.of(1L, "2", Map.of()));
        value.put("n", null);

        String text = EslJson.write(value);

        assertThat(EslJson.parse(text)).isEqualTo(value);
        assertThat(EslJson.write(List.of(new SimpleImmutableEntry<>("a", "1"), new SimpleImmutableEntry<>("a", "2"))))
                .isEqualTo("{\"a\":\"1\",\"a\":\"2\"}");
    }

    @Test
    void malformedText_isRejected() {
        for (String bad : List.of("", "{", "{\"a\" 1}", "[1,]", "\"open", "tru")) {
            assertThatThrownBy(() -> EslJson.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid JSON");
        }
        assertThatThrownBy(() -> EslJson.parseObjectMembers("{} x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EslJson.parseObjectMembers("[1]")).isInstanceOf(IllegalArgumentException.class);
    }
}
