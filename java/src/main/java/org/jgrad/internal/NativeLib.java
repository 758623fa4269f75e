package org.jgrad.internal;

import org.bytedeco.javacpp.Loader;
import org.jgrad.internal.bind.JgradNative;

/** Loads the native core once and turns its status codes into Java exceptions. {@code NativeLib.check(status, "add")} */
public final class NativeLib {
    private NativeLib() {}

    /**
     * System property naming a libjgrad.so to use instead of the jar's (loaded first; the JNI
     * library then binds to it by its soname). The build uses it to run the CUDA tests against the
     * host emulation of CUDA.
     */
    public static final String LIBRARY_PROPERTY = "jgrad.library";

    /** System property capping CPU memory in use by tensors at start-up (see Memory.setLimit): bytes, or with k, m or g. */
    public static final String MEMORY_LIMIT_PROPERTY = "jgrad.memoryLimit";

    static {
        String override = System.getProperty(LIBRARY_PROPERTY);
        if (override != null && !override.isEmpty()) System.load(override);
        Loader.load(JgradNative.class);
        String limit = System.getProperty(MEMORY_LIMIT_PROPERTY);
        if (limit != null && !limit.isBlank()) {
            long bytes = parseBytes(MEMORY_LIMIT_PROPERTY, limit.trim());
            check(JgradNative.jg_cpu_set_memory_limit(bytes), MEMORY_LIMIT_PROPERTY);
        }
    }

    /** "4096", "512k", "64m", "2g" (powers of 1024) as bytes; throws naming what on anything else. */
    public static long parseBytes(String what, String s) {
        long unit = 1;
        String digits = s;
        char last = Character.toLowerCase(s.charAt(s.length() - 1));
        if (last == 'k' || last == 'm' || last == 'g') {
            unit = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
            digits = s.substring(0, s.length() - 1);
        }
        try {
            long v = Long.parseLong(digits);
            if (v < 0 || v > Long.MAX_VALUE / unit) throw new NumberFormatException();
            return v * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": \"" + s + "\" is not a size in bytes; give a number >= 0, optionally with k, m or g "
                    + "(e.g. 512m)");
        }
    }

    /** Forces loading; cheap after the first call. */
    public static void ensureLoaded() {}

    /** Throws for a non-OK status, with the native message prefixed by the op name. */
    public static void check(int status, String op) {
        if (status == JgradNative.JG_OK) return;
        String msg = JgradNative.jg_last_error().getString();
        String text = msg.startsWith(op + ":") ? msg : op + ": " + msg;
        switch (status) {
            case JgradNative.JG_ERR_ARGUMENT:
                throw new IllegalArgumentException(text);
            case JgradNative.JG_ERR_CUDA:
                throw new CudaException(text, status);
            case JgradNative.JG_ERR_UNSUPPORTED:
                throw new UnsupportedOperationException(text);
            default:
                throw new NativeException(text, status);
        }
    }
}
