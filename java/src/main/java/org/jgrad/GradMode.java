package org.jgrad;

/** Whether ops record the graph on the current thread (on by default). */
final class GradMode {
    private GradMode() {}

    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    static boolean enabled() {
        return ENABLED.get()[0];
    }

    /** Sets the mode and returns the previous one. */
    static boolean set(boolean on) {
        boolean[] s = ENABLED.get();
        boolean prev = s[0];
        s[0] = on;
        return prev;
    }
}
