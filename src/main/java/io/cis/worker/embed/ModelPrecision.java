package io.cis.worker.embed;

/**
 * The precision to run the model in (MODEL_PRECISION): fp32 and bf16 name the export to load (model.json's dtype
 * names it in torch's words); auto picks one from the CPU (see {@link ModelChoice}).
 */
public enum ModelPrecision {
    AUTO("auto"), FP32("float32"), BF16("bfloat16");

    private final String torchDtype;

    ModelPrecision(String torchDtype) {
        this.torchDtype = torchDtype;
    }

    public String torchDtype() {
        return torchDtype;
    }
}
