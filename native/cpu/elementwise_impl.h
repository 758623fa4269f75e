// CPU loops for the elementwise families (copy/cast, unary, binary, where, fill, random), compiled once
// per instruction set (elementwise_*.cpp define JG_ISA_NS) and chosen at run time by dispatch.cpp.
// The scalar math comes from native/ops; this file only walks memory.
// Included only by elementwise_<isa>.cpp.
#include <cmath>
#include <limits>

#include <type_traits>

#include "core/op_dispatch.h"
#include "ops/elementwise.h"
#include "parallel.h"
#include "ops/philox.h"

namespace jg {
namespace cpu {
#if defined(JG_ISA_WIDE)
// The wide variants compile the float32 loops only: float64, int64 and bool operands (gradient
// checks, indices, masks, counts) go to the baseline variant, which keeps the library small; the
// results are the same in every variant.
namespace isa_default {
int copy_impl(int, int, int64_t, int, const int64_t*, int64_t, int64_t);
int unary_impl(int, int, int64_t, int, const int64_t*, int64_t, int64_t, double, double);
int binary_impl(int, int, int64_t, int, const int64_t*, int64_t, int64_t, int64_t, double, double);
int where_impl(int, int64_t, int, const int64_t*, int64_t, int64_t, int64_t, int64_t);
}
#define JG_NARROW_TO_DEFAULT(dtype, call) \
    if ((dtype) != JG_FLOAT32) return isa_default::call
constexpr bool kWide = true;
#else
#define JG_NARROW_TO_DEFAULT(dtype, call)
constexpr bool kWide = false;
#endif
namespace JG_ISA_NS {
// whether this variant holds the loop for element type T (see above)
template <class T> constexpr bool compiled_here() { return !kWide || std::is_same<T, float>::value; }

namespace {

template <class T> inline T& at(char* p) { return *reinterpret_cast<T*>(p); }

// out = f(x) over contiguous or strided operands
template <class TO, class TI, class F>
void map1(int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t x, const F& f) {
    TO* o = reinterpret_cast<TO*>(out);
    const TI* xi = reinterpret_cast<const TI*>(x);
    if (ndim == 0) {
        parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i) o[i] = f(xi[i]);
        });
        return;
    }
    int64_t shape[JG_MAX_DIMS], strides[2][JG_MAX_DIMS];
    const int64_t sizes[2] = {sizeof(TO), sizeof(TI)};
    read_geom<2>(ndim, geom, sizes, shape, strides);
    char* base[2] = {reinterpret_cast<char*>(out), reinterpret_cast<char*>(x)};
    for_each_strided<2>(n, ndim, shape, strides, base, [&](char* const* p, int64_t count, const int64_t* s) {
        if (s[0] == int64_t(sizeof(TO)) && s[1] == int64_t(sizeof(TI))) {
            TO* po = reinterpret_cast<TO*>(p[0]);
            const TI* px = reinterpret_cast<const TI*>(p[1]);
            for (int64_t i = 0; i < count; ++i) po[i] = f(px[i]);
        } else {
            for (int64_t i = 0; i < count; ++i) at<TO>(p[0] + i * s[0]) = f(at<TI>(p[1] + i * s[1]));
        }
    });
}

template <class TO, class T, class F>
void map2(int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t a, int64_t b, const F& f) {
    TO* o = reinterpret_cast<TO*>(out);
    const T* pa = reinterpret_cast<const T*>(a);
    const T* pb = reinterpret_cast<const T*>(b);
    if (ndim == 0) {
        parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) {
            for (int64_t i = lo; i < hi; ++i) o[i] = f(pa[i], pb[i]);
        });
        return;
    }
    int64_t shape[JG_MAX_DIMS], strides[3][JG_MAX_DIMS];
    const int64_t sizes[3] = {sizeof(TO), sizeof(T), sizeof(T)};
    read_geom<3>(ndim, geom, sizes, shape, strides);
    char* base[3] = {reinterpret_cast<char*>(out), reinterpret_cast<char*>(a), reinterpret_cast<char*>(b)};
    for_each_strided<3>(n, ndim, shape, strides, base, [&](char* const* p, int64_t count, const int64_t* s) {
        const int64_t es = sizeof(T);
        TO* po = reinterpret_cast<TO*>(p[0]);
        const T* x = reinterpret_cast<const T*>(p[1]);
        const T* z = reinterpret_cast<const T*>(p[2]);
        if (s[0] == int64_t(sizeof(TO)) && s[1] == es && s[2] == es) {
            for (int64_t i = 0; i < count; ++i) po[i] = f(x[i], z[i]);
        } else if (s[0] == int64_t(sizeof(TO)) && s[1] == es && s[2] == 0) {
            const T zv = z[0];
            for (int64_t i = 0; i < count; ++i) po[i] = f(x[i], zv);
        } else if (s[0] == int64_t(sizeof(TO)) && s[1] == 0 && s[2] == es) {
            const T xv = x[0];
            for (int64_t i = 0; i < count; ++i) po[i] = f(xv, z[i]);
        } else {
            for (int64_t i = 0; i < count; ++i)
                at<TO>(p[0] + i * s[0]) = f(at<T>(p[1] + i * s[1]), at<T>(p[2] + i * s[2]));
        }
    });
}

