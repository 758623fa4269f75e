package org.jgrad;

import org.jgrad.internal.NativeException;
import org.jgrad.internal.bind.JgradNative;

/**
 * A tensor's memory could not be had on its device, after the device's cache was emptied and the
 * allocation tried again: past {@link Memory#setLimit} on the CPU, or the GPU's memory is full.
 * Nothing was allocated and jgrad stays usable, so training code can catch it and go on with a
 * smaller batch. {@code catch (OutOfMemoryException e) { batch /= 2; }}
 */
public final class OutOfMemoryException extends NativeException {
    /** The device that ran out (not serialized: Device is not Serializable). */
    private final transient Device device;
    /** Bytes asked for. */
    private final long requested;
    /** Bytes in use by tensors on the device when it failed. */
    private final long inUse;
    /** Bytes the device's cache still held after it was emptied. */
    private final long cached;

    OutOfMemoryException(String message, Device device, long requested, long inUse, long cached) {
        super(message, JgradNative.JG_ERR_OUT_OF_MEMORY);
        this.device = device;
        this.requested = requested;
        this.inUse = inUse;
        this.cached = cached;
    }

    /** The device the memory was asked of (null in a deserialized copy). */
    public Device device() {
        return device;
    }

    /** Bytes asked for. */
    public long requestedBytes() {
        return requested;
    }

    /** Bytes in use by tensors on the device when it failed (in the allocator's block sizes). */
    public long inUseBytes() {
        return inUse;
    }

    /** Bytes the device's cache still held after it was emptied (blocks in use elsewhere cannot be). */
    public long cachedBytes() {
        return cached;
    }
}
