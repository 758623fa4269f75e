package org.jgrad.nn;

import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Tensor;

/**
 * A lookup table of numEmbeddings vectors of size embeddingDim, as torch.nn.Embedding: weight
 * [V, D] drawn from N(0, 1), the row paddingIdx (if any) zero and without gradient.
 * <pre>{@code var emb = new Embedding(1000, 64); Tensor vectors = emb.forward(tokenIds);  // INT64 [B, T] -> [B, T, 64]}</pre>
 */
public final class Embedding extends Module {
    private final long numEmbeddings, embeddingDim, paddingIdx;

    /** A table of {@code numEmbeddings} rows of {@code embeddingDim}, N(0, 1) initialised, no padding index. */
    public Embedding(long numEmbeddings, long embeddingDim) {
        this(numEmbeddings, embeddingDim, null, DType.FLOAT32, Device.CPU);
    }

    /** paddingIdx: a row kept at zero and out of the gradient; a negative value counts from the end, as in PyTorch. */
    public Embedding(long numEmbeddings, long embeddingDim, long paddingIdx) {
        this(numEmbeddings, embeddingDim, Long.valueOf(paddingIdx), DType.FLOAT32, Device.CPU);
    }

    /** paddingIdx may be null (no padding row). */
    public Embedding(long numEmbeddings, long embeddingDim, Long paddingIdx, DType dtype, Device device) {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
            throw new IllegalArgumentException("Embedding: sizes must be positive, got " + numEmbeddings + " and " + embeddingDim);
        long pad = paddingIdx == null ? -1 : paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
        if (paddingIdx != null && (pad < 0 || pad >= numEmbeddings))
            throw new IllegalArgumentException("Embedding: paddingIdx " + paddingIdx + " is outside -" + numEmbeddings + ".." + (numEmbeddings - 1));
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        this.paddingIdx = pad;
        try (var off = Autograd.noGrad()) {
            Tensor w = Tensor.randn(dtype, device, numEmbeddings, embeddingDim);
            if (pad >= 0) w.narrow(0, pad, 1).fillInPlace(0);
            registerParameter("weight", w);
        }
    }

    @Override
    public Tensor forward(Tensor indices) {
        return indices.embedding(parameter("weight"), paddingIdx);
    }

    /** The table, [numEmbeddings, embeddingDim]. */
    public Tensor weight() {
        return parameter("weight");
    }

    @Override
    protected String extraRepr() {
        return numEmbeddings + ", " + embeddingDim + (paddingIdx >= 0 ? ", padding_idx=" + paddingIdx : "");
    }
}
