package cn.suifang.backend.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.fhirpath.IFhirPath;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.ElementDefinition;
import org.hl7.fhir.r4.model.Property;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StructureDefinition;

/**
 * Checks FHIR content against the R4 core specification, with the parts of HAPI this build can resolve: the official
 * XML schemas (structure, element order and types, through {@link FhirValidator}'s schema module over
 * hapi-fhir-validation-resources-r4) and the core StructureDefinitions — every element's minimum cardinality and every
 * error-level invariant (ele-1, ref-1, qty-3, per-1, att-1, con-*, cpl-*, …) evaluated with HAPI's FHIRPath engine,
 * on each resource and on each datatype instance inside it.
 * <p>
 * HAPI's instance validator ({@code hapi-fhir-validation}'s FhirInstanceValidator) is not published in the registry this
 * project builds from (8.10–8.12 are absent); this is the same class of check without terminology (no LOINC/ICD server).
 * Invariants whose FHIRPath the R4 engine cannot evaluate (e.g. {@code htmlChecks()}) are counted as skipped.
 */
final class R4Conformance {

    private static final String CORE = "http://hl7.org/fhir/StructureDefinition/";
    private static final Set<String> NOT_CHECKED_TYPES = Set.of("Element", "BackboneElement", "Extension", "Narrative",
            "Meta", "Resource", "DomainResource");

    private final FhirContext fhir;
    private final FhirValidator schema;
    private final IFhirPath path;
    private final DefaultProfileValidationSupport definitions;
    private final Map<String, StructureDefinition> cache = new java.util.HashMap<>();
    int skippedInvariants;
    int evaluatedInvariants;

    R4Conformance(FhirContext fhir) {
        this.fhir = fhir;
        this.schema = fhir.newValidator();
        schema.setValidateAgainstStandardSchema(true);
        schema.setValidateAgainstStandardSchematron(false);
        this.path = fhir.newFhirPath();
        this.definitions = new DefaultProfileValidationSupport(fhir);
    }

    /** Every error found, each naming where; empty when the content conforms. */
    List<String> errors(Resource resource) {
        List<String> errors = new ArrayList<>();
        schema.validateWithResult(resource).getMessages().stream()
                .filter(m -> m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL)
                .forEach(m -> errors.add("schema: " + m.getLocationString() + " " + m.getMessage()));
        List<Resource> resources = new ArrayList<>(List.of(resource));
        if (resource instanceof Bundle b) {
            b.getEntry().forEach(e -> resources.add(e.getResource()));
        }
        for (Resource r : resources) {
            String where = r.fhirType() + "/" + r.getIdElement().getIdPart();
            check(r, definition(r.fhirType()), where, errors);
            walk(r, where, errors, new IdentityHashMap<>());
        }
        return errors;
    }

    /** Datatype instances anywhere in the resource, each checked against its own definition. */
    private void walk(Base node, String where, List<String> errors, IdentityHashMap<Base, Boolean> seen) {
        if (seen.put(node, Boolean.TRUE) != null) {
            return;
        }
        for (Property p : node.children()) {
            for (Base child : p.getValues()) {
                if (child == null || child instanceof Resource) {
                    continue;   // contained / entry resources are checked on their own
                }
                String type = child.fhirType();
                if (!child.isPrimitive() && !NOT_CHECKED_TYPES.contains(type)) {
                    StructureDefinition sd = definition(type);
                    if (sd != null) {
                        check(child, sd, where + " " + p.getName() + ":" + type, errors);
                    }
                }
                walk(child, where + "." + p.getName(), errors, seen);
            }
        }
    }

    private StructureDefinition definition(String type) {
        return cache.computeIfAbsent(type, t -> (StructureDefinition) definitions.fetchStructureDefinition(CORE + t));
    }

    /** Minimum cardinalities and error-level invariants of {@code sd}'s elements, with {@code root} as its first element. */
    private void check(Base root, StructureDefinition sd, String where, List<String> errors) {
        if (sd == null) {
            return;
        }
        String rootPath = sd.getSnapshot().getElementFirstRep().getPath();
        for (ElementDefinition ed : sd.getSnapshot().getElement()) {
            String elementPath = ed.getPath().replace("[x]", "");
            List<Base> nodes = select(root, rootPath, elementPath);
            if (ed.getMin() > 0 && elementPath.contains(".")) {
                String parent = elementPath.substring(0, elementPath.lastIndexOf('.'));
                String name = elementPath.substring(elementPath.lastIndexOf('.') + 1);
                for (Base p : select(root, rootPath, parent)) {
                    if (evaluate(p, name).size() < ed.getMin()) {
                        errors.add(where + ": " + ed.getPath() + " 至少 " + ed.getMin() + " 个（缺失）");
                    }
                }
            }
            for (ElementDefinition.ElementDefinitionConstraintComponent c : ed.getConstraint()) {
                if (c.getSeverity() != ElementDefinition.ConstraintSeverity.ERROR || !c.hasExpression()) {
                    continue;
                }
                for (Base node : nodes) {
                    Boolean ok = holds(node, c.getExpression());
                    if (ok == null) {
                        skippedInvariants++;
                    } else {
                        evaluatedInvariants++;
                        if (!ok) {
                            errors.add(where + ": " + ed.getPath() + " 违反 " + c.getKey() + "（" + c.getHuman() + "）");
                        }
                    }
                }
            }
        }
    }

    private List<Base> select(Base root, String rootPath, String elementPath) {
        if (elementPath.equals(rootPath)) {
            return List.of(root);
        }
        if (!elementPath.startsWith(rootPath + ".")) {
            return List.of();
        }
        return evaluate(root, elementPath.substring(rootPath.length() + 1));
    }

    private List<Base> evaluate(Base node, String expression) {
        try {
            return path.evaluate(node, expression, Base.class);
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    /** True/false, or null when the engine cannot evaluate the expression here. */
    private Boolean holds(Base node, String expression) {
        try {
            List<IBase> result = path.evaluate(node, expression, IBase.class);
            if (result.isEmpty()) {
                return true;
            }
            return !(result.get(0) instanceof BooleanType b) || b.booleanValue();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
