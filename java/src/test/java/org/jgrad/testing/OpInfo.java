package org.jgrad.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.jgrad.DType;
import org.jgrad.Tensor;

/** One registry row: an op, the inputs to try it on, its float64 reference, and whether it has a gradient. */
public final class OpInfo {
    /** Value range of generated floating inputs. */
    public enum Domain { ANY, POSITIVE, AWAY_FROM_ZERO, UNIT, DISTINCT }

    /** One input: a shape, what kind of values, and whether it is made non-contiguous. */
    public static final class Arg {
        public final long[] shape;
        final char kind;  // 'f' float, 'i' index, 'b' bool, 'c' float constant (no grad)
        final long bound;
        final boolean transposed;

        Arg(long[] shape, char kind, long bound, boolean transposed) {
            this.shape = shape;
            this.kind = kind;
            this.bound = bound;
            this.transposed = transposed;
        }

        public boolean differentiable() {
            return kind == 'f';
        }

        @Override
        public String toString() {
            return (kind == 'f' ? "" : kind == 'i' ? "idx" : kind == 'b' ? "mask" : "const") + Arrays.toString(shape) + (transposed ? "ᵀ" : "");
        }
    }

    public static Arg f(long... shape) {
        return new Arg(shape, 'f', 0, false);
    }

    /** A non-contiguous float input: made contiguous with its last two dims swapped, then transposed. */
    public static Arg ft(long... shape) {
        return new Arg(shape, 'f', 0, true);
    }

    /** Floating values that are not differentiated (e.g. a loss target). */
    public static Arg c(long... shape) {
        return new Arg(shape, 'c', 0, false);
    }

    public static Arg idx(long bound, long... shape) {
        return new Arg(shape, 'i', bound, false);
    }

    public static Arg mask(long... shape) {
        return new Arg(shape, 'b', 0, false);
    }

    public final String name;
    public final String method;
    public final Domain domain;
    public final List<Arg[]> samples = new ArrayList<>();
    public final Function<Tensor[], Tensor> op;
    public final Function<Nd[], Nd> ref;
    public final boolean differentiable;
    public final DType outType;  // null: same as the floating inputs
    public double f32Tolerance = 2e-5;

    OpInfo(String name, String method, Domain domain, Function<Tensor[], Tensor> op, Function<Nd[], Nd> ref, boolean differentiable,
           DType outType) {
        this.name = name;
        this.method = method;
        this.domain = domain;
        this.op = op;
        this.ref = ref;
        this.differentiable = differentiable;
        this.outType = outType;
    }

    OpInfo sample(Arg... args) {
        samples.add(args);
        return this;
    }

    OpInfo f32Tolerance(double tol) {
        this.f32Tolerance = tol;
        return this;
    }

    @Override
    public String toString() {
        return name;
    }
}
