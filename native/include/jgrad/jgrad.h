/*
 * jgrad native core: the flat C ABI between the Java front end and the kernels.
 *
 * Conventions
 *  - Every function returns a jg_status; on failure a message is kept per thread for jg_last_error().
 *    Native code never aborts, prints or lets a C++ exception cross this boundary.
 *  - Addresses of device memory travel as int64_t (no per-call pointer objects on the Java side).
 *  - Strides and shapes are in elements. A "geom" array packs, for ndim dims:
 *      shape[ndim], then the strides of each operand in the order the function lists them.
 *    ndim == 0 means: every operand is dense and contiguous with n elements (the fast path).
 *  - Outputs are always dense and contiguous unless a function says otherwise.
 */
#ifndef JGRAD_JGRAD_H
#define JGRAD_JGRAD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum jg_dtype { JG_FLOAT32 = 0, JG_FLOAT64 = 1, JG_INT64 = 2, JG_BOOL = 3 };

enum jg_status {
    JG_OK = 0,
    JG_ERR_ARGUMENT = 1,
    JG_ERR_OUT_OF_MEMORY = 2,
    JG_ERR_UNSUPPORTED = 3,
    JG_ERR_INTERNAL = 4,
    JG_ERR_CUDA = 5 /* a CUDA runtime error; the message starts with its name, e.g. cudaErrorIllegalAddress */
};

/* The most dims a strided kernel accepts (after the caller coalesced them). */
enum jg_limits { JG_MAX_DIMS = 12 };

/* Unary elementwise ops: out = f(x; alpha, beta). */
enum jg_unary_op {
    JG_NEG = 0, JG_ABS, JG_SIGN, JG_ADD_SCALAR, JG_MUL_SCALAR, JG_RSUB_SCALAR,
    JG_DIV_SCALAR, JG_RDIV_SCALAR, JG_POW_SCALAR,
    JG_EXP, JG_LOG, JG_SQRT, JG_SIN, JG_COS, JG_SIGMOID, JG_TANH, JG_RELU,
    JG_LEAKY_RELU, JG_CLAMP,
    JG_UNARY_OP_COUNT
};

/* Binary elementwise ops: out = f(a, b; alpha, beta). Comparisons write JG_BOOL.
 * The *_BACKWARD ops are fused gradient kernels: a is the incoming gradient. */
enum jg_binary_op {
    JG_ADD = 0, JG_SUB, JG_MUL, JG_DIV, JG_POW,
    JG_EQ, JG_NE, JG_GT, JG_GE, JG_LT, JG_LE,
    JG_SIGMOID_BACKWARD, /* a * (1 - b) * b, b = sigmoid output  */
    JG_TANH_BACKWARD,    /* a * (1 - b * b), b = tanh output     */
    JG_RELU_BACKWARD,    /* b > 0 ? a : 0,   b = relu output     */
    JG_LEAKY_RELU_BACKWARD, /* b > 0 ? a : a * alpha, b = input  */
    JG_CLAMP_BACKWARD,   /* alpha <= b <= beta ? a : 0, b = input */
    JG_BINARY_OP_COUNT
};

enum jg_reduce_op { JG_SUM = 0, JG_MAX, JG_MIN, JG_ARGMAX, JG_ARGMIN, JG_REDUCE_OP_COUNT };

/* ---- errors and runtime ---------------------------------------------------------------- */
const char* jg_last_error(void);
const char* jg_version(void);
/* The instruction set the elementwise kernels use on this CPU: "avx512", "avx2" or "default". */
const char* jg_cpu_isa(void);
int jg_set_num_threads(int n);
int jg_get_num_threads(void);

/* ---- CPU memory: a caching allocator of 64-byte aligned blocks ---------------------------- */
/* Returns the address, or 0 with jg_last_error() set. */
int64_t jg_cpu_alloc(int64_t nbytes);
void jg_cpu_free(int64_t address, int64_t nbytes);
int64_t jg_cpu_cached_bytes(void);
int64_t jg_cpu_allocated_bytes(void);
void jg_cpu_empty_cache(void);
int jg_cpu_set_cache_limit(int64_t nbytes);

