package cn.suifang.backend.discharge;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Past;
import jakarta.validation.constraints.PastOrPresent;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.LocalDate;
import java.util.List;

/**
 * One discharge as a HIS sends it: the encounter and the patient's demographics. Field names are the
 * contract for JSON imports; CSV columns map onto the same fields (see {@link CsvDischargeReader}).
 */
public record DischargeRecord(
        @NotBlank @Size(max = 64) String encounterId,
        @NotNull @Valid PatientData patient,
        @NotBlank @Size(max = 32) String departmentCode,
        @Size(max = 32) String attendingEmployeeNo,
        @NotNull @PastOrPresent LocalDate admissionDate,
        @NotNull @PastOrPresent LocalDate dischargeDate,
        @NotEmpty @Size(max = 20) List<@NotBlank @Size(max = 16) String> diagnoses,
        @Size(max = 20) List<@NotBlank @Size(max = 16) String> procedures,
        @Size(max = 8000) String dischargeSummary,
        @Size(max = 4000) String dischargeInstructions,
        @Size(max = 30) List<@NotBlank @Size(max = 128) String> medications) {

    public enum Gender { MALE, FEMALE, UNKNOWN }

    public record PatientData(
            @NotBlank @Size(max = 64) String mrn,
            @NotBlank @Size(max = 64) @Pattern(regexp = "[^\\p{Cntrl}<>]+", message = "包含非法字符") String name,
            @NotNull Gender gender,
            @Past LocalDate birthDate,
            @Size(max = 20) String phone,
            @Size(max = 18) String idCard,
            Boolean consentFollowUp,
            Boolean consentRecording) {
    }
}
