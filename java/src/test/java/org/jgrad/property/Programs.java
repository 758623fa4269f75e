package org.jgrad.property;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Tensor;
import org.jgrad.testing.Nd;

/**
 * Random op sequences for the property suites: a program is a start shape, a dtype and a list of
 * steps, each an op code with two small parameters, all drawn by jqwik so that a failing program
 * shrinks to a short one over a small shape. Running a program applies each step to a jgrad tensor
 * and to the independent float64 reference ({@link Nd}) side by side; a step whose op does not
 * fit the current shape picks the view or elementwise op that does, so every program runs.
 */
final class Programs {
    private Programs() {}

    /** Ops applied across all property runs (printed by the suites for the README's figures). */
    static final AtomicLong OPS = new AtomicLong();
    /** Programs run, and how many started from 5 to 8 dims, from an empty tensor, or ran 6 steps or more. */
    static final AtomicLong PROGRAMS = new AtomicLong(), MANY_DIMS = new AtomicLong(), EMPTY = new AtomicLong(), LONG = new AtomicLong();

    static String statistics() {
        return PROGRAMS.get() + " programs (" + MANY_DIMS.get() + " from 5-8 dims, " + EMPTY.get() + " from empty tensors, " + LONG.get()
                + " of 6-10 steps), " + OPS.get() + " ops";
    }

    record Step(int op, int a, int b) {}

    record Program(List<Integer> shape, boolean float32, List<Step> steps, long seed) {
        long[] startShape() {
            long[] s = new long[shape.size()];
            for (int i = 0; i < s.length; i++) s[i] = shape.get(i);
            return s;
        }

        @Override
        public String toString() {
            return (float32 ? "FLOAT32 " : "FLOAT64 ") + shape + " seed " + seed + " steps " + steps;
        }
    }

    static final int OPS_COUNT = 22;
    /** The op codes whose gradients are smooth everywhere (no kinks for finite differences to straddle). */
    static final int[] SMOOTH = {0, 1, 2, 3, 5, 6, 7, 8, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21};

    static Arbitrary<List<Integer>> shapes(int maxDims, int maxSize, int maxNumel) {
        // sizes 0 (an empty tensor) and 1 (a broadcast dim) often, but not so often that most programs are empty
        Arbitrary<Integer> size = Arbitraries.frequency(Tuple.of(2, 0), Tuple.of(6, 1), Tuple.of(10, 2), Tuple.of(10, 3), Tuple.of(10, 4))
                .filter(v -> v <= maxSize);
        return size.list().ofMaxSize(maxDims).filter(s -> numel(s) <= maxNumel);
    }

    static Arbitrary<Program> programs(int maxDims, int maxSize, int maxNumel, int maxSteps, boolean smooth) {
        Arbitrary<Integer> op = smooth ? Arbitraries.of(Arrays.stream(SMOOTH).boxed().toList()) : Arbitraries.integers().between(0, OPS_COUNT - 1);
        Arbitrary<Step> step = Combinators.combine(op, Arbitraries.integers().between(0, 7), Arbitraries.integers().between(0, 7)).as(Step::new);
        return Combinators.combine(shapes(maxDims, maxSize, maxNumel), Arbitraries.of(false, true), step.list().ofMaxSize(maxSteps),
                Arbitraries.longs().between(0, 1_000_000)).as(Program::new);
    }

    static long numel(List<Integer> s) {
        long n = 1;
        for (int d : s) n *= Math.max(d, 1);
        return n;
    }

    static double[] values(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = Math.round((r.nextDouble() * 4 - 2) * 1024) / 1024.0;  // exact in float32 too
        return v;
    }

    /** A tensor with its float64 reference; ref is null when only the tensor is wanted. */
    record Val(Tensor t, Nd ref) {}

    static Tensor input(Program p, Device device) {
        long[] s = p.startShape();
        Tensor x = Tensor.of(values(new Random(p.seed), (int) numelOf(s)), s.length == 0 ? new long[0] : s);
        if (s.length == 0) x = x.reshape();
        return x.to(p.float32 ? DType.FLOAT32 : DType.FLOAT64).to(device);
    }

