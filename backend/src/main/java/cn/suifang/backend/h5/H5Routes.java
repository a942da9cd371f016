package cn.suifang.backend.h5;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;

import java.net.URI;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The doctor's mobile workbench (Vue + Vant, built by Maven from {@code backend/frontend} into
 * {@code static/app/}). WebFlux serves static files but has no index.html fallback below the root, so
 * {@code /app} and {@code /app/} answer with the page itself; the app routes with the URL hash
 * ({@code /app/#/task/12}), so no other deep link ever reaches the server. The page is never cached (it
 * names the current hashed assets); the assets themselves are immutable.
 */
@Configuration
class H5Routes {

    static final String INDEX = "static/app/index.html";

    @Bean
    RouterFunction<ServerResponse> h5Workbench() {
        Resource index = new ClassPathResource(INDEX);
        return RouterFunctions.route(GET("/app/"), request -> index.exists()
                        ? ServerResponse.ok().contentType(MediaType.TEXT_HTML).cacheControl(CacheControl.noCache())
                                .bodyValue(index)
                        : ServerResponse.notFound().build())
                .andRoute(GET("/app"), request -> ServerResponse.permanentRedirect(URI.create("/app/")).build());
    }
}
