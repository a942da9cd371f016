package cn.suifang.backend.risk;

/**
 * What a risk model may read about one person. Every field is nullable: {@code null} means "not known", and a model
 * that needs the value reports it as missing instead of assuming anything.
 *
 * @param sex sex
 * @param ageYears age in completed years
 * @param systolicBp systolic blood pressure, mmHg (office measurement)
 * @param onAntihypertensiveTreatment whether the person currently takes blood-pressure-lowering drugs
 * @param totalCholesterolMmol total cholesterol, mmol/L
 * @param hdlCholesterolMmol HDL cholesterol, mmol/L
 * @param waistCm waist circumference, cm
 * @param bmi body-mass index, kg/m²; when {@code null} the CDRS computes it from height and weight
 * @param heightCm height, cm
 * @param weightKg weight, kg
 * @param currentSmoker whether the person smokes now
 * @param diabetes whether the person has diagnosed diabetes
 * @param region north or south of the Yangtze River
 * @param residence urban or rural residence
 * @param familyHistoryAscvd family history of ASCVD (China-PAR, men's equation)
 * @param familyHistoryDiabetes diabetes in a parent, sibling or child (CDRS)
 */
public record RiskInputs(
        Sex sex,
        Integer ageYears,
        Double systolicBp,
        Boolean onAntihypertensiveTreatment,
        Double totalCholesterolMmol,
        Double hdlCholesterolMmol,
        Double waistCm,
        Double bmi,
        Double heightCm,
        Double weightKg,
        Boolean currentSmoker,
        Boolean diabetes,
        Region region,
        Residence residence,
        Boolean familyHistoryAscvd,
        Boolean familyHistoryDiabetes) {

    /** A builder with every field unknown. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these inputs (to vary one value in a copy). */
    public Builder toBuilder() {
        return new Builder().sex(sex).ageYears(ageYears).systolicBp(systolicBp)
                .onAntihypertensiveTreatment(onAntihypertensiveTreatment)
                .totalCholesterolMmol(totalCholesterolMmol).hdlCholesterolMmol(hdlCholesterolMmol)
                .waistCm(waistCm).bmi(bmi).heightCm(heightCm).weightKg(weightKg).currentSmoker(currentSmoker)
                .diabetes(diabetes).region(region).residence(residence).familyHistoryAscvd(familyHistoryAscvd)
                .familyHistoryDiabetes(familyHistoryDiabetes);
    }

    /** Builds {@link RiskInputs}; every setter accepts {@code null}. */
    public static final class Builder {
        private Sex sex;
        private Integer ageYears;
        private Double systolicBp;
        private Boolean onAntihypertensiveTreatment;
        private Double totalCholesterolMmol;
        private Double hdlCholesterolMmol;
        private Double waistCm;
        private Double bmi;
        private Double heightCm;
        private Double weightKg;
        private Boolean currentSmoker;
        private Boolean diabetes;
        private Region region;
        private Residence residence;
        private Boolean familyHistoryAscvd;
        private Boolean familyHistoryDiabetes;

        private Builder() {
        }

        public Builder sex(Sex value) {
            this.sex = value;
            return this;
        }

        public Builder ageYears(Integer value) {
            this.ageYears = value;
            return this;
        }

        public Builder systolicBp(Double value) {
            this.systolicBp = value;
            return this;
        }

        public Builder onAntihypertensiveTreatment(Boolean value) {
            this.onAntihypertensiveTreatment = value;
            return this;
        }

        public Builder totalCholesterolMmol(Double value) {
            this.totalCholesterolMmol = value;
            return this;
        }

        public Builder hdlCholesterolMmol(Double value) {
            this.hdlCholesterolMmol = value;
            return this;
        }

        public Builder waistCm(Double value) {
            this.waistCm = value;
            return this;
        }

        public Builder bmi(Double value) {
            this.bmi = value;
            return this;
        }

        public Builder heightCm(Double value) {
            this.heightCm = value;
            return this;
        }

        public Builder weightKg(Double value) {
            this.weightKg = value;
            return this;
        }

        public Builder currentSmoker(Boolean value) {
            this.currentSmoker = value;
            return this;
        }

        public Builder diabetes(Boolean value) {
            this.diabetes = value;
            return this;
        }

        public Builder region(Region value) {
            this.region = value;
            return this;
        }

        public Builder residence(Residence value) {
            this.residence = value;
            return this;
        }

        public Builder familyHistoryAscvd(Boolean value) {
            this.familyHistoryAscvd = value;
            return this;
        }

        public Builder familyHistoryDiabetes(Boolean value) {
            this.familyHistoryDiabetes = value;
            return this;
        }

        public RiskInputs build() {
            return new RiskInputs(sex, ageYears, systolicBp, onAntihypertensiveTreatment, totalCholesterolMmol,
                    hdlCholesterolMmol, waistCm, bmi, heightCm, weightKg, currentSmoker, diabetes, region, residence,
                    familyHistoryAscvd, familyHistoryDiabetes);
        }
    }
}
