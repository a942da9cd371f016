package cn.suifang.backend.call;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import cn.suifang.backend.common.SuifangProperties;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ResponseStatusException;

/** Without configured credentials the CDR endpoint does not exist, whatever the caller sends. */
class CdrControllerDisabledTest {

    @Test
    void withoutCredentialsConfigured_theEndpointAnswers404EvenToBlankBasicCredentials() {
        SuifangProperties properties = mock(SuifangProperties.class);
        SuifangProperties.Telephony telephony = mock(SuifangProperties.Telephony.class);
        when(properties.telephony()).thenReturn(telephony);
        when(telephony.cdr()).thenReturn(new SuifangProperties.Cdr("", ""));
        CdrReconciler reconciler = mock(CdrReconciler.class);
        CdrController controller = new CdrController(properties, reconciler);
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/api/telephony/cdr")
                .header(HttpHeaders.AUTHORIZATION, "Basic Og==") // ":" — blank user and password
                .contentType(MediaType.APPLICATION_JSON).body("{}"));

        assertThatThrownBy(() -> controller.receive(exchange))
                .isInstanceOfSatisfying(ResponseStatusException.class,
                        e -> org.assertj.core.api.Assertions.assertThat(e.getStatusCode().value()).isEqualTo(404));
        verifyNoInteractions(reconciler);
    }
}
