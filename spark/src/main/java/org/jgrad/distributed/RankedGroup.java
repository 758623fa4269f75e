package org.jgrad.distributed;

/**
 * What every process group implementation holds alike: its rank and the number of ranks, checked
 * once when the group is made. {@code class GlooProcessGroup extends RankedGroup { ... }}
 */
abstract class RankedGroup implements ProcessGroup {
    final int rank;
    final int size;

    RankedGroup(int rank, int size) {
        this.rank = rank;
        this.size = size;
    }

    /** Refuses a rank outside 0..size-1 or a size below 1, naming the call. */
    static void checkRank(String op, int rank, int size) {
        if (size < 1 || rank < 0 || rank >= size) {
            throw new IllegalArgumentException(op + ": rank " + rank + " of " + size + " ranks; need 0 <= rank < size");
        }
    }

    @Override
    public final int rank() {
        return rank;
    }

    @Override
    public final int size() {
        return size;
    }
}
