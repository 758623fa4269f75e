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

    static {
        String override = System.getProperty(LIBRARY_PROPERTY);
        if (override != null && !override.isEmpty()) System.load(override);
        Loader.load(JgradNative.class);
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
