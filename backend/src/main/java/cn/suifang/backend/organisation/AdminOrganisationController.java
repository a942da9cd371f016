package cn.suifang.backend.organisation;

import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

@RestController
@RequestMapping("/api/admin")
@Tag(name = "管理：组织与人员", description = "科室、人员、随访团队（MDT）")
class AdminOrganisationController {

    private final OrganisationService organisation;

    AdminOrganisationController(OrganisationService organisation) {
        this.organisation = organisation;
    }

    record StaffRequest(
            @NotBlank @Size(max = 32) @Pattern(regexp = "[A-Za-z0-9_-]+", message = "只能包含字母、数字、-、_") String employeeNo,
            @NotBlank @Size(max = 64) String name,
            @NotBlank String departmentCode,
            @NotEmpty Set<@NotNull Role> roles,
            @Size(max = 20) String phone,
            @Size(max = 64) String wecomUserId) {
    }

    record CareTeamRequest(@NotBlank String departmentCode, @NotBlank @Size(max = 128) String name) {
    }

    record MemberRequest(@NotNull Long staffId, @NotNull Role role) {
    }

    @GetMapping("/departments")
    @Operation(summary = "科室列表")
    Flux<OrganisationService.Department> departments(@AuthenticationPrincipal Principal principal) {
        return organisation.departments(principal.requireStaff().hospitalId());
    }

    @GetMapping("/staff")
    @Operation(summary = "人员列表", description = "管理员看全院（可按科室筛选），科室主任看本科室")
    Flux<OrganisationService.Staff> staff(@AuthenticationPrincipal Principal principal,
                                         @RequestParam(required = false) Long departmentId) {
        return organisation.staff(principal, departmentId);
    }

    @PostMapping("/staff")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "新增人员")
    Mono<OrganisationService.Staff> createStaff(@AuthenticationPrincipal Principal principal,
                                               @Valid @RequestBody StaffRequest request) {
        principal.requireRole(Role.ADMIN);
        return organisation.createStaff(principal, new OrganisationService.NewStaff(request.employeeNo(),
                request.name(), request.departmentCode(), request.roles(), request.phone(), request.wecomUserId()));
    }

    @GetMapping("/care-teams")
    @Operation(summary = "随访团队列表")
    Flux<OrganisationService.CareTeam> careTeams(@AuthenticationPrincipal Principal principal,
                                                @RequestParam(required = false) Long departmentId) {
        return organisation.careTeams(principal, departmentId);
    }

    @PostMapping("/care-teams")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "新建随访团队")
    Mono<OrganisationService.CareTeam> createCareTeam(@AuthenticationPrincipal Principal principal,
                                                     @Valid @RequestBody CareTeamRequest request) {
        principal.requireStaff();
        return organisation.createCareTeam(principal, request.departmentCode(), request.name());
    }

    @PostMapping("/care-teams/{teamId}/members")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "添加团队成员")
    Mono<Void> addMember(@AuthenticationPrincipal Principal principal, @PathVariable long teamId,
                         @Valid @RequestBody MemberRequest request) {
        principal.requireStaff();
        return organisation.addMember(principal, teamId, request.staffId(), request.role());
    }
}
