package org.jgrad.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NativeLibTest {
    @Test
    void memoryLimitSizesParse() {
        assertEquals(4096, NativeLib.parseBytes("p", "4096"));
        assertEquals(512L << 10, NativeLib.parseBytes("p", "512k"));
        assertEquals(64L << 20, NativeLib.parseBytes("p", "64M"));
        assertEquals(2L << 30, NativeLib.parseBytes("p", "2g"));
        assertEquals(0, NativeLib.parseBytes("p", "0"));
        for (String bad : new String[] {"-1", "1.5g", "g", "12x", "99999999999999999g"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeLib.parseBytes("jgrad.memoryLimit", bad));
            assertTrue(e.getMessage().startsWith("jgrad.memoryLimit: \"" + bad + "\" is not a size in bytes"), e.getMessage());
        }
    }
}
