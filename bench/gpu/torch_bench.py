"""PyTorch half of the GPU benchmark (bench/gpu/run.sh): the cases of CudaBench, same output format."""
import time

import torch

D = "cuda"


def timed(fn):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        torch.cuda.synchronize()
        s = time.perf_counter() - t0
        if s > 0.5 or n >= 1 << 20:
            return s / n
        n *= 4


def report(name, sec, unit=None, amount=0.0):
    """amount per op in the unit's own scale (GB, TFLOP), as CudaBench; no unit prints time only."""
    if unit is None:
        print(f"torch  {name:<28} {sec * 1e6:12.3f} us")
    else:
        print(f"torch  {name:<28} {sec * 1e6:12.3f} us  {amount / sec:10.1f} {unit}")


def main():
    torch.backends.cuda.matmul.allow_tf32 = False
    print("device:", torch.cuda.get_device_name(0), "torch", torch.__version__)
    for log2 in (24, 28):
        n = 1 << log2
        a = torch.rand(n, device=D)
        b = torch.rand(n, device=D)
        report(f"add 2^{log2}", timed(lambda: a + b), "GB/s", 12e-9 * n)
        report(f"sigmoid 2^{log2}", timed(lambda: a.sigmoid()), "GB/s", 8e-9 * n)
        report(f"sum 2^{log2}", timed(lambda: a.sum()), "GB/s", 4e-9 * n)
        del a, b
        torch.cuda.empty_cache()
    a = torch.randn(4096, 4096, device=D)
    b = torch.randn(4096, 4096, device=D)
    report("sgemm 4096", timed(lambda: a @ b), "TFLOP/s", 2.0 * 4096 ** 3 * 1e-12)
    a = torch.ones(1, device=D)
    b = torch.ones(1, device=D)
    report("tiny add", timed(lambda: a + b))
    F = torch.nn.functional
    torch.backends.cudnn.allow_tf32 = False  # full float32, as jgrad's products
    for cin, cout, hw in ((32, 64, 28), (64, 64, 56)):
        x = torch.randn(64, cin, hw, hw, device=D)
        w = torch.randn(cout, cin, 3, 3, device=D)

        def conv():
            F.conv2d(x.detach().requires_grad_(), w.detach().requires_grad_(), None, 1, 1).sum().backward()

        report(f"conv {cin}-{cout} 3x3 {hw}^2 f+b", timed(conv))
    x = torch.randn(64, 32, 28, 28, device=D)
    report("maxpool 2x2 64x32x28^2 f+b", timed(lambda: F.max_pool2d(x.detach().requires_grad_(), 2).sum().backward()))
    x = torch.randn(64, 64, 28, 28, device=D)
    w = torch.ones(64, device=D)
    b = torch.zeros(64, device=D)

    def bn():
        y = F.batch_norm(x.detach().requires_grad_(), None, None, w.detach().requires_grad_(), b.detach().requires_grad_(), True)
        (y * y).sum().backward()

    report("batchnorm 64x64x28^2 f+b", timed(bn))
    del x, w, b
    torch.cuda.empty_cache()
    for batch in (64, 1024):
        x = torch.randn(batch, 784, device=D)
        y = torch.arange(batch, device=D) % 10
        w1 = (torch.randn(784, 256, device=D) * 0.03).requires_grad_()
        b1 = torch.zeros(256, device=D, requires_grad=True)
        w2 = (torch.randn(256, 10, device=D) * 0.06).requires_grad_()
        b2 = torch.zeros(10, device=D, requires_grad=True)

        def step():
            loss = torch.nn.functional.cross_entropy((x @ w1 + b1).relu() @ w2 + b2, y)
            loss.backward()
            with torch.no_grad():
                for p in (w1, b1, w2, b2):
                    p -= 0.01 * p.grad
                    p.grad = None

        report(f"MLP step batch {batch}", timed(step))


if __name__ == "__main__":
    main()