    static long numelOf(long[] s) {
        long n = 1;
        for (long d : s) n *= d;
        return n;
    }

    /** Runs the program from x; with reference, the Nd beside it (from x's values). */
    static Val run(Program p, Tensor x, boolean reference) {
        Val v = new Val(x, reference ? Nd.of(x) : null);
        PROGRAMS.incrementAndGet();
        if (x.dim() >= 5) MANY_DIMS.incrementAndGet();
        if (x.numel() == 0) EMPTY.incrementAndGet();
        if (p.steps.size() >= 6) LONG.incrementAndGet();
        Random r = new Random(p.seed * 31 + 7);
        for (Step s : p.steps) {
            v = apply(s, v, r, p.float32);
            OPS.incrementAndGet();
        }
        return v;
    }

    /** A random operand that broadcasts against shape: each dim kept or 1, leading dims dropped at random. */
    static Tensor operand(Random r, long[] shape, Tensor like) {
        int drop = shape.length == 0 ? 0 : r.nextInt(shape.length + 1);
        long[] s = Arrays.copyOfRange(shape, drop, shape.length);
        for (int i = 0; i < s.length; i++) if (r.nextInt(3) == 0) s[i] = 1;
        Tensor o = Tensor.of(values(r, (int) numelOf(s)), s.length == 0 ? new long[] {1} : s);
        if (s.length == 0) o = o.reshape();
        return o.to(like.dtype()).to(like.device());
    }

