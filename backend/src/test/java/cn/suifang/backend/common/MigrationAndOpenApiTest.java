package cn.suifang.backend.common;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.Environment;
import org.springframework.beans.factory.annotation.Autowired;

class MigrationAndOpenApiTest extends IntegrationTest {

    @Autowired
    Environment env;

    @Test
    void migrationsApplyToAnEmptySchema_andSeedTheFivePathways() {
        String schema = "migrate_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Flyway flyway = Flyway.configure()
                .dataSource(env.getProperty("spring.flyway.url"), "suifang", "suifang")
                .schemas(schema).createSchemas(true).locations("classpath:db/migration").load();
        try {
            var result = flyway.migrate();

            assertThat(result.success).isTrue();
            assertThat(result.migrationsExecuted).isGreaterThanOrEqualTo(2);
            assertThat(flyway.validateWithResult().validationSuccessful).isTrue();
            Long pathways = db.sql("SELECT count(*) FROM " + schema + ".pathway WHERE status = 'ACTIVE'")
                    .map(r -> r.get(0, Long.class)).one().block();
            assertThat(pathways).isEqualTo(5);
        } finally {
            db.sql("DROP SCHEMA " + schema + " CASCADE").then().block();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void openApi_describesEveryApiRoute() {
        Map<String, Object> doc = web.get().uri("/v3/api-docs").exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();

        Map<String, Object> paths = (Map<String, Object>) doc.get("paths");
        assertThat(paths.keySet()).contains("/api/workbench/tasks", "/api/tasks/{taskId}", "/api/tasks/{taskId}/notes",
                "/api/patients/{patientId}/timeline", "/api/admin/discharges", "/api/admin/discharges/csv",
                "/api/admin/pathways", "/api/admin/pathways/{id}/activate", "/api/admin/audit/verify",
                "/api/auth/demo-login");
    }

    @Test
    void health_isUpWithoutAToken() {
        web.get().uri("/actuator/health").exchange().expectStatus().isOk();
        web.get().uri("/actuator/env").exchange().expectStatus().isUnauthorized();
    }

    @Test
    void prometheusMetrics_areExposed() {
        String body = web.get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(body).contains("jvm_memory_used_bytes");
        assertThat(List.of(body.split("\n"))).anyMatch(l -> l.startsWith("http_server_requests") || l.startsWith("jvm_"));
    }
}