/* ---- creation ------------------------------------------------------------------------- */
int jg_fill(int dtype, int64_t n, int64_t out, double value);
/* out[i] = start + i * step */
int jg_arange(int dtype, int64_t n, int64_t out, double start, double step);
/* n points from start to end inclusive, symmetric from both ends like PyTorch's linspace. */
int jg_linspace(int dtype, int64_t n, int64_t out, double start, double end);
/* Counter-based random numbers (Philox4x32-10): element i uses counter (offset + i / 4).
 * kind 0: uniform in [lo, hi); kind 1: normal with mean lo and std hi (Box-Muller). */
int jg_random(int kind, int dtype, int64_t n, int64_t out, int64_t seed, int64_t offset, double lo, double hi);

/* ---- elementwise ---------------------------------------------------------------------- */
/* geom: shape, out strides, in strides. Converts between dtypes. */
int jg_copy(int out_dtype, int in_dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t in);
/* geom: shape, out strides, x strides */
int jg_unary(int op, int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t x,
             double alpha, double beta);
/* geom: shape, out strides, a strides, b strides; a and b share dtype */
int jg_binary(int op, int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t a, int64_t b,
              double alpha, double beta);
/* out = cond ? a : b; cond is JG_BOOL. geom: shape, out, cond, a, b strides */
int jg_where(int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t cond, int64_t a, int64_t b);

/* ---- reductions over a contiguous [outer, r, inner] input into [outer, inner] ------------- */
/* SUM keeps the dtype (BOOL sums to INT64); ARGMAX/ARGMIN write INT64. NaN propagates in MAX/MIN
 * and wins ARGMAX/ARGMIN, as in PyTorch. r must be > 0 except for SUM. */
int jg_reduce(int op, int dtype, int64_t outer, int64_t r, int64_t inner, int64_t out, int64_t x);

/* ---- softmax over the last dim of a contiguous [rows, cols] input ------------------------ */
int jg_softmax(int log, int dtype, int64_t rows, int64_t cols, int64_t out, int64_t x);
/* dx from the forward output y and the incoming gradient dy (all contiguous [rows, cols]) */
int jg_softmax_backward(int log, int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t y, int64_t dy);

/* ---- class losses over the rows of a [rows, cols] input, each one pass forward and one back ---
 * Row i's class is target[i * target_stride] (JG_INT64). With use_ignore != 0, a row whose target
 * equals ignore_index has loss 0 and gradient 0 (PyTorch's ignore_index). Any other target outside
 * 0..cols-1 is an error, found before anything is written. g is the gradient of the row losses,
 * g[i * g_stride] (a stride of 0 broadcasts one value). rows >= 0, cols >= 1. */
/* Cross-entropy of contiguous logits x: loss[i] = logsumexp(x[i, :]) - x[i, target_i], computed
 * in double and rounded once; lse[i] (float64) keeps logsumexp(x[i, :]) for the backward. */
int jg_cross_entropy(int dtype, int64_t rows, int64_t cols, int64_t loss, int64_t lse, int64_t x, int64_t target,
                     int64_t target_stride, int use_ignore, int64_t ignore_index);
/* dx (contiguous) [i, j] = g_i * (exp(x[i, j] - lse[i]) - (j == target_i)) */
int jg_cross_entropy_backward(int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t x, int64_t lse, int64_t target,
                              int64_t target_stride, int use_ignore, int64_t ignore_index, int64_t g, int64_t g_stride);
/* Negative log-likelihood of log-probabilities x (element strides given):
 * loss[i] = -x[i * x_row_stride + target_i * x_col_stride] */
