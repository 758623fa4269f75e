package org.jgrad.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jgrad.Memory;
import org.jgrad.Tensor;
import org.junit.jupiter.api.Test;

/** The pin that jgrad's collectives take on a tensor's memory. */
class NativeMemoryTest {
    @Test
    void aPinHoldsTheMemoryPastCloseAndRefusesWhatItCannotHold() {
        long before = Memory.liveBytes();
        Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor row = t.narrow(0, 1, 1);
        NativeMemory.Pinned p = NativeMemory.pin(row, "test");
        assertEquals(12, p.bytes);
        assertEquals(-1, p.device);
        row.close();
        t.close();
        assertTrue(Memory.liveBytes() > before, "the storage outlives the tensor while pinned");
        p.close();
        p.close();  // harmless
        assertEquals(before, Memory.liveBytes(), "and goes when the pin does");

        Tensor u = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        IllegalArgumentException strided = assertThrows(IllegalArgumentException.class, () -> NativeMemory.pin(u.transpose(0, 1), "GlooProcessGroup.allReduce"));
        assertTrue(strided.getMessage().startsWith("GlooProcessGroup.allReduce") && strided.getMessage().contains("not contiguous"), strided.getMessage());
        u.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> NativeMemory.pin(u, "test"));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
    }
}