int bad_dtype(const char* op, int dtype, const char* valid) {
    return fail(JG_ERR_ARGUMENT, std::string(op) + ": dtype " + dtype_name(dtype) + " is not supported; expected " + valid);
}

bool check_geom(const char* op, int64_t n, int ndim, const int64_t* geom, int* status) {
    if (n < 0) { *status = fail(JG_ERR_ARGUMENT, std::string(op) + ": negative element count"); return false; }
    if (ndim < 0 || ndim > JG_MAX_DIMS || (ndim > 0 && geom == nullptr)) {
        *status = fail(JG_ERR_ARGUMENT, std::string(op) + ": ndim " + std::to_string(ndim) + " outside 0.." + std::to_string(JG_MAX_DIMS));
        return false;
    }
    return true;
}

template <class TO>
int copy_from(int in_dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t in) {
    JG_DISPATCH_ALL(in_dtype, TI, if constexpr (compiled_here<TI>()) { map1<TO, TI>(n, ndim, geom, out, in, ops::Convert<TO, TI>{}); return JG_OK; });
    return fail(JG_ERR_ARGUMENT, "copy: unknown input dtype " + std::to_string(in_dtype));
}

}  // namespace
}  // namespace JG_ISA_NS
}  // namespace cpu
}  // namespace jg

