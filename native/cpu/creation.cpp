// Creation kernels that need no vector code: arange and linspace (element formulas in ops/sequence.h).
#include "parallel.h"
#include "ops/sequence.h"

namespace jg {
namespace cpu {
namespace {

int bad_dtype(const char* op, int dtype, const char* valid) {
    return fail(JG_ERR_ARGUMENT, std::string(op) + ": dtype " + dtype_name(dtype) + " is not supported; expected " + valid);
}

template <class T> int sequence(int64_t n, int64_t out, const std::function<T(int64_t)>& value) {
    T* o = reinterpret_cast<T*>(out);
    parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) o[i] = value(i);
    });
    return JG_OK;
}

}  // namespace

int arange(int dtype, int64_t n, int64_t out, double start, double step) {
    if (n < 0) return fail(JG_ERR_ARGUMENT, "arange: negative element count");
    return guarded("arange", [&]() -> int {
        switch (dtype) {
            case JG_FLOAT32: return sequence<float>(n, out, [&](int64_t i) { return ops::arange_value<float>(i, start, step); });
            case JG_FLOAT64: return sequence<double>(n, out, [&](int64_t i) { return ops::arange_value<double>(i, start, step); });
            case JG_INT64: return sequence<int64_t>(n, out, [&](int64_t i) { return ops::arange_value<int64_t>(i, start, step); });
            default: return bad_dtype("arange", dtype, "float32, float64 or int64");
        }
    });
}

int linspace(int dtype, int64_t n, int64_t out, double start, double end) {
    if (n < 0) return fail(JG_ERR_ARGUMENT, "linspace: negative number of steps");
    if (n == 0) return JG_OK;
    return guarded("linspace", [&]() -> int {
        switch (dtype) {
            case JG_FLOAT32: return sequence<float>(n, out, [&](int64_t i) { return ops::linspace_value<float>(i, n, start, end); });
            case JG_FLOAT64: return sequence<double>(n, out, [&](int64_t i) { return ops::linspace_value<double>(i, n, start, end); });
            default: return bad_dtype("linspace", dtype, "float32 or float64");
        }
    });
}

}  // namespace cpu
}  // namespace jg
