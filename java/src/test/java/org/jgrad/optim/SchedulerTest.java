package org.jgrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.IntToDoubleFunction;
import org.jgrad.Tensor;
import org.junit.jupiter.api.Test;

/** Each scheduler's rates, epoch by epoch, against its closed form and the values PyTorch's documentation gives. */
class SchedulerTest {
    private static SGD sgd(double lr) {
        return new SGD(List.of(Tensor.of(new double[] {1}).requiresGrad(true)), SGD.options(lr).momentum(0.9));
    }

    private static double lr(Optimizer<?> opt) {
        return opt.paramGroups().get(0).options().lr();
    }

    /** Steps the scheduler through epochs 0..n-1 and checks each epoch's rate. */
    private static void follows(Optimizer<?> opt, LRScheduler sched, int n, IntToDoubleFunction want) {
        for (int e = 0; e < n; e++) {
            assertEquals(want.applyAsDouble(e), lr(opt), 1e-15 * Math.max(1, want.applyAsDouble(e)), "epoch " + e);
            assertEquals(e, sched.lastEpoch());
            sched.step();
        }
    }

    @Test
    void stepAndMultiStepAsInPyTorchsDocs() {
        SGD a = sgd(0.05);
        follows(a, new StepLR(a, 30, 0.1), 100, e -> e < 30 ? 0.05 : e < 60 ? 0.005 : e < 90 ? 0.0005 : 0.00005);
        SGD b = sgd(0.05);
        follows(b, new MultiStepLR(b, new int[] {80, 30}), 100, e -> e < 30 ? 0.05 : e < 80 ? 0.005 : 0.0005);
    }

    @Test
    void exponentialCosineAndLinear() {
        SGD a = sgd(0.1);
        follows(a, new ExponentialLR(a, 0.9), 20, e -> 0.1 * Math.pow(0.9, e));
        SGD b = sgd(0.1);
        follows(b, new CosineAnnealingLR(b, 10, 0.001), 21, e -> 0.001 + (0.1 - 0.001) * (1 + Math.cos(Math.PI * e / 10)) / 2);
        SGD c = sgd(0.05);
        // PyTorch's LinearLR example: start factor 0.5 over 4 iterations
        double[] doc = {0.025, 0.03125, 0.0375, 0.04375, 0.05, 0.05, 0.05};
        follows(c, new LinearLR(c, 0.5, 1.0, 4), doc.length, e -> doc[e]);
    }

    @Test
    void sequentialRunsEachFromItsOwnEpochZero() {
        SGD a = sgd(0.1);
        LinearLR warm = new LinearLR(a, 0.1, 1.0, 5);
        CosineAnnealingLR cos = new CosineAnnealingLR(a, 10);
        SequentialLR seq = new SequentialLR(a, List.of(warm, cos), new int[] {5});
        follows(a, seq, 16, e -> e < 5 ? 0.1 * (0.1 + 0.9 * e / 5) : 0.1 * (1 + Math.cos(Math.PI * (e - 5) / 10)) / 2);
        assertThrows(IllegalArgumentException.class, () -> new SequentialLR(a, List.of(warm, cos), new int[] {}));
        SGD other = sgd(0.1);
        assertThrows(IllegalArgumentException.class, () -> new SequentialLR(a, List.of(new StepLR(other, 2)), new int[] {}));
    }

    @Test
    void schedulersUseTheRateOfEachGroup() {
        SGD opt = sgd(0.1);
        opt.addParamGroup(List.of(Tensor.of(new double[] {1}).requiresGrad(true)), SGD.options(0.01));
        StepLR s = new StepLR(opt, 1, 0.5);
        s.step();
        s.step();
        assertArrayEquals(new double[] {0.025, 0.0025}, s.lastLr(), 1e-17);
        assertEquals(0.0025, opt.paramGroups().get(1).options().lr(), 1e-17);
    }

