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
    private final Device device;
    private final long requested, inUse, cached;

    OutOfMemoryException(String message, Device device, long requested, long inUse, long cached) {
        super(message, JgradNative.JG_ERR_OUT_OF_MEMORY);
        this.device = device;
        this.requested = requested;
        this.inUse = inUse;
        this.cached = cached;
    }

    /** The device the memory was asked of. */
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
