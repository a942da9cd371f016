package cn.suifang.backend.fhir;

import java.nio.charset.StandardCharsets;
import org.springframework.http.MediaType;

/** FHIR's JSON media type (R4 §3.1.0.1.8). */
final class FhirMedia {

    static final String FHIR_JSON_VALUE = "application/fhir+json";
    static final MediaType FHIR_JSON = new MediaType("application", "fhir+json", StandardCharsets.UTF_8);

    private FhirMedia() {
    }
}
