package org.jgrad.data;

/**
 * A sized collection of samples read by index, as torch.utils.data.Dataset (__len__ and
 * __getitem__).
 * <pre>{@code Dataset<Tensor[]> ds = new TensorDataset(images, labels); Tensor[] first = ds.get(0);}</pre>
 *
 * @param <T> the type of one sample
 */
public interface Dataset<T> {
    /** The number of samples. */
    int size();

    /** The sample at {@code index}, {@code 0 <= index < size()}. */
    T get(int index);
}
