package org.jgrad;

import java.util.concurrent.atomic.AtomicInteger;
import org.jgrad.internal.NativeLib;
import org.jgrad.internal.bind.JgradNative;

/**
 * A block of native memory shared by a tensor and its views. Reference-counted: each tensor handle
 * holds one reference; the block goes back to the allocator when the last one is released. The
 * version counter is bumped by in-place writes so autograd can tell a saved tensor was modified.
 */
final class Storage {
    final long address;
    final long nbytes;
    final Device device;
    private final AtomicInteger refs = new AtomicInteger(1);
    volatile int version;

    private Storage(long address, long nbytes, Device device) {
        this.address = address;
        this.nbytes = nbytes;
        this.device = device;
    }

    static Storage allocate(long nbytes, Device device) {
        NativeLib.ensureLoaded();
        if (!device.isCpu()) Cuda.require("allocate", device);
        long addr = JgradNative.jg_alloc(device.index(), nbytes);
        if (addr == 0) throw outOfMemory(nbytes, device);
        Memory.onAllocate(nbytes);
        return new Storage(addr, nbytes, device);
    }

    private static OutOfMemoryException outOfMemory(long nbytes, Device device) {
        String why = JgradNative.jg_last_error().getString();
        long[] stats = new long[4];
        boolean known = JgradNative.jg_memory_stats(device.index(), stats) == JgradNative.JG_OK;
        String text = "allocate(" + nbytes + " bytes on " + device + "): " + why;
        if (known && !why.contains("in use")) {
            text += " (" + stats[0] + " bytes in use by tensors, " + stats[3] + " cached, after emptying the cache)";
        }
        return new OutOfMemoryException(text + "; free tensors (close(), a Scope), or use smaller batches", device, nbytes,
                known ? stats[0] : -1, known ? stats[3] : -1);
    }

    /** One more reference unless the storage was already freed (its count reached 0). */
    boolean tryRetain() {
        for (int r = refs.get(); r > 0; r = refs.get()) {
            if (refs.compareAndSet(r, r + 1)) return true;
        }
        return false;
    }

    void release() {
        if (refs.decrementAndGet() == 0) {
            JgradNative.jg_free(device.index(), address, nbytes);
            Memory.onFree(nbytes);
        }
    }

    void bumpVersion() {
        version++;
    }
}