    @Test
    void oneCycleRateAndMomentum() {
        SGD opt = sgd(1);
        OneCycleLR s = new OneCycleLR(opt, OneCycleLR.options(0.1, 10));
        double initial = 0.1 / 25, min = initial / 1e4;
        // phase 1 ends at step 0.3·10 − 1 = 2, phase 2 at 9; cosine annealing within each
        IntToDoubleFunction want = e -> e <= 2 ? 0.1 + (initial - 0.1) / 2 * (Math.cos(Math.PI * e / 2) + 1)
                : min + (0.1 - min) / 2 * (Math.cos(Math.PI * (e - 2) / 7.0) + 1);
        for (int e = 0; e < 10; e++) {
            assertEquals(want.applyAsDouble(e), lr(opt), 1e-15, "step " + e);
            double m = opt.paramGroups().get(0).options().momentum();
            double wantM = e <= 2 ? 0.85 + (0.95 - 0.85) / 2 * (Math.cos(Math.PI * e / 2) + 1) : 0.95 + (0.85 - 0.95) / 2 * (Math.cos(Math.PI * (e - 2) / 7.0) + 1);
            assertEquals(wantM, m, 1e-15, "momentum at step " + e);
            s.step();
        }
        assertEquals(initial, new OneCycleLR(sgd(1), OneCycleLR.options(0.1, 10)).lastLr()[0], 1e-15);
        assertEquals(want.applyAsDouble(10), lr(opt), 1e-15);  // step 10 = totalSteps is allowed (the formula past its end, as in PyTorch)
        assertThrows(IllegalArgumentException.class, s::step);
        // linear, three phases, and Adam's β₁ as the momentum
        Adam adam = new Adam(List.of(Tensor.of(new double[] {1}).requiresGrad(true)));
        OneCycleLR t = new OneCycleLR(adam, OneCycleLR.options(0.1, 20).linear(true).threePhase(true));
        double[] want3 = new double[20];
        for (int e = 0; e < 20; e++) {
            want3[e] = e <= 5 ? initial + (0.1 - initial) * e / 5 : e <= 10 ? 0.1 + (initial - 0.1) * (e - 5) / 5 : initial + (min - initial) * (e - 10) / 9;
        }
        for (int e = 0; e < 20; e++) {
            assertEquals(want3[e], lr(adam), 1e-15, "three-phase step " + e);
            if (e == 5) assertEquals(0.85, adam.paramGroups().get(0).options().beta1(), 1e-15);
            t.step();
        }
        RMSprop rms = new RMSprop(List.of(Tensor.of(new double[] {1}).requiresGrad(true)));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new OneCycleLR(rms, OneCycleLR.options(0.1, 10))).getMessage()
                .contains("cycleMomentum"));
    }

    @Test
    void plateauLowersTheRateAfterPatienceAndWaitsTheCooldown() {
        SGD opt = sgd(1);
        ReduceLROnPlateau s = new ReduceLROnPlateau(opt, ReduceLROnPlateau.options().patience(2).factor(0.5).cooldown(1).minLr(0.2));
        double[] metrics = {1.0, 0.9, 0.95, 0.92, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95};
        // bad epochs after the 0.9: 0.95, 0.92, 0.9 (not better by 1e-4 relative) -> third is > patience: 0.5;
        // then one epoch of cooldown, three more bad ones -> 0.25; again -> max(0.125, 0.2) = 0.2
        double[] want = {1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2};
        for (int i = 0; i < metrics.length; i++) {
            s.step(metrics[i]);
            assertEquals(want[i], lr(opt), 1e-15, "after metric " + i);
        }
        assertEquals(0.9, s.best(), 0);
        SGD up = sgd(1);
        ReduceLROnPlateau m = new ReduceLROnPlateau(up, ReduceLROnPlateau.options().maximize(true).patience(0).absoluteThreshold(true).threshold(0.1));
        m.step(1.0);
        m.step(1.05);  // not better by 0.1: reduced at once (patience 0)
        assertEquals(0.1, lr(up), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> new ReduceLROnPlateau(up, ReduceLROnPlateau.options().factor(1)));
    }

    /** A plateau scheduler restored mid-run continues as the uninterrupted one (its counters travel in its state dict). */
    @Test
    void plateauStateDictResumesTheCounters() {
        double[] metrics = {1.0, 0.9, 0.95, 0.92, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95};
        SGD a = sgd(1);
        ReduceLROnPlateau full = new ReduceLROnPlateau(a, ReduceLROnPlateau.options().patience(2).factor(0.5).cooldown(1));
        double[] want = new double[metrics.length];
        for (int i = 0; i < metrics.length; i++) {
            full.step(metrics[i]);
            want[i] = lr(a);
        }
        SGD b = sgd(1);
        ReduceLROnPlateau first = new ReduceLROnPlateau(b, ReduceLROnPlateau.options().patience(2).factor(0.5).cooldown(1));
        for (int i = 0; i < 5; i++) first.step(metrics[i]);
        java.util.Map<String, Double> state = first.stateDict();
        assertEquals(0.9, state.get("best"), 0);
        ReduceLROnPlateau second = new ReduceLROnPlateau(b, ReduceLROnPlateau.options().patience(2).factor(0.5).cooldown(1));
        second.loadStateDict(state);
        for (int i = 5; i < metrics.length; i++) {
            second.step(metrics[i]);
            assertEquals(want[i], lr(b), 1e-15, "after metric " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> second.loadStateDict(java.util.Map.of("best", 1.0)));
    }

    /** A closed-form scheduler restored mid-run sets the rate of its epoch. */
    @Test
    void closedFormStateDictRestoresTheEpoch() {
        SGD a = sgd(1);
        CosineAnnealingLR c = new CosineAnnealingLR(a, 10);
        for (int e = 0; e < 4; e++) c.step();
        SGD b = sgd(1);
        CosineAnnealingLR d = new CosineAnnealingLR(b, 10);
        d.loadStateDict(c.stateDict());
        assertEquals(4, d.lastEpoch());
        assertEquals(lr(a), lr(b), 0);
        c.step();
        d.step();
        assertEquals(lr(a), lr(b), 0);
    }
}
