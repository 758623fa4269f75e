package org.jgrad.internal;

/** Run in a JVM of its own by NativeLibTest: makes a tensor twice and prints what happened each time. */
public final class LoadFailureMain {
    private LoadFailureMain() {}

    public static void main(String[] args) {
        for (int i = 0; i < 2; i++) {
            try {
                org.jgrad.Tensor.zeros(2).close();
                System.out.println("LOADED");
            } catch (Throwable t) {
                System.out.println(t.getClass().getName() + ": " + t.getMessage());
            }
        }
    }
}
