// gather and scatter_add along one dim, over strided operands. Every index is checked before any
// memory is touched, so a bad index is an error, never a stray read or write.
#include <algorithm>
#include <cstring>

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

namespace {

// JG_OK, or the error naming the first of the k indices outside -dim_size..dim_size-1.
int check_rows(const char* op, int dim, int64_t dim_size, int64_t k, const int64_t* idx, int64_t is) {
    for (int64_t i = 0; i < k; ++i) {
        const int64_t v = idx[i * is];
        if (v < -dim_size || v >= dim_size)
            return fail(JG_ERR_ARGUMENT, std::string(op) + ": index " + std::to_string(v) + " is out of bounds for dimension " +
                                             std::to_string(dim) + " with size " + std::to_string(dim_size) + "; valid indices are " +
                                             std::to_string(-dim_size) + ".." + std::to_string(dim_size - 1));
    }
    return JG_OK;
}

bool check_extents(const char* op, int64_t outer, int64_t dim_size, int64_t inner, int64_t k, int* st) {
    if (outer < 0 || dim_size < 0 || inner < 0 || k < 0) {
        *st = fail(JG_ERR_ARGUMENT, std::string(op) + ": negative extent");
        return false;
    }
    return true;
}

}  // namespace

// Asks for a row's cache lines (up to 16 KiB of them) ahead of its copy.
inline void prefetch_row(const char* p, size_t bytes) {
    const size_t n = std::min<size_t>(bytes, 16384);
    for (size_t off = 0; off < n; off += 64) __builtin_prefetch(p + off, 0, 0);
}

int index_select(int dtype, int dim, int64_t outer, int64_t dim_size, int64_t inner, int64_t k, int64_t out, int64_t x, int64_t x_outer,
                 int64_t x_dim, int64_t index, int64_t index_stride) {
    int st = JG_OK;
    if (!check_extents("indexSelect", outer, dim_size, inner, k, &st)) return st;
    const int64_t* idx = reinterpret_cast<const int64_t*>(index);
    if ((st = check_rows("indexSelect", dim, dim_size, k, idx, index_stride)) != JG_OK) return st;
    const int64_t es = dtype_size(dtype);
    if (es == 0) return fail(JG_ERR_ARGUMENT, "indexSelect: unknown dtype " + std::to_string(dtype));
    if (outer == 0 || k == 0 || inner == 0) return JG_OK;
    return guarded("indexSelect", [&]() -> int {
        const char* px = reinterpret_cast<const char*>(x);
        char* po = reinterpret_cast<char*>(out);
        const size_t row = static_cast<size_t>(inner * es);
        // a row per (o, i): one memcpy each. The rows are scattered (a shuffled batch from a data
        // set far larger than the caches), so each one's lines are requested two rows ahead: the
        // hardware prefetchers only start within a row, after its first misses.
        const auto source = [&](int64_t r) {
            const int64_t o = r / k, i = r % k;
            int64_t v = idx[i * index_stride];
            if (v < 0) v += dim_size;
            return px + (o * x_outer + v * x_dim) * es;
        };
        constexpr int64_t kAhead = 2;
        parallel_for(outer * k, std::max<int64_t>(1, kGrain / inner), [&](int64_t b, int64_t e) {
            for (int64_t r = b; r < std::min(e, b + kAhead); ++r) prefetch_row(source(r), row);
            for (int64_t r = b; r < e; ++r) {
                if (r + kAhead < e) prefetch_row(source(r + kAhead), row);
                std::memcpy(po + r * row, source(r), row);
            }
        });
        return JG_OK;
    });
}

template <class T>
void index_add_rows(int64_t outer, int64_t dim_size, int64_t inner, int64_t k, T* out, const T* src, const int64_t* idx, int64_t is) {
    // threads split the outer slices, or the columns of one slice: never two on one element, and
    // every element adds its rows in the order of i, so the result is the same on any thread count
    const bool by_outer = outer > 1;
    const int64_t units = by_outer ? outer : inner;
    const int64_t work = by_outer ? k * inner : k;
    parallel_for(units, std::max<int64_t>(1, kGrain / std::max<int64_t>(work, 1)), [&](int64_t b, int64_t e) {
        const int64_t o0 = by_outer ? b : 0, o1 = by_outer ? e : 1;
        const int64_t j0 = by_outer ? 0 : b, j1 = by_outer ? inner : e;
        for (int64_t o = o0; o < o1; ++o)
            for (int64_t i = 0; i < k; ++i) {
                int64_t v = idx[i * is];
                if (v < 0) v += dim_size;
                T* dst = out + (o * dim_size + v) * inner;
                const T* s = src + (o * k + i) * inner;
                for (int64_t j = j0; j < j1; ++j) dst[j] += s[j];
            }
    });
}

int index_add(int dtype, int dim, int64_t outer, int64_t dim_size, int64_t inner, int64_t k, int64_t out, int64_t src, int64_t index,
              int64_t index_stride) {
    int st = JG_OK;
    if (!check_extents("indexAdd", outer, dim_size, inner, k, &st)) return st;
    const int64_t* idx = reinterpret_cast<const int64_t*>(index);
    if ((st = check_rows("indexAdd", dim, dim_size, k, idx, index_stride)) != JG_OK) return st;
    if (outer == 0 || k == 0 || inner == 0) return JG_OK;
    return guarded("indexAdd", [&]() -> int {
        switch (dtype) {
            case JG_FLOAT32: index_add_rows(outer, dim_size, inner, k, reinterpret_cast<float*>(out), reinterpret_cast<const float*>(src), idx, index_stride); return JG_OK;
            case JG_FLOAT64: index_add_rows(outer, dim_size, inner, k, reinterpret_cast<double*>(out), reinterpret_cast<const double*>(src), idx, index_stride); return JG_OK;
            case JG_INT64: index_add_rows(outer, dim_size, inner, k, reinterpret_cast<int64_t*>(out), reinterpret_cast<const int64_t*>(src), idx, index_stride); return JG_OK;
            default: return fail(JG_ERR_ARGUMENT, std::string("indexAdd: needs float32, float64 or int64, got ") + dtype_name(dtype));
        }
    });
}

}  // namespace cpu
}  // namespace jg
