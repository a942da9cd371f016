package cn.suifang.backend.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.math.BigDecimal;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The conformance check the export is held to can fail: broken content is reported, element by element. */
class R4ConformanceTest {

    private static FhirContext fhir;

    @BeforeAll
    static void context() {
        fhir = FhirContext.forR4();
    }

    @Test
    void conformingContent_hasNoErrors() {
        Observation o = new Observation();
        o.setId("ok");
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.setCode(new CodeableConcept(new Coding("http://loinc.org", "14771-0", null)));
        o.setValue(new Quantity().setValue(new BigDecimal("7.8")).setSystem("http://unitsofmeasure.org").setCode("mmol/L"));

        assertThat(new R4Conformance(fhir).errors(o)).isEmpty();
    }

    @Test
    void missingRequiredElements_brokenInvariants_andSchemaViolations_areReported() {
        // an Observation without status, a unit code without its system (qty-3), a stay ending before it began (per-1)
        Observation o = new Observation();
        o.setId("broken");
        o.setCode(new CodeableConcept(new Coding("http://loinc.org", "14771-0", null)));
        o.setValue(new Quantity().setValue(new BigDecimal("7.8")).setCode("mmol/L"));
        Encounter e = new Encounter();
        e.setId("stay");
        e.setStatus(Encounter.EncounterStatus.FINISHED);
        e.setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "IMP", null));
        e.setPeriod(new Period().setStartElement(new DateTimeType("2026-11-18")).setEndElement(new DateTimeType("2026-11-13")));
        Bundle b = new Bundle().setType(Bundle.BundleType.COLLECTION);
        b.addEntry().setFullUrl("https://example.org/fhir/Observation/broken").setResource(o);
        b.addEntry().setFullUrl("https://example.org/fhir/Encounter/stay").setResource(e);

        var errors = new R4Conformance(fhir).errors(b);

        assertThat(errors).anyMatch(x -> x.contains("Observation.status") && x.contains("至少 1"));
        assertThat(errors).anyMatch(x -> x.contains("qty-3"));
        assertThat(errors).anyMatch(x -> x.contains("per-1"));
        assertThat(errors).anyMatch(x -> x.startsWith("schema:"));
    }
}
