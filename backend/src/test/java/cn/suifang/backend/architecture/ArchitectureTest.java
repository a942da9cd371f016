package cn.suifang.backend.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** Boundaries that must hold as the code grows (DESIGN.md §3, STYLE.md). */
@AnalyzeClasses(packages = "cn.suifang", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule modulesNeverPointBackAtTheBackend = noClasses()
            .that().resideInAnyPackage("cn.suifang.telephony..", "cn.suifang.miniprogram..")
            .should().dependOnClassesThat().resideInAPackage("cn.suifang.backend..")
            .because("dependency direction is backend → miniprogram-api / telephony-bridge, never back");

    @ArchTest
    static final ArchRule onlyTheTelephonyBridgeSpeaksEsl = noClasses()
            .that().resideOutsideOfPackage("cn.suifang.telephony..")
            .should().dependOnClassesThat().resideInAnyPackage("link.thingscloud..", "cn.suifang.telephony.esl..")
            .because("only telephony-bridge speaks ESL");

    @ArchTest
    static final ArchRule onlyTheTelephonyPackageEmbedsTheBridge = noClasses()
            .that().resideInAPackage("cn.suifang.backend..")
            .and().resideOutsideOfPackage("cn.suifang.backend.telephony..")
            .should().dependOnClassesThat().resideInAnyPackage("cn.suifang.telephony.bridge..", "cn.suifang.telephony.sim..")
            .because("the backend talks to the bridge through the streams (cn.suifang.telephony.api); only the "
                    + "embedded-bridge wiring starts it");

    @ArchTest
    static final ArchRule onlyWecomPackageUsesTheWecomSdk = noClasses()
            .that().resideOutsideOfPackage("cn.suifang.backend.wecom..")
            .should().dependOnClassesThat().resideInAPackage("me.chanjar.weixin.cp..")
            .because("WeCom SDK calls are confined to the wecom feature");

    @ArchTest
    static final ArchRule onlyTheFhirPackageUsesHapiFhir = noClasses()
            .that().resideOutsideOfPackage("cn.suifang.backend.fhir..")
            .should().dependOnClassesThat().resideInAnyPackage("org.hl7.fhir..", "ca.uhn.fhir..")
            .because("FHIR is read and written in one place; the rest of the backend knows our own records");

    @ArchTest
    static final ArchRule hl7DoesNotDependOnFhir = noClasses()
            .that().resideInAPackage("cn.suifang.backend.hl7..")
            .should().dependOnClassesThat().resideInAPackage("cn.suifang.backend.fhir..")
            .because("the interface log replays FHIR through InterfaceLog.Replayer: fhir → hl7, never back");

    @ArchTest
    static final ArchRule cryptoDoesNotDependOnFeatures = noClasses()
            .that().resideInAPackage("cn.suifang.backend.crypto..")
            .should().dependOnClassesThat().resideInAnyPackage("cn.suifang.backend.patient..", "cn.suifang.backend.task..",
                    "cn.suifang.backend.note..", "cn.suifang.backend.discharge..", "cn.suifang.backend.workbench..")
            .because("identifier protection is a foundation every feature uses");

    @ArchTest
    static final ArchRule noFieldInjection = noClasses()
            .should().dependOnClassesThat().haveFullyQualifiedName("org.springframework.beans.factory.annotation.Value")
            .because("configuration goes through the typed SuifangProperties record");
}
