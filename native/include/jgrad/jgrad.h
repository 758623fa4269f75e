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
 *  - Every op family takes the device it runs on as its first argument: JG_CPU (-1), or the index
 *    of a CUDA device (0, 1, ...). The library routes the call to that backend; addresses must be
 *    memory of that device. In a library built without CUDA a CUDA device gets JG_ERR_UNSUPPORTED
 *    ("not compiled with CUDA"). Only what exists on CUDA alone is named jg_cuda_*.
 */
#ifndef JGRAD_JGRAD_H
#define JGRAD_JGRAD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum jg_device { JG_CPU = -1 };

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
    JG_GELU,     /* alpha 0: x * Phi(x) (erf); alpha 1: PyTorch's tanh approximation */
    JG_SILU,     /* x * sigmoid(x) */
    JG_SOFTPLUS, /* log1p(exp(alpha x)) / alpha, or x where alpha x > beta (the threshold) */
    JG_ERF, JG_LOG1P, JG_EXPM1,
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
    JG_GELU_BACKWARD,    /* b = input, alpha as JG_GELU's */
    JG_SILU_BACKWARD,    /* b = input */
    JG_SOFTPLUS_BACKWARD, /* b = input, alpha and beta as JG_SOFTPLUS's */
    JG_MAXIMUM, JG_MINIMUM, /* NaN-propagating (torch.maximum, torch.minimum) */
    JG_BINARY_OP_COUNT
};

/* Optimizer update rules (jg_update). */
enum jg_update_rule { JG_UPDATE_SGD = 0, JG_UPDATE_ADAM, JG_UPDATE_RMSPROP, JG_UPDATE_ADAGRAD, JG_UPDATE_RULE_COUNT };

enum jg_reduce_op { JG_SUM = 0, JG_MAX, JG_MIN, JG_ARGMAX, JG_ARGMIN, JG_REDUCE_OP_COUNT };

/* ---- errors and runtime ---------------------------------------------------------------- */
const char* jg_last_error(void);
const char* jg_version(void);
/* The instruction set the CPU's elementwise kernels use on this machine: "avx512", "avx2" or "default" on
   x86-64, "asimd" or "default" on AArch64. */
const char* jg_cpu_isa(void);
/* The CPU thread pool. */
int jg_set_num_threads(int n);
int jg_get_num_threads(void);

/* Which dtypes an op supports, from the tables the kernels are built from (the same on every
 * backend): 1 if op of family is defined for dtype, else 0 (also for an unknown family or op). */
enum jg_family { JG_FAMILY_UNARY = 0, JG_FAMILY_BINARY = 1 };
int jg_op_supports(int family, int op, int dtype);

/* ---- memory: a caching allocator per device --------------------------------------------------
 * Blocks are 64-byte aligned on the CPU; freed blocks are kept per size class and handed out again.
 * jg_alloc returns the address, or 0 with jg_last_error() set (out of memory: after freeing the
 * cache and retrying once). nbytes in jg_free is the size that was asked for. */
int64_t jg_alloc(int device, int64_t nbytes);
int jg_free(int device, int64_t address, int64_t nbytes);
/* stats[0] allocated, [1] reserved (allocated + cached), [2] peak allocated, [3] cached; bytes of
 * size classes. */
int jg_memory_stats(int device, int64_t* stats);
/* Returns every cached block to the system (CPU) or the driver (CUDA). */
int jg_empty_cache(int device);
/* The most bytes the CPU cache keeps (2 GiB unless set); setting it empties the cache. */
int jg_cpu_set_cache_limit(int64_t nbytes);
/* A cap on the bytes of CPU blocks in use by tensors (0, the default: none). An allocation past it
 * empties the cache and fails as out of memory; the cache is emptied too before fresh memory
 * would take what the process holds past it. */
int jg_cpu_set_memory_limit(int64_t nbytes);
int64_t jg_cpu_memory_limit(void);
/* Matrix products on the CPU call the BLAS library the JVM has loaded (OpenBLAS's JavaCPP preset),
 * found by its path: cblas_sgemm and cblas_dgemm are looked up in it. jgrad splits each product
 * over its own pool; OpenBLAS's own thread count (openblas_set_num_threads, if the library has it)
 * is one while jgrad's products run and is put back after. Until a library is set, or after
 * jg_cpu_use_blas(NULL), products run on jgrad's own blocked kernel (for machines where no BLAS
 * loads). */
int jg_cpu_use_blas(const char* library);
/* The BLAS library the CPU products call (the path given to jg_cpu_use_blas), or "builtin". */
const char* jg_cpu_blas(void);
/* The kernels that library runs on this CPU as OpenBLAS names them (openblas_get_corename:
 * "Haswell", "SkylakeX", ...), or "" for the built-in kernel or a library that does not say. */
