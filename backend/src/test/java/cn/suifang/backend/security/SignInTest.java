package cn.suifang.backend.security;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

class SignInTest extends IntegrationTest {

    @Test
    void clientStillSendingAnExpiredToken_canSignInAgain() {
        web.post().uri("/api/auth/demo-login").header("Authorization", "Bearer expired-token-expired-token-000")
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("staffId", hospital.staff("cardDoc")))
                .exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.token").isNotEmpty().jsonPath("$.me.name").isEqualTo("李医生");
    }

    @Test
    void issuedToken_worksUntilLogoutThenIsRejectedEverywhere() {
        String token = web.post().uri("/api/auth/demo-login").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("staffId", hospital.staff("cardDoc"))).exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody().get("token").toString();
        web.get().uri("/api/me").header("Authorization", "Bearer " + token).exchange().expectStatus().isOk();

        web.post().uri("/api/auth/logout").header("Authorization", "Bearer " + token).exchange().expectStatus().isOk();

        web.get().uri("/api/me").header("Authorization", "Bearer " + token).exchange().expectStatus().isUnauthorized();
    }

    @Test
    void unknownOrInactiveStaff_cannotSignIn() {
        db.sql("UPDATE staff SET active = FALSE WHERE id = " + hospital.staff("cardDoc2")).then().block();

        for (long id : new long[] {hospital.staff("cardDoc2"), 999_999L}) {
            web.post().uri("/api/auth/demo-login").contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("staffId", id))
                    .exchange().expectStatus().isUnauthorized().expectBody().jsonPath("$.code").isEqualTo("SF-1902");
        }
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'LOGIN_DEMO'")).isZero();
    }
}
