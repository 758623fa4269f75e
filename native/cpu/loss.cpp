// Fused class losses over the rows of a [rows, cols] input: cross-entropy (logsumexp and the
// target's score in one pass per row) and negative log-likelihood, with their backward. Targets
// are checked before anything is written.
#include <cmath>
#include <limits>
#include <type_traits>

#include <cstdio>

#include "parallel.h"
#include "ops/loss.h"
#include "ops/softmax.h"

namespace jg {
namespace cpu {
namespace {

// JG_OK, or the error naming the first target outside 0..cols-1 that is not ignored.
int check_targets(const char* op, int64_t rows, int64_t cols, const int64_t* target, int64_t ts, int use_ignore, int64_t ignore_index) {
    for (int64_t i = 0; i < rows; ++i) {
        const int64_t t = target[i * ts];
        if (!ops::ignored_target(t, use_ignore, ignore_index) && !ops::valid_target(t, cols)) {
            return fail(JG_ERR_ARGUMENT, std::string(op) + ": target " + std::to_string(t) + " (row " + std::to_string(i) +
                                             ") is out of range for " + std::to_string(cols) + " classes; targets must be in 0.." +
                                             std::to_string(cols - 1) + (use_ignore ? " or the ignore index " + std::to_string(ignore_index) : ""));
        }
    }
    return JG_OK;
}

int64_t row_grain(int64_t cols) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1)); }

template <class T>
void cross_entropy_rows(int64_t rows, int64_t cols, T* loss, double* lse, const T* x, const int64_t* target, int64_t ts, int use_ignore,
                        int64_t ignore_index) {
    parallel_for(rows, row_grain(cols), [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
            const int64_t t = target[i * ts];
            if (ops::ignored_target(t, use_ignore, ignore_index)) {
                loss[i] = T(0);
                lse[i] = 0;
                continue;
            }
            const T* xr = x + i * cols;
            double m = -std::numeric_limits<double>::infinity();
            for (int64_t j = 0; j < cols; ++j) m = ops::softmax_max(m, static_cast<double>(xr[j]));
            m = ops::softmax_shift(m);  // a row of -inf: the loss is NaN, as in PyTorch
            double s = 0;
            for (int64_t j = 0; j < cols; ++j) s += std::exp(static_cast<double>(xr[j]) - m);
            lse[i] = m + std::log(s);
            loss[i] = ops::cross_entropy_loss(lse[i], xr[t]);
        }
    });
}

template <class T>
void cross_entropy_backward_rows(int64_t rows, int64_t cols, T* dx, const T* x, const double* lse, const int64_t* target, int64_t ts,
                                 int use_ignore, int64_t ignore_index, const T* g, int64_t gs) {
    parallel_for(rows, row_grain(cols), [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
            const int64_t t = target[i * ts];
            T* dr = dx + i * cols;
            if (ops::ignored_target(t, use_ignore, ignore_index)) {
                for (int64_t j = 0; j < cols; ++j) dr[j] = T(0);
                continue;
            }
            const T* xr = x + i * cols;
            const double gi = static_cast<double>(g[i * gs]);
            for (int64_t j = 0; j < cols; ++j) dr[j] = ops::cross_entropy_grad(xr[j], lse[i], gi, j == t);
        }
    });
}

template <class T>
void nll_rows(int64_t rows, T* loss, const T* x, int64_t rs, int64_t cs, const int64_t* target, int64_t ts, int use_ignore,
              int64_t ignore_index) {
    for (int64_t i = 0; i < rows; ++i) {
        const int64_t t = target[i * ts];
        loss[i] = ops::ignored_target(t, use_ignore, ignore_index) ? T(0) : -x[i * rs + t * cs];
    }
}

template <class T>
void nll_backward_rows(int64_t rows, int64_t cols, T* dx, const int64_t* target, int64_t ts, int use_ignore, int64_t ignore_index, const T* g,
                       int64_t gs) {
    std::memset(dx, 0, static_cast<size_t>(rows * cols) * sizeof(T));
    for (int64_t i = 0; i < rows; ++i) {
        const int64_t t = target[i * ts];
        if (!ops::ignored_target(t, use_ignore, ignore_index)) dx[i * cols + t] = -g[i * gs];
    }
}

