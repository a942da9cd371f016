package cn.suifang.telephony.sim;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DialStringTest {

    @Test
    void globalAndPerLegVariablesAreParsedAndTheLegBlockWins() {
        DialString.Leg leg = DialString.parse("{origination_uuid=a-1,suifang_call_id=42,x=global,"
                + "origination_caller_id_name='Suifang, Hospital'}[x=leg,leg_timeout=20]sofia/gateway/hospital/13800138000");

        assertThat(leg.endpoint()).isEqualTo("sofia/gateway/hospital/13800138000");
        assertThat(leg.variables()).containsExactly(
                java.util.Map.entry("origination_uuid", "a-1"), java.util.Map.entry("suifang_call_id", "42"),
                java.util.Map.entry("origination_caller_id_name", "Suifang, Hospital"),
                java.util.Map.entry("x", "leg"), java.util.Map.entry("leg_timeout", "20"));
    }

    @Test
    void onlyTheFirstOfSeveralEndpointsIsDialled() {
        assertThat(DialString.parse("{a=1}[b=2]user/1000,[c=3]user/1001|user/1002").endpoint()).isEqualTo("user/1000");
    }

    @Test
    void apiArgumentsSplitOnSpacesOutsideBracketsAndQuotes() {
        List<String> argv = DialString.arguments("{a='x y'}user/1 &bridge({b='p q'}sofia/gateway/gw/2) XML default");

        assertThat(argv).containsExactly("{a='x y'}user/1", "&bridge({b='p q'}sofia/gateway/gw/2)", "XML", "default");
    }

    @Test
    void unbalancedBracketsAreRejected() {
        assertThatThrownBy(() -> DialString.parse("{a=1 user/1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DialString.parse("{a=1}")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void endpointsMapToChannelNamesAndDialledNumbers() {
        assertThat(SimCall.Endpoint.of("sofia/gateway/hospital/13800138000"))
                .isEqualTo(new SimCall.Endpoint("sofia/external/sip:13800138000@hospital", "13800138000", "external", null));
        assertThat(SimCall.Endpoint.of("user/1001").destination()).isEqualTo("1001");
        assertThat(SimCall.Endpoint.of("error/user_busy").failure()).isEqualTo("USER_BUSY");
    }
}
