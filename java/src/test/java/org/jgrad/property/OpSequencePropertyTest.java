package org.jgrad.property;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.property.Programs.Program;
import org.jgrad.property.Programs.Val;

/**
 * Random op sequences on the CPU: values against the float64 reference, gradients against central
 * differences, and invalid calls refused with an IllegalArgumentException naming the op and the
 * shapes. The tries here put well over 10^5 ops through every {@code mvn verify}; the system
 * property {@code jgrad.fuzz.scale} multiplies them (e.g. {@code -Djgrad.fuzz.scale=20} for a long
 * run; jqwik's tries are fixed per property, so a scaled run repeats each try's program with
 * fresh seeds).
 */
class OpSequencePropertyTest {
    static final int SCALE = Integer.getInteger("jgrad.fuzz.scale", 1);
    static final AtomicLong REFUSED = new AtomicLong();

    @Provide
    Arbitrary<Program> programs() {
        return Programs.programs(8, 4, 256, 10, false);
    }

    @Provide
    Arbitrary<Program> smoothPrograms() {
        return Programs.programs(4, 3, 24, 6, true);
    }

    /** Repeats a property body SCALE times with derived seeds. */
    static void scaled(Program p, java.util.function.Consumer<Program> body) {
        for (int i = 0; i < SCALE; i++) body.accept(i == 0 ? p : new Program(p.shape(), p.float32(), p.steps(), p.seed() + 1_000_003L * i));
    }

    @Property(tries = 30_000)
    void valuesEqualTheFloat64Reference(@ForAll("programs") Program program) {
        scaled(program, p -> checkValues(p, Device.CPU));
    }

    static void checkValues(Program p, Device device) {
        try (Scope s = Scope.open()) {
            Val v = Programs.run(p, Programs.input(p, device), true);
            Programs.assertClose(p, v.ref(), v.t(), p.float32() ? 2e-4 : 1e-11);
        }
    }

    @Property(tries = 2_000)
    void gradientsEqualCentralDifferences(@ForAll("smoothPrograms") Program program) {
        scaled(new Program(program.shape(), false, program.steps(), program.seed()), p -> checkGradient(p, Device.CPU));
    }

    /** d/dx of sum(w * program(x)) by autograd, against central differences of the same program in float64. */
    static void checkGradient(Program p, Device device) {
        try (Scope s = Scope.open()) {
            Tensor x0 = Programs.input(p, device);
            Tensor x = x0.detach().requiresGrad(true);
            Tensor out = Programs.run(p, x, false).t();
            Tensor w = Tensor.of(Programs.values(new Random(p.seed() + 99), (int) out.numel()), out.numel() == 0 ? new long[] {0} : new long[] {out.numel()})
                    .reshape(out.shape()).to(device);
            Tensor loss = out.mul(w).sum();
            if (!loss.requiresGrad()) return;  // nothing of x reaches the output (e.g. an empty slice)
            loss.backward();
            double[] g = x.grad() == null ? new double[(int) x.numel()] : x.grad().toDoubleArray();
            double[] base = x0.toDoubleArray();
            long[] shape = x0.shape();
            double h = 1e-6;
            for (int i = 0; i < base.length; i++) {
                double fd;
                try (var off = Autograd.noGrad()) {
                    fd = (lossAt(p, base, shape, i, h, w, device) - lossAt(p, base, shape, i, -h, w, device)) / (2 * h);
                }
                if (Math.abs(fd - g[i]) > 1e-6 * (1 + Math.abs(fd))) {
                    throw new AssertionError(p + ": d loss / d x[" + i + "] is " + g[i] + " by autograd, " + fd + " by central differences");
                }
            }
        }
    }

    private static double lossAt(Program p, double[] base, long[] shape, int i, double h, Tensor w, Device device) {
        double[] v = base.clone();
        v[i] += h;
        Tensor x = Tensor.of(v, shape.length == 0 ? new long[] {1} : shape);
        if (shape.length == 0) x = x.reshape();
        return Programs.run(p, x.to(device), false).t().mul(w).sum().item();
    }

    record Bad(int kind, Program program) {}

    @Provide
    Arbitrary<Bad> badCalls() {
        return Combinators.combine(Arbitraries.integers().between(0, 8), Programs.programs(5, 4, 128, 3, false)).as(Bad::new);
    }

