package cn.suifang.backend.organisation;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CareTeamTest extends IntegrationTest {

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> teams(String staff) {
        return get(staff, "/api/admin/care-teams").exchange().expectStatus().isOk()
                .expectBodyList(Map.class).returnResult().getResponseBody().stream()
                .map(m -> (Map<String, Object>) m).toList();
    }

    @Test
    void memberFromAnotherDepartment_seesTheTeamsSheSitsIn() {
        assertThat(teams("dietitian")).extracting(t -> t.get("name")).containsExactly("心内随访团队");
    }

    @Test
    void departmentStaff_seeTheirDepartmentsTeams_adminSeesAll() {
        assertThat(teams("endoDoc")).extracting(t -> t.get("name")).containsExactly("内分泌随访团队");
        assertThat(teams("admin")).hasSize(2);
    }

    @Test
    void head_canAddAMemberToOwnDepartmentsTeamOnly_withARoleTheyHold() {
        post("cardHead", "/api/admin/care-teams/{id}/members", Map.of("staffId", hospital.staff("cardHead"), "role", "PHYSICIAN"),
                hospital.cardTeam).exchange().expectStatus().isNoContent();
        post("cardHead", "/api/admin/care-teams/{id}/members", Map.of("staffId", hospital.staff("endoDoc"), "role", "PHYSICIAN"),
                hospital.endoTeam).exchange().expectStatus().isForbidden();
        post("cardHead", "/api/admin/care-teams/{id}/members", Map.of("staffId", hospital.staff("cardNurse1"), "role", "PHYSICIAN"),
                hospital.cardTeam).exchange().expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("role");

        assertThat(count("SELECT count(*) FROM care_team_member WHERE staff_id = " + hospital.staff("cardHead"))).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'CARE_TEAM_MEMBER_ADD'")).isEqualTo(1);
    }
}
