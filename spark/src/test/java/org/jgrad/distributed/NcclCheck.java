package org.jgrad.distributed;

import java.util.Arrays;
import org.jgrad.Cuda;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.nn.Linear;
import org.jgrad.nn.Module;
import org.jgrad.nn.ReLU;
import org.jgrad.nn.Sequential;

/**
 * The GPU run's check of {@link NcclProcessGroup} (bench/gpu/check.sh), a group of one rank on
 * the first GPU: NCCL loads and reports its version; all-reduce (sum, max) and broadcast keep the
 * values of FLOAT32, FLOAT64 and INT64 tensors; the barrier returns; DistributedDataParallel on a
 * CUDA model trains as the model does alone, bit for bit; and an all-reduce of an MNIST MLP's
 * gradients is timed. Exits 1 on any failure, and when NCCL cannot be used, except on jgrad's
 * host emulation of CUDA (the dry run), where it reports that and exits 0.
 */
public final class NcclCheck {
    private NcclCheck() {}

    static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError("NcclCheck: " + what);
        System.out.println("ok: " + what);
    }

    public static void main(String[] args) {
        String why = NcclProcessGroup.unavailableReason();
        if (why != null) {
            System.out.println("NCCL cannot be used: " + why);
            System.exit(Cuda.isEmulated() ? 0 : 1);
        }
        System.out.println("NCCL version " + NcclProcessGroup.version() + " on " + Cuda.deviceName(Device.cuda(0)));
        Device gpu = Device.cuda(0);
        try (NcclProcessGroup g = NcclProcessGroup.create(NcclProcessGroup.uniqueId(), 0, 1, gpu); Scope s = Scope.open()) {
            Tensor f = Tensor.of(new float[] {1, -2, 3}, 3).to(gpu);
            g.allReduce(f, ReduceOp.SUM).await();
            check(Arrays.equals(new float[] {1, -2, 3}, f.toFloatArray()), "float32 all-reduce of one rank keeps the values");
            Tensor d = Tensor.of(new double[] {4.5, 6}, 2).to(gpu);
            g.allReduce(d, ReduceOp.MAX).await();
            g.broadcast(d, 0).await();
            check(Arrays.equals(new double[] {4.5, 6}, d.toDoubleArray()), "float64 max and broadcast keep the values");
            Tensor l = Tensor.of(new long[] {7, 8}, 2).to(gpu);
            g.allReduce(l, ReduceOp.MIN).await();
            check(Arrays.equals(new long[] {7, 8}, l.toLongArray()), "int64 min keeps the values");
            g.barrier();
            check(true, "barrier");
            try {
                g.allReduce(Tensor.of(new float[] {1}, 1), ReduceOp.SUM);
                check(false, "a CPU tensor is refused");
            } catch (IllegalArgumentException e) {
                check(e.getMessage().contains("GlooProcessGroup"), "a CPU tensor is refused: " + e.getMessage());
            }

            Tensor.manualSeed(1);
            Tensor x = Tensor.randn(64, 20).to(gpu), y = Tensor.rand(64).mul(4).to(DType.INT64).to(gpu);
            Tensor.manualSeed(2);
            Module plain = new Sequential(new Linear(20, 32), new ReLU(), new Linear(32, 4)).to(gpu);
            Tensor.manualSeed(2);
            DistributedDataParallel ddp = new DistributedDataParallel(new Sequential(new Linear(20, 32), new ReLU(), new Linear(32, 4)).to(gpu), g);
            SideBySide.train(plain, ddp, x, y, 5);
            boolean same = true;
            for (int i = 0; i < 4; i++) same &= Arrays.equals(plain.parameters().get(i).toFloatArray(), ddp.parameters().get(i).toFloatArray());
            check(same, "DistributedDataParallel on a CUDA model trains as the model alone, bit for bit (5 SGD steps)");

            Tensor grads = Tensor.zeros(DType.FLOAT32, gpu, 203_530);
            double[] ms = new double[100];
            for (int i = -10; i < ms.length; i++) {
                long t0 = System.nanoTime();
                g.allReduce(grads, ReduceOp.SUM).await();
                grads.narrow(0, 0, 1).toFloatArray();  // waits for the device
                if (i >= 0) ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(ms);
            System.out.printf("all-reduce of 203 530 floats, one rank, with the wait for the device: median %.3f ms%n", ms[50]);
        }
        System.out.println("NcclCheck: all passed");
    }
}
