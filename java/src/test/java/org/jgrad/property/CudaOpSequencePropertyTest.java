package org.jgrad.property;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import org.jgrad.Cuda;
import org.jgrad.Device;
import org.jgrad.property.OpSequencePropertyTest.Bad;
import org.jgrad.property.Programs.Program;

/**
 * The op-sequence properties on a CUDA device (in the build, the host emulation of CUDA; in a
 * build without a device every try passes at once, as the CUDA tests skip).
 */
@Tag("cuda")
class CudaOpSequencePropertyTest {
    static final Device D = Device.CUDA;

    @Provide
    Arbitrary<Program> programs() {
        return Programs.programs(6, 4, 128, 8, false);
    }

    @Provide
    Arbitrary<Program> smoothPrograms() {
        return Programs.programs(3, 3, 12, 5, true);
    }

    @Provide
    Arbitrary<Bad> badCalls() {
        return new OpSequencePropertyTest().badCalls();
    }

    @Property(tries = 6_000)
    void valuesEqualTheFloat64Reference(@ForAll("programs") Program program) {
        if (Cuda.isAvailable()) OpSequencePropertyTest.scaled(program, p -> OpSequencePropertyTest.checkValues(p, D));
    }

    @Property(tries = 400)
    void gradientsEqualCentralDifferences(@ForAll("smoothPrograms") Program program) {
        if (Cuda.isAvailable()) OpSequencePropertyTest.checkGradient(new Program(program.shape(), false, program.steps(), program.seed()), D);
    }

    @Property(tries = 1_500)
    void invalidCallsAreRefusedNamingTheOpAndShapes(@ForAll("badCalls") Bad bad) {
        if (Cuda.isAvailable()) OpSequencePropertyTest.checkRefused(bad, D);
    }

    @AfterContainer
    static void report() {
        System.out.println("CudaOpSequencePropertyTest: " + Programs.statistics() + " run so far on " + (Cuda.isAvailable() ? D : "no device"));
    }
}
