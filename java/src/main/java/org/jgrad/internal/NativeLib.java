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

    /** The platforms whose native libraries the jar carries, and what they need of the system. */
    static final String SUPPORTED = "linux-x86_64 and linux-arm64 (glibc 2.28 or newer; CUDA on linux-x86_64 only)";

    /** Why the native libraries did not load, or null; every later use throws it again (not a bare NoClassDefFoundError). */
    private static final UnsatisfiedLinkError LOAD_FAILURE;

    static {
        UnsatisfiedLinkError failure = null;
        try {
            String override = System.getProperty(LIBRARY_PROPERTY);
            if (override != null && !override.isEmpty()) System.load(override);
            Loader.load(JgradNative.class);
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
            failure = explain(e);
        }
        LOAD_FAILURE = failure;
        String limit = System.getProperty(MEMORY_LIMIT_PROPERTY);
        if (failure == null && limit != null && !limit.isBlank()) {
            long bytes = parseBytes(MEMORY_LIMIT_PROPERTY, limit.trim());
            check(JgradNative.jg_cpu_set_memory_limit(bytes), MEMORY_LIMIT_PROPERTY);
        }
    }

    /**
     * The loader's error with what it hides: the platform detected, whether the jar carries a build
     * for it, the supported platforms, and the system's own reason (a missing GLIBC_ or GLIBCXX_
     * version, say), found by loading the jar's libraries directly.
     */
    static UnsatisfiedLinkError explain(Throwable e) {
        String platform = Loader.getPlatform();
        String folder = "/org/jgrad/internal/" + platform + "/";
        boolean shipped = NativeLib.class.getResource(folder + "libjgrad.so") != null;
        String reason = null;
        String override = System.getProperty(LIBRARY_PROPERTY);
        if (shipped && (override == null || override.isEmpty())) {
            for (String lib : new String[] {"libjgrad.so", "libjniJgradNative.so"}) {
                try {
                    System.load(Loader.cacheResource(NativeLib.class.getResource(folder + lib)).getAbsolutePath());
                } catch (UnsatisfiedLinkError | java.io.IOException u) {
                    reason = lib + ": " + u.getMessage();
                    break;
                }
            }
        }
        String cause = e.getMessage() != null ? e.getMessage() : e.toString();
        UnsatisfiedLinkError out = new UnsatisfiedLinkError("jgrad: the native library could not be loaded on " + platform + " ("
                + System.getProperty("os.name") + ", " + System.getProperty("os.arch") + ")"
                + (shipped ? "" : "; this jar has no native build for that platform") + "; supported: " + SUPPORTED + "; the loader said: " + cause
                + (reason != null ? "; loading it directly: " + reason : ""));
        out.initCause(e);
        return out;
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

    /** JavaCPP's name of this platform, as the jar's native folders are named ("linux-x86_64"). */
    public static String platform() {
        return Loader.getPlatform();
    }

    /** Forces loading; cheap after the first call. Throws (every time) if the native libraries did not load, saying why. */
    public static void ensureLoaded() {
        if (LOAD_FAILURE != null) {
            UnsatisfiedLinkError e = new UnsatisfiedLinkError(LOAD_FAILURE.getMessage());
            e.initCause(LOAD_FAILURE.getCause());
            throw e;
        }
    }

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
