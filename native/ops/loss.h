// Row formulas of the fused class losses (cross-entropy, negative log-likelihood), shared by the
// CPU loops and the CUDA kernels. A row i has scores x[i, 0..cols) and a class target t_i.
#pragma once
#include <cmath>
#include <cstdint>

#include "hd.h"
#include "softmax.h"

namespace jg {
namespace ops {

// A row whose target equals the ignore index contributes loss 0 and gradient 0.
JG_HD bool ignored_target(int64_t t, int use_ignore, int64_t ignore_index) { return use_ignore != 0 && t == ignore_index; }
JG_HD bool valid_target(int64_t t, int64_t cols) { return t >= 0 && t < cols; }

// Cross-entropy from the row's logsumexp (computed in double): lse - x[t], rounded once.
template <class T> JG_HD T cross_entropy_loss(double lse, T x_t) { return static_cast<T>(lse - static_cast<double>(x_t)); }

// d loss / d x[j] = g * (softmax(x)[j] - [j == t]), with softmax(x)[j] = exp(x[j] - lse), in the
// input's precision as PyTorch's log-softmax backward computes it (float32 with softmax.h's exp_f32:
// no FP64 on GPUs, where it runs at a fraction of the FP32 rate).
template <class T> JG_HD T cross_entropy_grad(T x, double lse, double g, bool hit) {
    const T p = softmax_exp(x - static_cast<T>(lse));
    return static_cast<T>(g) * (hit ? p - T(1) : p);
}

}  // namespace ops
}  // namespace jg
