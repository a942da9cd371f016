package cn.suifang.backend.fhir;

import ca.uhn.fhir.context.FhirContext;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The one FhirContext of the application: creating one scans the R4 model and takes seconds, using one is thread-safe. */
@Configuration
class FhirConfig {

    @Bean
    FhirContext fhirContext() {
        FhirContext context = FhirContext.forR4();
        // scan the model of everything we read and write now, at start-up, not on a request's (event-loop) thread
        for (String type : List.of("Bundle", "OperationOutcome", "Patient", "Encounter", "Condition", "Procedure",
                "DocumentReference", "MedicationStatement", "Observation", "DiagnosticReport", "CarePlan", "Task",
                "QuestionnaireResponse", "Communication", "Organization", "Practitioner")) {
            context.getResourceDefinition(type);
        }
        context.newJsonParser().encodeResourceToString(new org.hl7.fhir.r4.model.OperationOutcome());
        return context;
    }
}
