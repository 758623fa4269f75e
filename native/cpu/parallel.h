// The CPU backend's plumbing: the thread pool and the strided iterator. Kernels only say what
// happens to one contiguous run of elements.
#pragma once
#include <cstdint>
#include <functional>

#include "core/backend.h"
#include "core/common.h"

namespace jg {
namespace cpu {

// Splits [0, n) into at most num_threads() chunks of at least grain elements and runs f(begin, end)
// on the pool (the caller runs the first chunk, and any chunk no worker has started when it is
// done). Workers poll briefly, then sleep on a condition variable between jobs.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& f);
int num_threads();

// As parallel_for, but [0, n) is cut into pieces of `piece` elements (the last may be shorter) that
// the threads take one at a time as they finish the last: a thread whose core is taken meanwhile
// (a JIT compiler, a neighbour on a shared VM) does fewer pieces instead of holding the others up.
// f may run several times on one thread; the pieces' bounds do not depend on the thread count.
void parallel_for_dynamic(int64_t n, int64_t piece, const std::function<void(int64_t, int64_t)>& f);

// Elements per chunk below which a loop stays on one thread.
constexpr int64_t kGrain = 1 << 16;

// Strided iteration over `n` elements of an ndim-dim shape with NARGS operands (byte strides).
// f(char* ptrs[NARGS], int64_t count, const int64_t inner_strides[NARGS]) handles one run along
// the innermost dim. Runs in parallel over the flat index range.
template <int NARGS, class F>
void for_each_strided(int64_t n, int ndim, const int64_t* shape, const int64_t (*strides)[JG_MAX_DIMS],
                      char* const* base, const F& f) {
    if (n == 0) return;
    auto run = [&](int64_t begin, int64_t end) {
        int64_t idx[JG_MAX_DIMS];
        int64_t rem = begin;
        for (int d = ndim - 1; d >= 0; --d) {
            idx[d] = rem % shape[d];
            rem /= shape[d];
        }
        char* ptrs[NARGS];
        int64_t inner[NARGS];
        for (int k = 0; k < NARGS; ++k) {
            ptrs[k] = base[k];
            for (int d = 0; d < ndim; ++d) ptrs[k] += idx[d] * strides[k][d];
            inner[k] = strides[k][ndim - 1];
        }
        int64_t pos = begin;
        while (pos < end) {
            int64_t count = shape[ndim - 1] - idx[ndim - 1];
            if (count > end - pos) count = end - pos;
            f(ptrs, count, inner);
            pos += count;
            if (pos >= end) break;
            // advance the multi-index by count along the last dim, carrying into outer dims
            for (int k = 0; k < NARGS; ++k) ptrs[k] += count * inner[k];
            idx[ndim - 1] += count;
            for (int d = ndim - 1; d > 0 && idx[d] == shape[d]; --d) {
                for (int k = 0; k < NARGS; ++k) ptrs[k] += strides[k][d - 1] - shape[d] * strides[k][d];
                idx[d] = 0;
                ++idx[d - 1];
            }
        }
    };
    parallel_for(n, kGrain, run);
}

// Reads a geom array (shape, then one stride row per operand) into byte strides.
template <int NARGS>
bool read_geom(int ndim, const int64_t* geom, const int64_t* elem_sizes, int64_t* shape,
               int64_t (*strides)[JG_MAX_DIMS]) {
    if (ndim < 1 || ndim > JG_MAX_DIMS || geom == nullptr) return false;
    for (int d = 0; d < ndim; ++d) shape[d] = geom[d];
    for (int k = 0; k < NARGS; ++k)
        for (int d = 0; d < ndim; ++d) strides[k][d] = geom[ndim * (k + 1) + d] * elem_sizes[k];
    return true;
}

}  // namespace cpu
}  // namespace jg
