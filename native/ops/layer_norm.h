// Layer normalisation of rows, forward and backward: the formulas of one row, shared by the CPU
// loops and the CUDA kernels (which only decide who handles which elements), as PyTorch's
// native_layer_norm. A row x[0..k) has mean μ and variance σ² (biased, two passes, summed in
// double), both rounded once to T as the saved statistics μ and rstd = 1 / sqrt(σ² + eps); then
//   forward:  y = (x − μ) · rstd · w + b            (w, b optional)
//   backward: x̂ = (x − μ) · rstd, g = dy · w (or dy), a = Σ g, c = Σ g · x̂ (in double),
//             dx = rstd · (g − a / k − x̂ · c / k)
// dw = Σ_rows dy · x̂ and db = Σ_rows dy are column sums, left to the caller.
#pragma once
#include <cmath>
#include <cstdint>

#include "hd.h"

namespace jg {
namespace ops {

JG_HD double layer_norm_rstd(double var, double eps) { return 1.0 / sqrt(var + eps); }

template <class T> JG_HD T layer_norm_out(T x, T mean, T rstd, const T* w, const T* b, int64_t j) {
    T y = (x - mean) * rstd;
    if (w) y = y * w[j];
    if (b) y = y + b[j];
    return y;
}

template <class T> JG_HD T layer_norm_g(T dy, const T* w, int64_t j) { return w ? dy * w[j] : dy; }
template <class T> JG_HD T layer_norm_xhat(T x, T mean, T rstd) { return (x - mean) * rstd; }
template <class T> JG_HD T layer_norm_dx(T g, T xhat, T rstd, T a_k, T c_k) { return rstd * (g - a_k - xhat * c_k); }

// One whole row, in order: the CPU's loop and the GPU's thread-per-row kernel.
template <class T> JG_HD void layer_norm_row(int64_t k, double eps, const T* xr, const T* w, const T* b, T* yr, T& mean, T& rstd) {
    double s = 0;
    for (int64_t j = 0; j < k; ++j) s += xr[j];
    const double m = s / k;
    double v = 0;
    for (int64_t j = 0; j < k; ++j) v += (xr[j] - m) * (xr[j] - m);
    mean = static_cast<T>(m);
    rstd = static_cast<T>(layer_norm_rstd(v / k, eps));
    for (int64_t j = 0; j < k; ++j) yr[j] = layer_norm_out(xr[j], mean, rstd, w, b, j);
}

template <class T> JG_HD void layer_norm_backward_row(int64_t k, const T* xr, const T* gr, T mean, T rstd, const T* w, T* dr) {
    double a = 0, c = 0;
    for (int64_t j = 0; j < k; ++j) {
        const T g = layer_norm_g(gr[j], w, j);
        a += g;
        c += static_cast<double>(g) * layer_norm_xhat(xr[j], mean, rstd);
    }
    const T a_k = static_cast<T>(a / k), c_k = static_cast<T>(c / k);
    for (int64_t j = 0; j < k; ++j) dr[j] = layer_norm_dx(layer_norm_g(gr[j], w, j), layer_norm_xhat(xr[j], mean, rstd), rstd, a_k, c_k);
}

}  // namespace ops
}  // namespace jg