const char* jg_cpu_blas_core(void);
/* Products of at most macs multiply-adds (m·n·k) run on the built-in kernel even while a BLAS
 * library is set; larger ones call the library (0, the default: every product calls it). Negative
 * is refused. */
int jg_cpu_set_builtin_below(int64_t macs);
int64_t jg_cpu_builtin_below(void);
/* C (row-major, ldc) = op(A) op(B) with op(X) = X or its transpose (trans_* != 0), A and B row-major
 * with leading dims lda and ldb, as cblas_?gemm(CblasRowMajor, ...) with alpha 1 and beta 0; split
 * into blocks of C over the pool threads. float32 or float64. */
int jg_cpu_gemm(int dtype, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, int64_t a, int64_t lda, int64_t b, int64_t ldb,
                int64_t c, int64_t ldc);
/* nbytes from src on src_device to dst on dst_device: host memory, device memory, or between two
 * devices (peer copy, staged by the driver where needed). A copy to the host waits for the source
 * device and, like jg_cuda_synchronize, reports what its kernels found wrong. */
int jg_copy_bytes(int dst_device, int64_t dst, int src_device, int64_t src, int64_t nbytes);

/* ---- creation ------------------------------------------------------------------------- */
int jg_fill(int device, int dtype, int64_t n, int64_t out, double value);
/* out[i] = start + i * step */
int jg_arange(int device, int dtype, int64_t n, int64_t out, double start, double step);
/* n points from start to end inclusive, symmetric from both ends like PyTorch's linspace. */
int jg_linspace(int device, int dtype, int64_t n, int64_t out, double start, double end);
/* Counter-based random numbers (Philox4x32-10): element i uses counter (offset + i / 4); the same
 * bits on every device. kind 0: uniform in [lo, hi); kind 1: normal with mean lo and std hi
 * (Box-Muller). */
int jg_random(int device, int kind, int dtype, int64_t n, int64_t out, int64_t seed, int64_t offset, double lo, double hi);

/* ---- elementwise ---------------------------------------------------------------------- */
/* geom: shape, out strides, in strides. Converts between dtypes. */
int jg_copy(int device, int out_dtype, int in_dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t in);
/* geom: shape, out strides, x strides */
int jg_unary(int device, int op, int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t x, double alpha,
             double beta);
/* geom: shape, out strides, a strides, b strides; a and b share dtype */
int jg_binary(int device, int op, int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t a, int64_t b,
              double alpha, double beta);
/* out = cond ? a : b; cond is JG_BOOL. geom: shape, out, cond, a, b strides */
int jg_where(int device, int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t cond, int64_t a, int64_t b);

/* ---- reductions over a contiguous [outer, r, inner] input into [outer, inner] ------------- */
/* SUM keeps the dtype (BOOL sums to INT64); ARGMAX/ARGMIN write INT64. NaN propagates in MAX/MIN
 * and wins ARGMAX/ARGMIN, as in PyTorch. r must be > 0 except for SUM. */
int jg_reduce(int device, int op, int dtype, int64_t outer, int64_t r, int64_t inner, int64_t out, int64_t x);

/* ---- softmax over the last dim of a contiguous [rows, cols] input ------------------------ */
int jg_softmax(int device, int log, int dtype, int64_t rows, int64_t cols, int64_t out, int64_t x);
/* dx from the forward output y and the incoming gradient dy (all contiguous [rows, cols]) */
int jg_softmax_backward(int device, int log, int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t y, int64_t dy);

/* ---- layer normalisation of a contiguous [rows, cols] input (w, b: [cols] or 0) ----------- */
/* y [rows, cols]; mean and rstd [rows], the saved statistics (see native/ops/layer_norm.h). */
int jg_layer_norm(int device, int dtype, int64_t rows, int64_t cols, double eps, int64_t y, int64_t mean, int64_t rstd, int64_t x,
                  int64_t w, int64_t b);
/* dx from dy, x, the saved statistics and w (or 0); dw and db are column sums left to the caller. */
int jg_layer_norm_backward(int device, int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t dy, int64_t x, int64_t mean,
                           int64_t rstd, int64_t w);

/* ---- class losses over the rows of a [rows, cols] input, each one pass forward and one back ---
 * Row i's class is target[i * target_stride] (JG_INT64). With use_ignore != 0, a row whose target
 * equals ignore_index has loss 0 and gradient 0 (PyTorch's ignore_index). Any other target outside
 * 0..cols-1 is an error: on the CPU found before anything is written; on CUDA the row is skipped
 * (its loss is NaN) and the next synchronising call reports it (see jg_cuda_synchronize). g is the
 * gradient of the row losses, g[i * g_stride] (a stride of 0 broadcasts one value). rows >= 0,
 * cols >= 1. */
