package org.jgrad.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Dataset helpers, as torch.utils.data.random_split.
 * <pre>{@code List<Subset<Tensor[]>> parts = Datasets.randomSplit(ds, new double[] {0.8, 0.2}, 42);}</pre>
 */
public final class Datasets {
    private Datasets() {}

    /** Splits into non-overlapping subsets of the given sizes (which must add up to the dataset's size), in a seeded random order. */
    public static <T> List<Subset<T>> randomSplit(Dataset<T> dataset, int[] lengths, long seed) {
        long total = 0;
        for (int l : lengths) {
            if (l < 0) throw new IllegalArgumentException("randomSplit: negative length in " + Arrays.toString(lengths));
            total += l;
        }
        if (total != dataset.size())
            throw new IllegalArgumentException("randomSplit: lengths " + Arrays.toString(lengths) + " add up to " + total
                    + ", not to the dataset's " + dataset.size() + " samples");
        int[] perm = Permutations.permutation(dataset.size(), seed, -1);
        List<Subset<T>> out = new ArrayList<>();
        int at = 0;
        for (int l : lengths) {
            out.add(new Subset<>(dataset, Arrays.copyOfRange(perm, at, at + l)));
            at += l;
        }
        return out;
    }

    /**
     * Splits by fractions that add up to 1, as PyTorch does: each part gets floor(size·fraction)
     * samples and the remainder goes one each to the parts in order.
     */
    public static <T> List<Subset<T>> randomSplit(Dataset<T> dataset, double[] fractions, long seed) {
        double sum = 0;
        for (double f : fractions) {
            if (!(f >= 0 && f <= 1)) throw new IllegalArgumentException("randomSplit: fraction " + f + " is outside [0, 1]");
            sum += f;
        }
        if (Math.abs(sum - 1) > 1e-9) throw new IllegalArgumentException("randomSplit: fractions " + Arrays.toString(fractions) + " add up to " + sum + ", not 1");
        int n = dataset.size();
        int[] lengths = new int[fractions.length];
        int used = 0;
        for (int i = 0; i < fractions.length; i++) {
            lengths[i] = (int) Math.floor(n * fractions[i]);
            used += lengths[i];
        }
        for (int i = 0; used < n; i = (i + 1) % lengths.length, used++) lengths[i]++;
        return randomSplit(dataset, lengths, seed);
    }
}
