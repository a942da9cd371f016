package cn.suifang.backend.fhir;

import ca.uhn.fhir.context.FhirContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The one FhirContext of the application: creating one scans the R4 model and takes seconds, using one is thread-safe. */
@Configuration
class FhirConfig {

    @Bean
    FhirContext fhirContext() {
        FhirContext context = FhirContext.forR4();
        // scan the model now, at start-up, not on the first request's thread
        context.getResourceDefinition("Bundle");
        return context;
    }
}