/* Cross-entropy of contiguous logits x: loss[i] = logsumexp(x[i, :]) - x[i, target_i], computed
 * in double and rounded once; lse[i] (float64) keeps logsumexp(x[i, :]) for the backward. */
int jg_cross_entropy(int device, int dtype, int64_t rows, int64_t cols, int64_t loss, int64_t lse, int64_t x, int64_t target,
                     int64_t target_stride, int use_ignore, int64_t ignore_index);
/* dx (contiguous) [i, j] = g_i * (exp(x[i, j] - lse[i]) - (j == target_i)) */
int jg_cross_entropy_backward(int device, int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t x, int64_t lse, int64_t target,
                              int64_t target_stride, int use_ignore, int64_t ignore_index, int64_t g, int64_t g_stride);
/* Negative log-likelihood of log-probabilities x (element strides given):
 * loss[i] = -x[i * x_row_stride + target_i * x_col_stride] */
int jg_nll_loss(int device, int dtype, int64_t rows, int64_t cols, int64_t loss, int64_t x, int64_t x_row_stride,
                int64_t x_col_stride, int64_t target, int64_t target_stride, int use_ignore, int64_t ignore_index);
/* dx (contiguous) is 0 except dx[i, target_i] = -g_i */
int jg_nll_loss_backward(int device, int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t target, int64_t target_stride,
                         int use_ignore, int64_t ignore_index, int64_t g, int64_t g_stride);
/* Checks that the n elements of x (contiguous float32/float64) are probabilities in [0, 1] (the
 * input of binaryCrossEntropy); reads only. On the CPU a value outside (or NaN) is this call's
 * JG_ERR_ARGUMENT; on CUDA it does not wait, and the next synchronising call reports it. */
int jg_check_probabilities(int device, int dtype, int64_t n, int64_t x);

/* ---- indexing ------------------------------------------------------------------------- */
/* out (contiguous, index's shape) [p] = x[p with p[dim] replaced by index[p]].
 * geom: index shape, x strides, index strides. index is JG_INT64; negative values count from the
 * end. A value outside -dim_size..dim_size-1 is an error: on the CPU found before anything is
 * read; on CUDA the element reads 0 and the next synchronising call reports it. */
int jg_gather(int device, int dtype, int ndim, const int64_t* geom, int dim, int64_t dim_size, int64_t out, int64_t x,
              int64_t index);
/* out[p with p[dim] = index[p]] += src[p]; out is contiguous, geom: index shape, out strides,
 * src strides, index strides. Indices are checked as for jg_gather (a bad one adds nothing). */
int jg_scatter_add(int device, int dtype, int ndim, const int64_t* geom, int dim, int64_t dim_size, int64_t out, int64_t src,
                   int64_t index);

/* Whole rows along one dim: x is viewed as [outer, dim_size, inner] with element strides x_outer
 * (between outer slices) and x_dim (between positions along the dim) and its inner elements
 * contiguous; out (contiguous [outer, k, inner]) [o, i, :] = x[o, index[i * index_stride], :].
 * dim only names the dim in messages. Indices are checked as for jg_gather (a bad one reads 0). */
int jg_index_select(int device, int dtype, int dim, int64_t outer, int64_t dim_size, int64_t inner, int64_t k, int64_t out, int64_t x,
                    int64_t x_outer, int64_t x_dim, int64_t index, int64_t index_stride);
/* The reverse: out (contiguous [outer, dim_size, inner]) [o, index[i], :] += src (contiguous
 * [outer, k, inner]) [o, i, :]; rows with the same index add up (on the CPU in the order of i).
 * Indices are checked as for jg_gather (a bad one adds nothing). */
int jg_index_add(int device, int dtype, int dim, int64_t outer, int64_t dim_size, int64_t inner, int64_t k, int64_t out, int64_t src,
                 int64_t index, int64_t index_stride);

/* ---- convolution lowering, pooling, batch normalisation ---------------------------------
 * geom: 14 values n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow (native/ops/conv.h): n images
 * of c channels of h x w (contiguous NCHW), a kh x kw window with stride, zero padding and
 * dilation, an oh x ow output. float32 and float64. */
/* col (contiguous [c*kh*kw, n, oh*ow]) = the input under each tap of each output, 0 in the padding */
int jg_im2col(int device, int dtype, const int64_t* geom, int64_t col, int64_t x);
/* x (contiguous [n, c, h, w], overwritten) = the adjoint of im2col: each element sums, in tap
 * order, the column entries that read it (the same bits on every device) */
