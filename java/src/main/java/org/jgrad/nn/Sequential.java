package org.jgrad.nn;

import org.jgrad.Tensor;

/**
 * Modules applied one after another, registered as "0", "1", ... (so their parameters are
 * "0.weight", "0.bias", ...), as torch.nn.Sequential.
 *
 * <pre>{@code
 * Sequential mlp = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));
 * }</pre>
 */
public final class Sequential extends Module {
    private final Module[] layers;

    /** The layers, registered as "0", "1", ..., applied in order. */
    public Sequential(Module... layers) {
        this.layers = layers.clone();
        for (int i = 0; i < layers.length; i++) registerModule(Integer.toString(i), layers[i]);
    }

    /** Layer i. */
    public Module get(int i) {
        return layers[i];
    }

    /** The number of layers. */
    public int size() {
        return layers.length;
    }

    /** Each layer's output is the next one's input; the intermediate results are closed. */
    @Override
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (Module m : layers) {
            Tensor next = m.forward(h);
            if (h != x && next != h) h.close();
            h = next;
        }
        return h;
    }
}
