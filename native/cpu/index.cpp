// gather and scatter_add along one dim, over strided operands. Every index is checked before any
// memory is touched, so a bad index is an error, never a stray read or write.
#include "parallel.h"

namespace jg {
namespace cpu {
namespace {

// Walks the multi-index p over `shape` in row-major order, calling f(p) for each position.
template <class F> void for_each_index(int ndim, const int64_t* shape, int64_t total, const F& f) {
    int64_t p[JG_MAX_DIMS] = {0};
    for (int64_t n = 0; n < total; ++n) {
        f(p);
        for (int d = ndim - 1; d >= 0; --d) {
            if (++p[d] < shape[d]) break;
            p[d] = 0;
        }
    }
}

int64_t offset_of(const int64_t* p, const int64_t* strides, int ndim) {
    int64_t o = 0;
    for (int d = 0; d < ndim; ++d) o += p[d] * strides[d];
    return o;
}

// Checks index values; returns false with the error set.
bool check_indices(const char* op, int ndim, const int64_t* shape, const int64_t* istrides, const int64_t* index,
                   int64_t total, int dim, int64_t dim_size) {
    bool ok = true;
    int64_t bad = 0;
    for_each_index(ndim, shape, total, [&](const int64_t* p) {
        int64_t v = index[offset_of(p, istrides, ndim)];
        if (ok && (v < -dim_size || v >= dim_size)) { ok = false; bad = v; }
    });
    if (!ok)
        set_error(std::string(op) + ": index " + std::to_string(bad) + " is out of bounds for dimension " + std::to_string(dim) +
                  " with size " + std::to_string(dim_size) + "; valid indices are " + std::to_string(-dim_size) + ".." +
                  std::to_string(dim_size - 1));
    return ok;
}

bool check_args(const char* op, int ndim, const int64_t* geom, int dim, int64_t dim_size, int* st) {
    if (ndim < 1 || ndim > JG_MAX_DIMS || geom == nullptr) { *st = fail(JG_ERR_ARGUMENT, std::string(op) + ": ndim out of range"); return false; }
    if (dim < 0 || dim >= ndim) { *st = fail(JG_ERR_ARGUMENT, std::string(op) + ": dim out of range"); return false; }
    if (dim_size < 0) { *st = fail(JG_ERR_ARGUMENT, std::string(op) + ": negative dim size"); return false; }
    return true;
}

int64_t count_of(int ndim, const int64_t* shape) {
    int64_t n = 1;
    for (int d = 0; d < ndim; ++d) n *= shape[d];
    return n;
}

}  // namespace

int gather(int dtype, int ndim, const int64_t* geom, int dim, int64_t dim_size, int64_t out, int64_t x, int64_t index) {
    int st = JG_OK;
    if (!check_args("gather", ndim, geom, dim, dim_size, &st)) return st;
    return guarded("gather", [&]() -> int {
        const int64_t* shape = geom;
        const int64_t* xs = geom + ndim;
        const int64_t* is = geom + 2 * ndim;
        const int64_t* idx = reinterpret_cast<const int64_t*>(index);
        int64_t total = count_of(ndim, shape);
        if (total == 0) return JG_OK;
        if (!check_indices("gather", ndim, shape, is, idx, total, dim, dim_size)) return JG_ERR_ARGUMENT;
        JG_DISPATCH_ALL(dtype, T, {
            const T* px = reinterpret_cast<const T*>(x);
            T* o = reinterpret_cast<T*>(out);
            int64_t n = 0;
            for_each_index(ndim, shape, total, [&](const int64_t* p) {
                int64_t v = idx[offset_of(p, is, ndim)];
                if (v < 0) v += dim_size;
                int64_t off = offset_of(p, xs, ndim) + (v - p[dim]) * xs[dim];
                o[n++] = px[off];
            });
            return JG_OK;
        });
        return fail(JG_ERR_ARGUMENT, "gather: unknown dtype");
    });
}

int scatter_add(int dtype, int ndim, const int64_t* geom, int dim, int64_t dim_size, int64_t out, int64_t src, int64_t index) {
    int st = JG_OK;
    if (!check_args("scatter_add", ndim, geom, dim, dim_size, &st)) return st;
    return guarded("scatter_add", [&]() -> int {
        const int64_t* shape = geom;
        const int64_t* os = geom + ndim;
        const int64_t* ss = geom + 2 * ndim;
        const int64_t* is = geom + 3 * ndim;
        const int64_t* idx = reinterpret_cast<const int64_t*>(index);
        int64_t total = count_of(ndim, shape);
        if (total == 0) return JG_OK;
        if (!check_indices("scatter_add", ndim, shape, is, idx, total, dim, dim_size)) return JG_ERR_ARGUMENT;
        switch (dtype) {
            case JG_FLOAT32: case JG_FLOAT64: case JG_INT64: break;
            default: return fail(JG_ERR_ARGUMENT, std::string("scatter_add: needs float32, float64 or int64, got ") + dtype_name(dtype));
        }
        JG_DISPATCH_ALL(dtype, T, {
            const T* ps = reinterpret_cast<const T*>(src);
            T* o = reinterpret_cast<T*>(out);
            for_each_index(ndim, shape, total, [&](const int64_t* p) {
                int64_t v = idx[offset_of(p, is, ndim)];
                if (v < 0) v += dim_size;
                int64_t off = offset_of(p, os, ndim) + (v - p[dim]) * os[dim];
                o[off] += ps[offset_of(p, ss, ndim)];
            });
            return JG_OK;
        });
        return fail(JG_ERR_ARGUMENT, "scatter_add: unknown dtype");
    });
}

}  // namespace cpu
}  // namespace jg
