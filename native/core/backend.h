// The contract between the C ABI and the backends. Every op family of jgrad.h takes a device and
// is routed, in one place (core/route.cpp), to jg::cpu::<family>(...) for JG_CPU or to
// jg::cuda::<family>(device, ...) for a CUDA device. The table below lists those families once;
// it declares both backends' functions and generates the routing entry points, so adding a family
// is a line here, its declaration in jgrad.h (the compiler checks that the two agree), and one
// implementation per backend.
#pragma once
#include <cstdint>

#include "jgrad/jgrad.h"

#define JG_UNPAREN(...) __VA_ARGS__

// X(family, (its parameters after the device), (the same names, as arguments))
#define JG_ROUTED_FAMILIES(X)                                                                                                  \
    X(free, (int64_t address, int64_t nbytes), (address, nbytes))                                                             \
    X(memory_stats, (int64_t* stats), (stats))                                                                                 \
    X(fill, (int dtype, int64_t n, int64_t out, double value), (dtype, n, out, value))                                         \
    X(arange, (int dtype, int64_t n, int64_t out, double start, double step), (dtype, n, out, start, step))                    \
    X(linspace, (int dtype, int64_t n, int64_t out, double start, double end), (dtype, n, out, start, end))                    \
    X(random, (int kind, int dtype, int64_t n, int64_t out, int64_t seed, int64_t offset, double lo, double hi),               \
      (kind, dtype, n, out, seed, offset, lo, hi))                                                                             \
    X(copy, (int out_dtype, int in_dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t in),                  \
      (out_dtype, in_dtype, n, ndim, geom, out, in))                                                                           \
    X(unary, (int op, int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t x, double alpha, double beta), \
      (op, dtype, n, ndim, geom, out, x, alpha, beta))                                                                         \
    X(binary,                                                                                                                  \
      (int op, int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t a, int64_t b, double alpha,           \
       double beta),                                                                                                           \
      (op, dtype, n, ndim, geom, out, a, b, alpha, beta))                                                                      \
    X(where, (int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t cond, int64_t a, int64_t b),           \
      (dtype, n, ndim, geom, out, cond, a, b))                                                                                 \
    X(reduce, (int op, int dtype, int64_t outer, int64_t r, int64_t inner, int64_t out, int64_t x),                            \
      (op, dtype, outer, r, inner, out, x))                                                                                    \
    X(softmax, (int log, int dtype, int64_t rows, int64_t cols, int64_t out, int64_t x), (log, dtype, rows, cols, out, x))    \
    X(softmax_backward, (int log, int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t y, int64_t dy),                   \
      (log, dtype, rows, cols, dx, y, dy))                                                                                     \
    X(layer_norm,                                                                                                              \
      (int dtype, int64_t rows, int64_t cols, double eps, int64_t y, int64_t mean, int64_t rstd, int64_t x, int64_t w,         \
       int64_t b),                                                                                                             \
      (dtype, rows, cols, eps, y, mean, rstd, x, w, b))                                                                        \
    X(layer_norm_backward,                                                                                                     \
      (int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t dy, int64_t x, int64_t mean, int64_t rstd, int64_t w),      \
      (dtype, rows, cols, dx, dy, x, mean, rstd, w))                                                                           \
    X(cross_entropy,                                                                                                           \
      (int dtype, int64_t rows, int64_t cols, int64_t loss, int64_t lse, int64_t x, int64_t target, int64_t target_stride,     \
       int use_ignore, int64_t ignore_index),                                                                                  \
      (dtype, rows, cols, loss, lse, x, target, target_stride, use_ignore, ignore_index))                                      \
    X(cross_entropy_backward,                                                                                                  \
      (int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t x, int64_t lse, int64_t target, int64_t target_stride,       \
       int use_ignore, int64_t ignore_index, int64_t g, int64_t g_stride),                                                     \
      (dtype, rows, cols, dx, x, lse, target, target_stride, use_ignore, ignore_index, g, g_stride))                           \
    X(nll_loss,                                                                                                                \
      (int dtype, int64_t rows, int64_t cols, int64_t loss, int64_t x, int64_t x_row_stride, int64_t x_col_stride,             \
       int64_t target, int64_t target_stride, int use_ignore, int64_t ignore_index),                                           \
      (dtype, rows, cols, loss, x, x_row_stride, x_col_stride, target, target_stride, use_ignore, ignore_index))               \
    X(nll_loss_backward,                                                                                                       \
      (int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t target, int64_t target_stride, int use_ignore,               \
       int64_t ignore_index, int64_t g, int64_t g_stride),                                                                     \
      (dtype, rows, cols, dx, target, target_stride, use_ignore, ignore_index, g, g_stride))                                   \
    X(check_probabilities, (int dtype, int64_t n, int64_t x), (dtype, n, x))                                                   \
    X(gather,                                                                                                                  \
      (int dtype, int ndim, const int64_t* geom, int dim, int64_t dim_size, int64_t out, int64_t x, int64_t index),            \
      (dtype, ndim, geom, dim, dim_size, out, x, index))                                                                       \
    X(scatter_add,                                                                                                             \
      (int dtype, int ndim, const int64_t* geom, int dim, int64_t dim_size, int64_t out, int64_t src, int64_t index),          \
      (dtype, ndim, geom, dim, dim_size, out, src, index))                                                                     \
    X(index_select,                                                                                                            \
      (int dtype, int dim, int64_t outer, int64_t dim_size, int64_t inner, int64_t k, int64_t out, int64_t x, int64_t x_outer,   \
       int64_t x_dim, int64_t index, int64_t index_stride),                                                                    \
      (dtype, dim, outer, dim_size, inner, k, out, x, x_outer, x_dim, index, index_stride))                                    \
    X(index_add,                                                                                                               \
      (int dtype, int dim, int64_t outer, int64_t dim_size, int64_t inner, int64_t k, int64_t out, int64_t src, int64_t index,   \
       int64_t index_stride),                                                                                                  \
      (dtype, dim, outer, dim_size, inner, k, out, src, index, index_stride))                                                  \
    X(im2col, (int dtype, const int64_t* geom, int64_t col, int64_t x), (dtype, geom, col, x))                                 \
    X(col2im, (int dtype, const int64_t* geom, int64_t x, int64_t col), (dtype, geom, x, col))                                 \
    X(pool2d, (int kind, int dtype, const int64_t* geom, int64_t out, int64_t indices, int64_t x),                             \
      (kind, dtype, geom, out, indices, x))                                                                                    \
    X(pool2d_backward, (int kind, int dtype, const int64_t* geom, int64_t dx, int64_t dy, int64_t indices),                    \
      (kind, dtype, geom, dx, dy, indices))                                                                                    \
    X(batch_norm,                                                                                                              \
      (int dtype, int64_t n, int64_t c, int64_t s, double eps, int training, int64_t y, int64_t mean, int64_t var,             \
       int64_t invstd, int64_t x, int64_t w, int64_t b),                                                                       \
      (dtype, n, c, s, eps, training, y, mean, var, invstd, x, w, b))                                                          \
    X(batch_norm_backward,                                                                                                     \
      (int dtype, int64_t n, int64_t c, int64_t s, int training, int64_t dx, int64_t dw, int64_t db, int64_t dy, int64_t x,    \
       int64_t mean, int64_t invstd, int64_t w),                                                                               \
      (dtype, n, c, s, training, dx, dw, db, dy, x, mean, invstd, w))                                                          \
    X(update,                                                                                                                  \
      (int rule, int dtype, int64_t n, int64_t param, int64_t grad, const int64_t* state, int nstate, const double* hyper,       \
       int nhyper),                                                                                                            \
      (rule, dtype, n, param, grad, state, nstate, hyper, nhyper))

namespace jg {
namespace cpu {
#define JG_DECLARE_CPU(family, params, args) int family params;
JG_ROUTED_FAMILIES(JG_DECLARE_CPU)
#undef JG_DECLARE_CPU
// the routed entries whose shape the table does not cover
int64_t alloc(int64_t nbytes);
int empty_cache();
}  // namespace cpu

namespace cuda {
#define JG_DECLARE_CUDA(family, params, args) int family(int device, JG_UNPAREN params);
JG_ROUTED_FAMILIES(JG_DECLARE_CUDA)
#undef JG_DECLARE_CUDA
int64_t alloc(int device, int64_t nbytes);
int empty_cache(int device);
// a copy with at least one CUDA side (the other may be JG_CPU)
int copy_bytes(int dst_device, int64_t dst, int src_device, int64_t src, int64_t nbytes);
}  // namespace cuda
}  // namespace jg
