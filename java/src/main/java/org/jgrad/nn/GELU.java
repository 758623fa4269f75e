package org.jgrad.nn;

import org.jgrad.Tensor;

/**
 * x·Φ(x), as torch.nn.GELU; {@code new GELU("tanh")} uses the tanh approximation.
 * <pre>{@code Tensor y = new GELU().forward(x);}</pre>
 */
public final class GELU extends Module {
    private final String approximate;

    /** The exact form, with erf. */
    public GELU() {
        this("none");
    }

    /** approximate: "none" (exact) or "tanh". */
    public GELU(String approximate) {
        if (!approximate.equals("none") && !approximate.equals("tanh"))
            throw new IllegalArgumentException("GELU: approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
        this.approximate = approximate;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.gelu(approximate);
    }

    @Override
    protected String extraRepr() {
        return "approximate='" + approximate + "'";
    }
}
