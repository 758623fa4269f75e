package org.jgrad.data;

/**
 * Seeded permutations for shuffling and splitting: Fisher–Yates driven by SplitMix64, a generator
 * fully specified by its arithmetic, so a seed gives the same order on every JVM and platform.
 */
final class Permutations {
    private Permutations() {}

    /** SplitMix64's output function. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** A permutation of 0..n-1 determined by (seed, stream). */
    static int[] permutation(int n, long seed, long stream) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        long state = mix(seed) ^ mix(stream + 0x9e3779b97f4a7c15L);
        for (int i = n - 1; i > 0; i--) {
            state += 0x9e3779b97f4a7c15L;
            long r = mix(state) >>> 1;
            int j = (int) (r % (i + 1));  // bias below 2^-31 for n < 2^31
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
