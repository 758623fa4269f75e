package org.jgrad.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.function.Executable;

/** Assertions on refusals: the exception type and what its message must name. */
public final class Expect {
    private Expect() {}

    /** e throws IllegalArgumentException whose message contains every one of mustMention. */
    public static IllegalArgumentException iae(Executable e, String... mustMention) {
        return mentions(assertThrows(IllegalArgumentException.class, e), mustMention);
    }

    /** e throws IllegalStateException whose message contains every one of mustMention. */
    public static IllegalStateException ise(Executable e, String... mustMention) {
        return mentions(assertThrows(IllegalStateException.class, e), mustMention);
    }

    private static <T extends RuntimeException> T mentions(T ex, String... mustMention) {
        for (String m : mustMention) assertTrue(ex.getMessage().contains(m), "message should mention '" + m + "': " + ex.getMessage());
        return ex;
    }
}