int jg_nll_loss(int dtype, int64_t rows, int64_t cols, int64_t loss, int64_t x, int64_t x_row_stride, int64_t x_col_stride,
                int64_t target, int64_t target_stride, int use_ignore, int64_t ignore_index);
/* dx (contiguous) is 0 except dx[i, target_i] = -g_i */
int jg_nll_loss_backward(int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t target, int64_t target_stride, int use_ignore,
                         int64_t ignore_index, int64_t g, int64_t g_stride);

/* ---- indexing ------------------------------------------------------------------------- */
/* out (contiguous, index's shape) [p] = x[p with p[dim] replaced by index[p]].
 * geom: index shape, x strides, index strides. index is JG_INT64; values are checked against
 * dim_size (negative values count from the end) before anything is read. */
int jg_gather(int dtype, int ndim, const int64_t* geom, int dim, int64_t dim_size, int64_t out, int64_t x,
              int64_t index);
/* out[p with p[dim] = index[p]] += src[p]; out is contiguous, geom: index shape, out strides,
 * src strides, index strides. Indices checked first. */
int jg_scatter_add(int dtype, int ndim, const int64_t* geom, int dim, int64_t dim_size, int64_t out, int64_t src,
                   int64_t index);

/* ---- CUDA ------------------------------------------------------------------------------
 * Device memory addresses travel as int64_t like host ones; every call names its device. Work is
 * queued on the device's default stream; only copies to the host and jg_cuda_synchronize wait for
 * it. In a library built without CUDA every function below returns JG_ERR_UNSUPPORTED ("not
 * compiled with CUDA"), except jg_cuda_compiled, jg_cuda_device_count and jg_cuda_launch_blocking,
 * which answer 0. */
int jg_cuda_compiled(void);
/* 1 in the host emulation of CUDA (-DJGRAD_CUDA=EMULATE, a build for testing without a GPU): the
 * kernels run on CPU fibers, device memory is host memory, and matrix products use
 * jg_cuda_emulated_gemm instead of cuBLAS. 0 in real and CPU-only builds. */
int jg_cuda_emulated(void);
/* Emulation only: c[i] (contiguous m x n, row-major) = a[i] . b[i] for i < count, where element
 * (r, c) of a[i] is at a + i*a_bs + r*a_rs + c*a_cs elements, and likewise for b. */
int jg_cuda_emulated_gemm(int device, int dtype, int64_t count, int64_t m, int64_t n, int64_t k, int64_t a, int64_t a_rs,
                          int64_t a_cs, int64_t a_bs, int64_t b, int64_t b_rs, int64_t b_cs, int64_t b_bs, int64_t c);
/* Devices usable by this process; 0 without a driver or device. Never fails. */
int jg_cuda_device_count(void);
/* The device's name, or an empty string with jg_last_error() set. */
const char* jg_cuda_device_name(int device);
/* free_total[0] = free bytes, free_total[1] = total bytes */
int jg_cuda_mem_info(int device, int64_t* free_total);
/* Caching allocator: returns the address, or 0 with jg_last_error() set (out of memory: after
 * freeing the cache and retrying once). */
int64_t jg_cuda_alloc(int device, int64_t nbytes);
int jg_cuda_free(int device, int64_t address, int64_t nbytes);
/* stats[0] allocated, [1] reserved (allocated + cached), [2] peak allocated, [3] cached */
int jg_cuda_memory_stats(int device, int64_t* stats);
int jg_cuda_empty_cache(int device);
int jg_cuda_copy_to_device(int device, int64_t dst, int64_t host_src, int64_t nbytes);
int jg_cuda_copy_to_host(int device, int64_t host_dst, int64_t src, int64_t nbytes);
/* Device to device, also between two devices (peer copy, staged by the driver where needed). */
int jg_cuda_copy_peer(int dst_device, int64_t dst, int src_device, int64_t src, int64_t nbytes);
/* Waits for the device. Like jg_cuda_copy_to_host, it also reports what kernels queued since the
 * last such call found wrong in their inputs (an index or class target out of range): they skip
 * those elements and the first finding becomes this call's JG_ERR_ARGUMENT. */