namespace jg {
namespace cpu {
namespace JG_ISA_NS {

int copy_impl(int out_dtype, int in_dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t in) {
    JG_NARROW_TO_DEFAULT(out_dtype, copy_impl(out_dtype, in_dtype, n, ndim, geom, out, in));
    JG_NARROW_TO_DEFAULT(in_dtype, copy_impl(out_dtype, in_dtype, n, ndim, geom, out, in));
    int st = JG_OK;
    if (!check_geom("copy", n, ndim, geom, &st)) return st;
    return guarded("copy", [&]() -> int {
        JG_DISPATCH_ALL(out_dtype, TO, if constexpr (compiled_here<TO>()) return copy_from<TO>(in_dtype, n, ndim, geom, out, in));
        return fail(JG_ERR_ARGUMENT, "copy: unknown output dtype " + std::to_string(out_dtype));
    });
}

int unary_impl(int op, int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t x, double alpha, double beta) {
    JG_NARROW_TO_DEFAULT(dtype, unary_impl(op, dtype, n, ndim, geom, out, x, alpha, beta));
    int st = JG_OK;
    if (!check_geom("unary", n, ndim, geom, &st)) return st;
    return guarded("unary", [&]() -> int {
        return dispatch_unary(op, dtype, alpha, beta, [&](auto f, auto tag) {
            using T = decltype(tag);
            if constexpr (compiled_here<T>()) map1<T, T>(n, ndim, geom, out, x, f);
            return static_cast<int>(JG_OK);
        });
    });
}

int binary_impl(int op, int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t a, int64_t b, double alpha, double beta) {
    JG_NARROW_TO_DEFAULT(dtype, binary_impl(op, dtype, n, ndim, geom, out, a, b, alpha, beta));
    int st = JG_OK;
    if (!check_geom("binary", n, ndim, geom, &st)) return st;
    return guarded("binary", [&]() -> int {
        return dispatch_binary(
            op, dtype, alpha, beta,
            [&](auto f, auto tag) {
                using T = decltype(tag);
                if constexpr (compiled_here<T>()) map2<T, T>(n, ndim, geom, out, a, b, f);
                return static_cast<int>(JG_OK);
            },
            [&](auto f, auto tag) {
                using T = decltype(tag);
                if constexpr (compiled_here<T>()) map2<bool, T>(n, ndim, geom, out, a, b, f);
                return static_cast<int>(JG_OK);
            });
    });
}

int where_impl(int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t cond, int64_t a, int64_t b) {
    JG_NARROW_TO_DEFAULT(dtype, where_impl(dtype, n, ndim, geom, out, cond, a, b));
    int st = JG_OK;
    if (!check_geom("where", n, ndim, geom, &st)) return st;
    return guarded("where", [&]() -> int {
        JG_DISPATCH_ALL(dtype, T, if constexpr (compiled_here<T>()) {
            const bool* c = reinterpret_cast<const bool*>(cond);
            const T* pa = reinterpret_cast<const T*>(a);
            const T* pb = reinterpret_cast<const T*>(b);
            T* o = reinterpret_cast<T*>(out);
            if (ndim == 0) {
                parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) {
                    for (int64_t i = lo; i < hi; ++i) o[i] = c[i] ? pa[i] : pb[i];
                });
                return JG_OK;
            }
            int64_t shape[JG_MAX_DIMS], strides[4][JG_MAX_DIMS];
            const int64_t sizes[4] = {sizeof(T), 1, sizeof(T), sizeof(T)};
            read_geom<4>(ndim, geom, sizes, shape, strides);
            char* base[4] = {reinterpret_cast<char*>(out), reinterpret_cast<char*>(cond), reinterpret_cast<char*>(a),
                             reinterpret_cast<char*>(b)};
            for_each_strided<4>(n, ndim, shape, strides, base, [&](char* const* p, int64_t count, const int64_t* s) {
                for (int64_t i = 0; i < count; ++i)
                    at<T>(p[0] + i * s[0]) = at<bool>(p[1] + i * s[1]) ? at<T>(p[2] + i * s[2]) : at<T>(p[3] + i * s[3]);
            });
            return JG_OK;
        });
        return bad_dtype("where", dtype, "float32, float64, int64 or bool");
    });
}

int fill_impl(int dtype, int64_t n, int64_t out, double value) {
    if (n < 0) return fail(JG_ERR_ARGUMENT, "fill: negative element count");
    return guarded("fill", [&]() -> int {
        JG_DISPATCH_ALL(dtype, T, {
            T* o = reinterpret_cast<T*>(out);
            const T v = static_cast<T>(value);
            parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) {
                for (int64_t i = lo; i < hi; ++i) o[i] = v;
            });
            return JG_OK;
        });
        return bad_dtype("fill", dtype, "float32, float64, int64 or bool");
    });
}



int random_impl(int kind, int dtype, int64_t n, int64_t out, int64_t seed, int64_t offset, double lo, double hi) {
    if (n < 0) return fail(JG_ERR_ARGUMENT, "random: negative element count");
    if (kind != 0 && kind != 1) return fail(JG_ERR_ARGUMENT, "random: kind must be 0 (uniform) or 1 (normal)");
    return guarded("random", [&]() -> int {
        auto gen = [&](auto* o) {
            using T = std::remove_pointer_t<decltype(o)>;
            const uint64_t key = static_cast<uint64_t>(seed), first = static_cast<uint64_t>(offset);
            // some 50 cycles an element (Philox's ten rounds; a normal's log and cos are more): worth
            // a thread well below kGrain
            parallel_for(n, 4096, [&](int64_t b, int64_t e) {
                for (int64_t i = b; i < e; ++i) o[i] = ops::random_sample<T>(kind, key, first, static_cast<uint64_t>(i), lo, hi);
            });
        };
        switch (dtype) {
            case JG_FLOAT32: gen(reinterpret_cast<float*>(out)); return JG_OK;
            case JG_FLOAT64: gen(reinterpret_cast<double*>(out)); return JG_OK;
            default: return bad_dtype("random", dtype, "float32 or float64");
        }
    });
}

}  // namespace JG_ISA_NS
}  // namespace cpu
}  // namespace jg
