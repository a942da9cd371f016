package cn.suifang.backend.common;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** OpenAPI metadata and the bearer scheme, so Swagger UI's "Authorize" sends the token. */
@Configuration
class OpenApiConfig {

    @Bean
    OpenAPI suifangOpenApi() {
        return new OpenAPI()
                .info(new Info().title("随访 Suifang API").version("0.1")
                        .description("出院患者随访：出院数据导入、随访路径、任务、随访记录、审计。"
                                + "错误均为 application/problem+json（RFC 7807），见 docs/api.md。"))
                .components(new Components().addSecuritySchemes("bearer",
                        new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                                .description("演示模式：POST /api/auth/demo-login 获取令牌")))
                .addSecurityItem(new SecurityRequirement().addList("bearer"));
    }
}
