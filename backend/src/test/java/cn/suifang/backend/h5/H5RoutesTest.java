package cn.suifang.backend.h5;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

/** The workbench's files are public (they hold no data); everything under /api stays behind the token. */
class H5RoutesTest extends IntegrationTest {

    @Test
    void appIsServedWithoutSignIn_andItsAssetsLoad_whileTheApiStillAsksForAToken() {
        web.get().uri("/app").exchange()
                .expectStatus().isPermanentRedirect()
                .expectHeader().location("/app/");

        String page = web.get().uri("/app/").exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_HTML)
                .expectHeader().valueMatches(HttpHeaders.CACHE_CONTROL, ".*no-cache.*")
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(page).contains("<div id=\"app\">", "随访工作台");

        Matcher script = Pattern.compile("src=\"(/app/assets/[^\"]+\\.js)\"").matcher(page);
        assertThat(script.find()).as("built script referenced by index.html").isTrue();
        web.get().uri(script.group(1)).exchange().expectStatus().isOk();

        web.get().uri("/").exchange().expectStatus().isOk()
                .expectBody(String.class).value(landing -> assertThat(landing).contains("href=\"/app/\""));
        web.get().uri("/api/workbench/tasks").exchange().expectStatus().isUnauthorized();
    }
}
