package org.jgrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.jgrad.nn.Functional;
import org.jgrad.testing.Nd;
import org.jgrad.testing.OpInfo;
import org.jgrad.testing.OpInfo.Arg;
import org.jgrad.testing.OpRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One sweep over every op in {@link OpRegistry}: forward in float64 and float32 against the
 * independent float64 reference, on broadcast, non-contiguous and 0-dim inputs, and gradients
 * against central finite differences in float64.
 */
class ConformanceTest {

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (OpInfo op : OpRegistry.OPS) {
            for (int i = 0; i < op.samples.size(); i++) out.add(Arguments.of(op, i, Arrays.toString(op.samples.get(i))));
        }
        return out.stream();
    }

    /** Input values for one sample, as float64 arrays in logical row-major order. */
    static double[][] values(OpInfo op, int sample) {
        Arg[] args = op.samples.get(sample);
        java.util.Random r = new java.util.Random(op.name.hashCode() * 31L + sample);
        double[][] v = new double[args.length][];
        for (int k = 0; k < args.length; k++) {
            Arg a = args[k];
            long n = 1;
            for (long s : a.shape) n *= s;
            v[k] = new double[(int) n];
            for (int i = 0; i < n; i++) v[k][i] = draw(r, a, op.domain);
        }
        return v;
    }

    private static double draw(java.util.Random r, Arg a, OpInfo.Domain d) {
        String kind = a.toString();
        if (kind.startsWith("idx")) return r.nextInt((int) boundOf(a));
        if (kind.startsWith("mask")) return r.nextBoolean() ? 1 : 0;
        switch (d) {
            case POSITIVE: return 0.2 + 1.8 * r.nextDouble();
            case AWAY_FROM_ZERO: return (r.nextBoolean() ? 1 : -1) * (0.2 + 1.8 * r.nextDouble());
            case UNIT: return 0.05 + 0.9 * r.nextDouble();
            default: return -2 + 4 * r.nextDouble();
        }
    }

    private static long boundOf(Arg a) {
        try {
            java.lang.reflect.Field f = Arg.class.getDeclaredField("bound");
            f.setAccessible(true);
            return f.getLong(a);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** Builds the input tensors; transposed args are stored with their last two dims swapped. */
    static Tensor[] build(OpInfo op, int sample, double[][] v, DType floatType, boolean requireGrad) {
        Arg[] args = op.samples.get(sample);
        Tensor[] t = new Tensor[args.length];
        for (int k = 0; k < args.length; k++) {
            Arg a = args[k];
            String kind = a.toString();
            long[] shape = a.shape;
            if (kind.startsWith("idx")) {
                long[] l = new long[v[k].length];
                for (int i = 0; i < l.length; i++) l[i] = (long) v[k][i];
                t[k] = Tensor.of(l, shape.length == 0 ? new long[0] : shape);
                if (shape.length == 0) t[k] = t[k].reshape();
                continue;
            }
            if (kind.startsWith("mask")) {
                boolean[] b = new boolean[v[k].length];
                for (int i = 0; i < b.length; i++) b[i] = v[k][i] != 0;
                t[k] = Tensor.of(b, shape.length == 0 ? new long[] {1} : shape);
                if (shape.length == 0) t[k] = t[k].reshape();
                continue;
            }
            Tensor base;
            if (kind.endsWith("ᵀ")) {
                Nd logical = new Nd(shape, v[k]);
                Nd stored = logical.transpose(-1, -2);
                base = Tensor.of(stored.data, stored.shape).to(floatType).transpose(-1, -2);
                assertTrue(!base.isContiguous(), "sample input should be non-contiguous");
            } else {
                base = shape.length == 0 ? Tensor.of(v[k]).reshape().to(floatType) : Tensor.of(v[k], shape).to(floatType);
            }
            if (requireGrad && a.differentiable()) base.requiresGrad(true);
            t[k] = base;
        }
        return t;
    }

    static void assertClose(String what, Nd expected, Tensor actual, double atol, double rtol) {
        assertArrayEquals(expected.shape, actual.shape(), what + ": shape");
        double[] got = actual.toDoubleArray();
        for (int i = 0; i < got.length; i++) {
            double e = expected.data[i], g = got[i];
            if (Double.isNaN(e) && Double.isNaN(g)) continue;
            if (!(Math.abs(e - g) <= atol + rtol * Math.abs(e))) {
                fail(what + ": element " + i + " expected " + e + " got " + g + " (atol " + atol + ", rtol " + rtol + ")");
            }
        }
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("cases")
    void forwardFloat64(OpInfo op, int sample, String desc) {
        try (Scope scope = Scope.open()) {
            double[][] v = values(op, sample);
            Tensor[] in = build(op, sample, v, DType.FLOAT64, false);
            Nd[] ref = new Nd[in.length];
            for (int i = 0; i < in.length; i++) ref[i] = Nd.of(in[i]);
            Tensor out = op.op.apply(in);
            assertEquals(op.outType != null ? op.outType : DType.FLOAT64, out.dtype(), "dtype");
            assertClose(op.name + " float64", op.ref.apply(ref), out, 1e-9, 1e-9);
        }
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("cases")
    void forwardFloat32(OpInfo op, int sample, String desc) {
        try (Scope scope = Scope.open()) {
            double[][] v = values(op, sample);
            Tensor[] in = build(op, sample, v, DType.FLOAT32, false);
            Nd[] ref = new Nd[in.length];
            for (int i = 0; i < in.length; i++) ref[i] = Nd.of(in[i]);  // the float32-rounded inputs, in float64
            Tensor out = op.op.apply(in);
            boolean f64Cast = op.name.equals("to(FLOAT64)");
            assertEquals(op.outType != null ? op.outType : f64Cast ? DType.FLOAT64 : DType.FLOAT32, out.dtype(), "dtype");
            assertClose(op.name + " float32", op.ref.apply(ref), out, op.f32Tolerance, op.f32Tolerance);
        }
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("cases")
    void gradcheck(OpInfo op, int sample, String desc) {
        if (op.differentiable) checkGradients(op, sample, t -> t, 2000);  // larger samples only check the forward
    }

    /**
     * The gradient of {@code sum(op(inputs) * w)} for fixed random weights w, computed by backward,
     * against central finite differences in float64, with every input put where {@code place} says
     * (a device) before the op runs. False, checking nothing, when the sample has more than
     * {@code maxElements} input elements.
     */
    static boolean checkGradients(OpInfo op, int sample, UnaryOperator<Tensor> place, long maxElements) {
        double[][] v = values(op, sample);
        Arg[] args = op.samples.get(sample);
        long total = 0;
        for (double[] a : v) total += a.length;
        if (total > maxElements) return false;
        String desc = op.name + " " + Arrays.toString(args);
        try (Scope scope = Scope.open()) {
            Tensor[] in = placed(op, sample, v, place);
            List<Tensor> diff = new ArrayList<>();
            List<Integer> which = new ArrayList<>();
            for (int k = 0; k < in.length; k++) {
                if (args[k].differentiable()) {
                    diff.add(in[k].requiresGrad(true));
                    which.add(k);
                }
            }
            Tensor y = op.op.apply(in);
            java.util.Random r = new java.util.Random(7);
            double[] w = new double[(int) y.numel()];
            for (int i = 0; i < w.length; i++) w[i] = r.nextGaussian();
            Tensor wt = (y.dim() == 0 ? Tensor.of(w).reshape() : Tensor.of(w, y.shape())).to(y.device());
            Tensor[] grads = Autograd.grad(y.mul(wt).sum(), diff.toArray(new Tensor[0]));
            double eps = 1e-6;
            for (int j = 0; j < which.size(); j++) {
                int k = which.get(j);
                assertArrayEquals(in[k].shape(), grads[j].shape(), desc + ": gradient shape of input " + k);
                assertEquals(in[k].device(), grads[j].device(), desc + ": gradient device of input " + k);
                double[] analytic = grads[j].toDoubleArray();
                for (int e = 0; e < v[k].length; e++) {
                    double keep = v[k][e];
                    v[k][e] = keep + eps;
                    double up = lossAt(op, sample, v, w, place);
                    v[k][e] = keep - eps;
                    double down = lossAt(op, sample, v, w, place);
                    v[k][e] = keep;
                    double numeric = (up - down) / (2 * eps);
                    if (!(Math.abs(analytic[e] - numeric) <= 1e-5 + 1e-3 * Math.abs(numeric))) {
                        fail(desc + " on " + y.device() + ": d/d(input " + k + ")[" + e + "] analytic " + analytic[e] + " numeric " + numeric);
                    }
                }
            }
        }
        return true;
    }

    private static Tensor[] placed(OpInfo op, int sample, double[][] v, UnaryOperator<Tensor> place) {
        Tensor[] in = build(op, sample, v, DType.FLOAT64, false);
        for (int k = 0; k < in.length; k++) in[k] = place.apply(in[k]);
        return in;
    }

    private static double lossAt(OpInfo op, int sample, double[][] v, double[] w, UnaryOperator<Tensor> place) {
        try (Scope s = Scope.open(); var off = Autograd.noGrad()) {
            double[] yv = op.op.apply(placed(op, sample, v, place)).toDoubleArray();
            double l = 0;
            for (int i = 0; i < yv.length; i++) l += yv[i] * w[i];
            return l;
        }
    }

    /** Public methods that are not ops in the registry's sense, with where they are tested instead. */
    private static final Set<String> NOT_OPS = Set.of(
            // creation: CreationTest
            "of", "scalar", "zeros", "ones", "full", "zerosLike", "onesLike", "eye", "arange", "linspace", "rand", "randn",
            // autograd API: AutogradTest
            "grad", "requiresGrad", "detach",
            // devices: BadInputTest.devicesThatAreNotAvailable
            "cpu", "cuda",
            // in-place writes: InPlaceTest
            "addInPlace", "subInPlace", "mulInPlace", "fillInPlace", "copyInPlace",
            // raw bytes: SafeTensorsTest
            "readBytes");

    @Test
    void everyOpHasARegistryEntry() {
        Set<String> ops = new TreeSet<>();
        for (Method m : Tensor.class.getMethods()) {
            if (m.getDeclaringClass() == Tensor.class && m.getReturnType() == Tensor.class) ops.add(m.getName());
        }
        for (Method m : Functional.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) && m.getReturnType() == Tensor.class) ops.add(m.getName());
        }
        ops.removeAll(NOT_OPS);
        Set<String> covered = new TreeSet<>();
        for (OpInfo o : OpRegistry.OPS) covered.add(o.method);
        Set<String> missing = new TreeSet<>(ops);
        missing.removeAll(covered);
        assertTrue(missing.isEmpty(), "ops without a registry entry in OpRegistry: " + missing);
        assertTrue(ops.size() > 50, "found only " + ops.size() + " ops; the reflection scan is broken");
    }
}