int jg_cuda_synchronize(int device);
/* With launch blocking on, every kernel launch waits for the kernel and reports its findings at
 * once (for debugging; also on when the environment has JGRAD_CUDA_LAUNCH_BLOCKING=1). The CPU-only
 * build answers JG_ERR_UNSUPPORTED to the setter and 0 to the query. */
int jg_cuda_set_launch_blocking(int on);
int jg_cuda_launch_blocking(void);
/* Makes the device current on the calling thread (before calling a vendor library on it). */
int jg_cuda_set_device(int device);
/* The elementwise families, with the same arguments and geom layout as their CPU versions. */
int jg_cuda_fill(int device, int dtype, int64_t n, int64_t out, double value);
int jg_cuda_copy(int device, int out_dtype, int in_dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t in);
int jg_cuda_unary(int device, int op, int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t x,
                  double alpha, double beta);
int jg_cuda_binary(int device, int op, int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t a,
                   int64_t b, double alpha, double beta);
int jg_cuda_where(int device, int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t cond, int64_t a,
                  int64_t b);
/* Creation kernels with the same contracts, and the same bits, as jg_random, jg_arange and jg_linspace. */
int jg_cuda_random(int device, int kind, int dtype, int64_t n, int64_t out, int64_t seed, int64_t offset, double lo, double hi);
int jg_cuda_arange(int device, int dtype, int64_t n, int64_t out, double start, double step);
int jg_cuda_linspace(int device, int dtype, int64_t n, int64_t out, double start, double end);
/* Reductions, softmax and indexing with the same contracts as their CPU versions, except that a
 * bad index is reported by the next synchronising call (see jg_cuda_synchronize). */
int jg_cuda_reduce(int device, int op, int dtype, int64_t outer, int64_t r, int64_t inner, int64_t out, int64_t x);
int jg_cuda_softmax(int device, int log, int dtype, int64_t rows, int64_t cols, int64_t out, int64_t x);
int jg_cuda_softmax_backward(int device, int log, int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t y, int64_t dy);
/* The class losses with the same arguments; a bad target is skipped (its loss is NaN) and
 * reported by the next synchronising call, like a bad gather index. */
int jg_cuda_cross_entropy(int device, int dtype, int64_t rows, int64_t cols, int64_t loss, int64_t lse, int64_t x, int64_t target,
                          int64_t target_stride, int use_ignore, int64_t ignore_index);
int jg_cuda_cross_entropy_backward(int device, int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t x, int64_t lse,
                                   int64_t target, int64_t target_stride, int use_ignore, int64_t ignore_index, int64_t g,
                                   int64_t g_stride);
int jg_cuda_nll_loss(int device, int dtype, int64_t rows, int64_t cols, int64_t loss, int64_t x, int64_t x_row_stride,
                     int64_t x_col_stride, int64_t target, int64_t target_stride, int use_ignore, int64_t ignore_index);
int jg_cuda_nll_loss_backward(int device, int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t target, int64_t target_stride,
                              int use_ignore, int64_t ignore_index, int64_t g, int64_t g_stride);
int jg_cuda_gather(int device, int dtype, int ndim, const int64_t* geom, int dim, int64_t dim_size, int64_t out, int64_t x,
                   int64_t index);
int jg_cuda_scatter_add(int device, int dtype, int ndim, const int64_t* geom, int dim, int64_t dim_size, int64_t out,
                        int64_t src, int64_t index);
/* Checks that the n elements of x (contiguous float32/float64) are probabilities in [0, 1], without
 * waiting: a value outside (or NaN) is reported by the next synchronising call as
 * binaryCrossEntropy's error. Reads only. */
int jg_cuda_check_probabilities(int device, int dtype, int64_t n, int64_t x);

#ifdef __cplusplus
}
#endif

#endif /* JGRAD_JGRAD_H */
