// Row softmax and log-softmax, forward and backward: the formulas of one row, shared by the CPU
// loops and the CUDA kernels (which only decide who handles which elements).
//
// A row x[0..cols) is shifted by its largest value m (NaN wins; a row of -inf is shifted by 0 so
// that its result is NaN, as in PyTorch), exponentiated in the input's precision and summed in
// double. float32 uses exp_f32 (fastmath.h, within 1 ulp): it vectorises on the CPU, costs no
// FP64 on GPUs, and gives the same bits on both.
#pragma once
#include <cmath>

#include "fastmath.h"
#include "hd.h"

namespace jg {
namespace ops {

// The running max of a row: v replaces m if larger, or if v is the row's first NaN.
template <class T> JG_HD T softmax_max(T m, T v) { return (v > m || v != v) && m == m ? v : m; }

// The shift applied to the row.
template <class T> JG_HD T softmax_shift(T m) { return m == -INFINITY ? T(0) : m; }

JG_HD float softmax_exp(float d) { return exp_f32(d); }
JG_HD double softmax_exp(double d) { return exp(d); }

// exp(x - m): an element's share of the row sum, before normalising.
template <class T> JG_HD T softmax_term(T x, T m) { return softmax_exp(x - m); }

// softmax: term * inv with inv = 1 / sum, rounded once to T.
template <class T> JG_HD T softmax_inv(double sum) { return static_cast<T>(1.0 / sum); }
template <class T> JG_HD T softmax_out(T term, T inv) { return term * inv; }

// log-softmax: (x - m) - lse with lse = log(sum), rounded once to T.
template <class T> JG_HD T log_softmax_lse(double sum) { return static_cast<T>(log(sum)); }
template <class T> JG_HD T log_softmax_out(T x, T m, T lse) { return x - m - lse; }

// Backward from the forward output y and the incoming gradient g: the row sum of g·y (softmax) or
// of g (log-softmax) in double, rounded once to st, then
//   softmax:     dx = y · (g − st)
//   log-softmax: dx = g − exp(y) · st
template <class T> JG_HD double softmax_backward_term(bool log, T y, T g) { return log ? static_cast<double>(g) : static_cast<double>(g) * y; }
template <class T> JG_HD T softmax_backward_out(bool log, T y, T g, T st) { return log ? g - softmax_exp(y) * st : y * (g - st); }

}  // namespace ops
}  // namespace jg