int jg_col2im(int device, int dtype, const int64_t* geom, int64_t x, int64_t col);
/* Pooling of the n*c planes of x into out ([n, c, oh, ow]). kind: 0 max (indices, int64 like
 * out, get each winner's flat index in its plane; a NaN wins), 1 average counting the padding,
 * 2 average over the elements inside, 3 adaptive average (window y spans rows h*y/oh to
 * ceil(h*(y+1)/oh); the window, stride and padding values are unused). Averages ignore dilation;
 * indices may be 0 for them. */
int jg_pool2d(int device, int kind, int dtype, const int64_t* geom, int64_t out, int64_t indices, int64_t x);
/* dx ([n, c, h, w], overwritten) from dy ([n, c, oh, ow]) and, for max, its indices: each element
 * gathers its share of the windows holding it */
int jg_pool2d_backward(int device, int kind, int dtype, const int64_t* geom, int64_t dx, int64_t dy, int64_t indices);
/* Batch normalisation of contiguous x [n, c, s] per channel: y = (x - mean) * invstd * w + b.
 * training != 0: mean, invstd (1 / sqrt(var + eps)) and var (the biased variance; may be 0) [c]
 * are computed from x and written; else mean and invstd are read. w and b [c] may be 0. */
int jg_batch_norm(int device, int dtype, int64_t n, int64_t c, int64_t s, double eps, int training, int64_t y, int64_t mean, int64_t var,
                  int64_t invstd, int64_t x, int64_t w, int64_t b);
/* dx (may be 0), dw = sum(dy * (x - mean)) * invstd and db = sum(dy) ([c], each may be 0) from dy
 * and the forward's statistics; training says whether mean and invstd depended on x. */
int jg_batch_norm_backward(int device, int dtype, int64_t n, int64_t c, int64_t s, int training, int64_t dx, int64_t dw, int64_t db,
                           int64_t dy, int64_t x, int64_t mean, int64_t invstd, int64_t w);

/* ---- optimizers ------------------------------------------------------------------------ */
/* One step of an update rule over n contiguous float32/float64 elements, in place: param and the
 * rule's state buffers state[0..nstate) (up to three; 0 for one the rule, as configured, does not
 * keep) from grad. hyper[0..nhyper) are the rule's hyperparameters, in the order
 * native/ops/optim.h gives:
 *   JG_UPDATE_SGD      lr, momentum, dampening, weight_decay, nesterov, maximize, first
 *   JG_UPDATE_ADAM     lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, decoupled, step
 *   JG_UPDATE_RMSPROP  lr, alpha, eps, weight_decay, momentum, centered, maximize
 *   JG_UPDATE_ADAGRAD  lr, lr_decay, weight_decay, eps, maximize, step
 * The same bits on every device. */
int jg_update(int device, int rule, int dtype, int64_t n, int64_t param, int64_t grad, const int64_t* state, int nstate,
              const double* hyper, int nhyper);

/* ---- CUDA only -----------------------------------------------------------------------------
 * Work is queued on each device's default stream; only copies to the host and
 * jg_cuda_synchronize wait for it. In a library built without CUDA these answer
 * JG_ERR_UNSUPPORTED, except jg_cuda_compiled, jg_cuda_emulated, jg_cuda_device_count and
 * jg_cuda_launch_blocking, which answer 0, and jg_cuda_deterministic, which answers 1. */
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
/* Why jg_cuda_device_count is 0 when the runtime said so ("" when it found devices, or none
 * without an error): the CUDA error with the driver's and the runtime's CUDA versions. */
const char* jg_cuda_init_error(void);
/* The device's name, or an empty string with jg_last_error() set. */
const char* jg_cuda_device_name(int device);
/* free_total[0] = free bytes, free_total[1] = total bytes */
int jg_cuda_mem_info(int device, int64_t* free_total);
/* Waits for the device. Like a copy to the host, it also reports what kernels queued since the
 * last such call found wrong in their inputs (an index, class target or probability out of
 * range): they skip those elements and the first finding becomes this call's JG_ERR_ARGUMENT. */
int jg_cuda_synchronize(int device);
/* With launch blocking on, every kernel launch waits for the kernel and reports its findings at
 * once (for debugging; also on when the environment has JGRAD_CUDA_LAUNCH_BLOCKING=1). */
int jg_cuda_set_launch_blocking(int on);
int jg_cuda_launch_blocking(void);
/* Deterministic (the default): scatter-add (gather's backward) sums each destination's
 * contributions in index order, one thread per destination, giving the CPU's bits every run.
 * Off: float atomics, faster where many indices repeat, bits free to vary run to run (like
 * torch.use_deterministic_algorithms(False)). */
int jg_cuda_set_deterministic(int on);
int jg_cuda_deterministic(void);
/* Makes the device current on the calling thread (before calling a vendor library on it). */
int jg_cuda_set_device(int device);

#ifdef __cplusplus
}
#endif

#endif /* JGRAD_JGRAD_H */