    @Property(tries = 5_000)
    void invalidCallsAreRefusedNamingTheOpAndShapes(@ForAll("badCalls") Bad bad) {
        checkRefused(bad, Device.CPU);
    }

    static void checkRefused(Bad bad, Device device) {
        try (Scope s = Scope.open()) {
            Tensor t = Programs.run(bad.program(), Programs.input(bad.program(), device), false).t();
            long[] sh = t.shape();
            String tShape = Arrays.toString(sh);
            int nd = sh.length;
            Function<long[], Tensor> other = shape -> Tensor.zeros(t.dtype(), t.device(), shape);
            switch (bad.kind()) {
                case 0: {  // operands that do not broadcast
                    int d = firstDimAtLeast(sh, 2);
                    if (d < 0) return;
                    long[] o = sh.clone();
                    o[d] = sh[d] + 1;
                    Tensor ot = other.apply(o);
                    refused(() -> t.add(ot), "add", tShape, Arrays.toString(o));
                    refused(() -> t.mul(ot), "mul", tShape, Arrays.toString(o));
                    break;
                }
                case 1: {  // a reshape to another element count
                    long[] target = {t.numel() + 1};
                    refused(() -> t.reshape(target), "reshape", Arrays.toString(target), tShape);
                    break;
                }
                case 2:  // a dim out of range
                    refused(() -> t.transpose(0, nd + 1), "transpose", "dim " + (nd + 1));
                    refused(() -> t.sum(new int[] {nd + 2}, false), "dim " + (nd + 2));
                    break;
                case 3: {  // matmul with mismatched inner dims
                    if (nd < 1) return;
                    long k = sh[nd - 1];
                    long[] wrong = {k + 1, 2};
                    refused(() -> t.matmul(other.apply(wrong)), "matmul", tShape, Arrays.toString(wrong));
                    break;
                }
                case 4: {  // cat of tensors that differ outside the dim
                    int d = firstDimAtLeast(sh, 1);
                    if (d < 0 || nd < 2) return;
                    long[] o = sh.clone();
                    int e = (d + 1) % nd;
                    o[e] = sh[e] + 1;
                    refused(() -> Tensor.cat(d, t, other.apply(o)), "cat", Arrays.toString(o), tShape);
                    break;
                }
                case 5: {  // expand of a dim that is not 1
                    int d = firstDimAtLeast(sh, 2);
                    if (d < 0) return;
                    long[] target = sh.clone();
                    target[d] = sh[d] + 1;
                    refused(() -> t.expand(target), "expand", tShape, Arrays.toString(target));
                    break;
                }
                case 6:  // narrow past the end
                    if (nd == 0) return;
                    refused(() -> t.narrow(0, 0, sh[0] + 1), "narrow", tShape);
                    break;
                case 7:  // a shape whose element count overflows
                    refused(() -> t.reshape(-1).expand(1L << 40, 1L << 40, t.numel()), "expand", "overflows");
                    break;
                default: {  // an in-place write into an expanded view
                    Tensor wide = Tensor.zeros(t.dtype(), t.device(), 1).expand(3);
                    refused(() -> wide.addInPlace(Tensor.ones(t.dtype(), t.device(), 3)), "addInPlace", "[3]", "share memory");
                }
            }
        }
    }

    private static int firstDimAtLeast(long[] sh, long min) {
        for (int d = 0; d < sh.length; d++) if (sh[d] >= min) return d;
        return -1;
    }

    static void refused(Runnable call, String... mustMention) {
        try {
            call.run();
        } catch (IllegalArgumentException e) {
            for (String m : mustMention) {
                if (!e.getMessage().contains(m)) throw new AssertionError("the message should mention '" + m + "': " + e.getMessage());
            }
            REFUSED.incrementAndGet();
            Programs.OPS.incrementAndGet();
            return;
        }
        throw new AssertionError("not refused: a call that should throw IllegalArgumentException mentioning " + List.of(mustMention));
    }

    @AfterContainer
    static void report() {
        System.out.println("OpSequencePropertyTest: " + Programs.statistics() + " run so far (scale " + SCALE + "), " + REFUSED.get()
                + " invalid calls refused");
    }
}
