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

    @Test
    void aLibraryThatDoesNotLoadIsReportedWithItsCauseThePlatformAndTheSupportedOnesEveryTime() throws Exception {
        java.nio.file.Path bogus = java.nio.file.Files.createTempFile("libjgrad-not-elf", ".so");
        java.nio.file.Files.writeString(bogus, "not a shared object");
        try {
            String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "-D" + NativeLib.LIBRARY_PROPERTY + "=" + bogus,
                    LoadFailureMain.class.getName()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
            String[] lines = out.strip().split("\\R");
            String first = lines[lines.length - 2], second = lines[lines.length - 1];
            assertTrue(first.startsWith("java.lang.UnsatisfiedLinkError: jgrad: the native library could not be loaded on "), out);
            assertTrue(first.contains("supported: " + NativeLib.SUPPORTED), first);
            assertTrue(first.contains(bogus.toString()), "the loader's own reason, naming the file: " + first);
            assertEquals(first, second, "the second use fails the same way, not with a bare NoClassDefFoundError");
        } finally {
            java.nio.file.Files.deleteIfExists(bogus);
        }
    }
}
