// Creation kernels that need no vector code: arange and linspace.
#include "common.h"

using namespace jg;

static int bad_dtype(const char* op, int dtype, const char* valid) {
    return fail(JG_ERR_ARGUMENT, std::string(op) + ": dtype " + dtype_name(dtype) + " is not supported; expected " + valid);
}

template <class T> static void linspace_as(int64_t n, int64_t out, double start, double end) {
    // Same scheme as PyTorch: the first half counts up from start, the second half down from end,
    // in the output's own precision.
    T* o = reinterpret_cast<T*>(out);
    if (n == 1) { o[0] = static_cast<T>(start); return; }
    const T s = static_cast<T>(start), e = static_cast<T>(end);
    const T step = (e - s) / static_cast<T>(n - 1);
    const int64_t half = n / 2;
    for (int64_t i = 0; i < n; ++i) o[i] = i < half ? s + step * static_cast<T>(i) : e - step * static_cast<T>(n - 1 - i);
}

extern "C" {

int jg_arange(int dtype, int64_t n, int64_t out, double start, double step) {
    if (n < 0) return fail(JG_ERR_ARGUMENT, "arange: negative element count");
    return guarded("arange", [&]() -> int {
        switch (dtype) {
            case JG_FLOAT32: { float* o = reinterpret_cast<float*>(out); for (int64_t i = 0; i < n; ++i) o[i] = static_cast<float>(start + i * step); return JG_OK; }
            case JG_FLOAT64: { double* o = reinterpret_cast<double*>(out); for (int64_t i = 0; i < n; ++i) o[i] = start + i * step; return JG_OK; }
            case JG_INT64: { int64_t* o = reinterpret_cast<int64_t*>(out); for (int64_t i = 0; i < n; ++i) o[i] = static_cast<int64_t>(start + i * step); return JG_OK; }
            default: return bad_dtype("arange", dtype, "float32, float64 or int64");
        }
    });
}

int jg_linspace(int dtype, int64_t n, int64_t out, double start, double end) {
    if (n < 0) return fail(JG_ERR_ARGUMENT, "linspace: negative number of steps");
    if (n == 0) return JG_OK;
    return guarded("linspace", [&]() -> int {
        switch (dtype) {
            case JG_FLOAT32: linspace_as<float>(n, out, start, end); return JG_OK;
            case JG_FLOAT64: linspace_as<double>(n, out, start, end); return JG_OK;
            default: return bad_dtype("linspace", dtype, "float32 or float64");
        }
    });
}

}