    static Val apply(Step s, Val v, Random r, boolean f32) {
        Tensor t = v.t;
        Nd n = v.ref;
        long[] sh = t.shape();
        int nd = sh.length;
        int op = s.op;
        // ops that need dims fall back to elementwise ones on a 0-dim tensor
        if (nd == 0 && op >= 12 && op <= 21) op = s.a % 3;
        switch (op) {
            case 0: return new Val(t.tanh(), n == null ? null : n.map(Math::tanh));
            case 1: return new Val(t.sigmoid(), n == null ? null : n.map(x -> 1 / (1 + Math.exp(-x))));
            case 2: return new Val(t.sin(), n == null ? null : n.map(Math::sin));
            case 3: return new Val(t.mul(0.5).add(0.25), n == null ? null : n.map(x -> x * 0.5 + 0.25));
            case 4: return new Val(t.relu(), n == null ? null : n.map(x -> Math.max(x, 0)));
            case 5: case 6: case 7: case 8: {  // binary with a broadcast operand
                Tensor o = operand(r, sh, t);
                Nd on = n == null ? null : Nd.of(o);
                switch (op) {
                    case 5: return new Val(t.add(o), n == null ? null : n.zip(on, Double::sum));
                    case 6: return new Val(t.sub(o), n == null ? null : n.zip(on, (a, b) -> a - b));
                    case 7: return new Val(t.mul(o), n == null ? null : n.zip(on, (a, b) -> a * b));
                    default: return new Val(t.div(o.mul(o).add(1)), n == null ? null : n.zip(on, (a, b) -> a / (b * b + 1)));
                }
            }
            case 9: {
                Tensor o = operand(r, sh, t);
                return new Val(t.maximum(o), n == null ? null : n.zip(Nd.of(o), Math::max));
            }
            case 10: return new Val(t.abs(), n == null ? null : n.map(Math::abs));
            // exp of a bounded argument: exp of an unbounded one makes values so large that a later sin
            // is ill-conditioned (float32's rounding of its argument alone moves the result by 1e-3)
            case 11: return new Val(t.tanh().neg().exp(), n == null ? null : n.map(x -> Math.exp(-Math.tanh(x))));
            case 12: {  // transpose
                int a = s.a % nd, b = s.b % nd;
                return new Val(t.transpose(a, b), n == null ? null : n.transpose(a, b));
            }
            case 13: {  // sum over a dim
                int d = s.a % nd;
                boolean keep = s.b % 2 == 0;
                return new Val(t.sum(new int[] {d}, keep), n == null ? null : n.reduce(new int[] {d}, keep, Programs::sum));
            }
            case 14: {  // mean over a non-empty dim, else sum
                int d = s.a % nd;
                if (sh[d] == 0) return new Val(t.sum(new int[] {d}, false), n == null ? null : n.reduce(new int[] {d}, false, Programs::sum));
                return new Val(t.mean(new int[] {d}, false), n == null ? null : n.reduce(new int[] {d}, false, x -> sum(x) / x.length));
            }
            case 15: {  // slice with a step
                int d = s.a % nd;
                long start = sh[d] == 0 ? 0 : s.b % sh[d], step = 1 + s.b % 2;
                return new Val(t.slice(d, start, sh[d], step), n == null ? null : n.slice(d, start, Math.max(start, sh[d]), step));
            }
            case 16: {  // unsqueeze, then expand that dim to a+1 (a stride-0 view read by later ops)
                int d = s.a % (nd + 1);
                long[] target = new long[nd + 1];
                for (int i = 0, j = 0; i <= nd; i++) target[i] = i == d ? 1 + s.b % 3 : sh[j++];
                return new Val(t.unsqueeze(d).expand(target), n == null ? null : n.insertDim(d).expand(target));
            }
            case 17: {  // reshape to the flat shape or back to the reversed shape
                long[] target = s.a % 2 == 0 ? new long[] {t.numel()} : reversed(sh);
                return new Val(t.reshape(target), n == null ? null : n.reshape(target));
            }
            case 18: {  // permute by a rotation
                int[] p = new int[nd];
                for (int i = 0; i < nd; i++) p[i] = (i + s.a) % nd;
                return new Val(t.permute(p), n == null ? null : n.permute(p));
            }
            case 19: {  // matmul with a fresh [.., k, m] matrix
                if (nd < 2) return apply(new Step(5, s.a, s.b), v, r, f32);
                long k = sh[nd - 1], m = 1 + s.b % 3;
                Tensor w = Tensor.of(values(r, (int) (k * m)), k == 0 ? new long[] {0, m} : new long[] {k, m}).to(t.dtype()).to(t.device());
                return new Val(t.matmul(w), n == null ? null : n.matmul(Nd.of(w)));
            }
            case 20: {  // cat with itself scaled along a dim
                int d = s.a % nd;
                Tensor twice = t.mul(2.0);
                return new Val(Tensor.cat(d, t, twice), n == null ? null : Nd.cat(d, n, n.map(x -> 2 * x)));
            }
            default: {  // narrow to the last (size - a) elements of a dim
                int d = s.a % nd;
                long len = Math.max(0, sh[d] - s.b % 3);
                return new Val(t.narrow(d, sh[d] - len, len), n == null ? null : n.slice(d, sh[d] - len, sh[d], 1));
            }
        }
    }

    static long[] reversed(long[] s) {
        long[] o = new long[s.length];
        for (int i = 0; i < s.length; i++) o[i] = s[s.length - 1 - i];
        return o;
    }

    static double sum(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s;
    }

    /** Fails with the program, the step count and the first element that differs. */
    static void assertClose(Program p, Nd want, Tensor got, double rel) {
        if (!Arrays.equals(want.shape, got.shape())) {
            throw new AssertionError(p + ": shape " + Arrays.toString(got.shape()) + ", the reference's " + Arrays.toString(want.shape));
        }
        double[] g = got.toDoubleArray();
        for (int i = 0; i < g.length; i++) {
            double w = want.data[i];
            boolean ok = Double.isNaN(w) ? Double.isNaN(g[i]) : Math.abs(g[i] - w) <= rel * (1 + Math.abs(w));
            if (!ok) throw new AssertionError(p + ": element " + i + " is " + g[i] + ", the float64 reference " + w);
        }
    }
}