// The common part of the four entry points: extents and targets checked, then body(tag) run with a
// null float* or double* whose type says the dtype.
template <class F>
int rows_op(const char* op, int dtype, int64_t rows, int64_t cols, int64_t target, int64_t ts, int use_ignore, int64_t ignore_index, F body) {
    if (rows < 0 || cols < 1)
        return fail(JG_ERR_ARGUMENT, std::string(op) + ": rows " + std::to_string(rows) + " and cols " + std::to_string(cols) +
                                         "; rows must be >= 0 and cols >= 1");
    int st = check_targets(op, rows, cols, reinterpret_cast<const int64_t*>(target), ts, use_ignore, ignore_index);
    if (st != JG_OK) return st;
    return guarded(op, [&]() -> int {
        switch (dtype) {
            case JG_FLOAT32: body(static_cast<float*>(nullptr)); return JG_OK;
            case JG_FLOAT64: body(static_cast<double*>(nullptr)); return JG_OK;
            default: return fail(JG_ERR_ARGUMENT, std::string(op) + ": needs float32 or float64 scores, got " + dtype_name(dtype));
        }
    });
}

template <class T> T* as(int64_t address) { return reinterpret_cast<T*>(address); }

}  // namespace

int cross_entropy(int dtype, int64_t rows, int64_t cols, int64_t loss, int64_t lse, int64_t x, int64_t target, int64_t target_stride,
                     int use_ignore, int64_t ignore_index) {
    return rows_op("crossEntropy", dtype, rows, cols, target, target_stride, use_ignore, ignore_index, [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
        cross_entropy_rows(rows, cols, as<T>(loss), as<double>(lse), as<const T>(x), as<const int64_t>(target), target_stride, use_ignore,
                           ignore_index);
    });
}

int cross_entropy_backward(int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t x, int64_t lse, int64_t target, int64_t target_stride,
                              int use_ignore, int64_t ignore_index, int64_t g, int64_t g_stride) {
    return rows_op("crossEntropy backward", dtype, rows, cols, target, target_stride, use_ignore, ignore_index, [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
        cross_entropy_backward_rows(rows, cols, as<T>(dx), as<const T>(x), as<const double>(lse), as<const int64_t>(target), target_stride,
                                    use_ignore, ignore_index, as<const T>(g), g_stride);
    });
}

int nll_loss(int dtype, int64_t rows, int64_t cols, int64_t loss, int64_t x, int64_t x_row_stride, int64_t x_col_stride, int64_t target,
                int64_t target_stride, int use_ignore, int64_t ignore_index) {
    return rows_op("nllLoss", dtype, rows, cols, target, target_stride, use_ignore, ignore_index, [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
        nll_rows(rows, as<T>(loss), as<const T>(x), x_row_stride, x_col_stride, as<const int64_t>(target), target_stride, use_ignore,
                 ignore_index);
    });
}

int nll_loss_backward(int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t target, int64_t target_stride, int use_ignore,
                         int64_t ignore_index, int64_t g, int64_t g_stride) {
    return rows_op("nllLoss backward", dtype, rows, cols, target, target_stride, use_ignore, ignore_index, [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
        nll_backward_rows(rows, cols, as<T>(dx), as<const int64_t>(target), target_stride, use_ignore, ignore_index, as<const T>(g), g_stride);
    });
}

template <class T> int64_t first_non_probability(const T* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
        if (!(x[i] >= T(0) && x[i] <= T(1))) return i;
    return -1;
}

int check_probabilities(int dtype, int64_t n, int64_t x) {
    if (n < 0) return fail(JG_ERR_ARGUMENT, "binaryCrossEntropy: negative element count");
    double bad = 0;
    int64_t at = -1;
    switch (dtype) {
        case JG_FLOAT32: at = first_non_probability(as<const float>(x), n); if (at >= 0) bad = as<const float>(x)[at]; break;
        case JG_FLOAT64: at = first_non_probability(as<const double>(x), n); if (at >= 0) bad = as<const double>(x)[at]; break;
        default: return fail(JG_ERR_ARGUMENT, std::string("binaryCrossEntropy: needs float32 or float64, got ") + dtype_name(dtype));
    }
    if (at < 0) return JG_OK;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", bad);
    return fail(JG_ERR_ARGUMENT, std::string("binaryCrossEntropy: all elements of input must be probabilities in [0, 1], found ") + buf +
                                     "; apply sigmoid() to scores first");
}

}  // namespace cpu
}  // namespace jg
