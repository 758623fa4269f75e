// Element i of arange and linspace, shared by the CPU loops and the CUDA kernels so that both
// backends write the same bits.
#pragma once
#include <cstdint>
#include "hd.h"

namespace jg {
namespace ops {

// start + i * step in double, rounded once to T (truncated toward zero for integers)
template <class T> JG_HD T arange_value(int64_t i, double start, double step) {
    return static_cast<T>(start + static_cast<double>(i) * step);
}

// PyTorch's scheme: the first half counts up from start, the second half down from end, in T's
// own precision, so both ends are exact.
template <class T> JG_HD T linspace_value(int64_t i, int64_t n, double start, double end) {
    if (n == 1) return static_cast<T>(start);
    const T s = static_cast<T>(start), e = static_cast<T>(end);
    const T step = (e - s) / static_cast<T>(n - 1);
    return i < n / 2 ? s + step * static_cast<T>(i) : e - step * static_cast<T>(n - 1 - i);
}

}  // namespace ops
}  // namespace jg
