// Division of 32-bit indices by a divisor fixed before a loop or a launch, as a multiply-high, an
// add and a shift (Granlund and Montgomery, "Division by invariant integers using multiplication",
// 1994): with s = ceil(log2 d) and m = floor(2^32 (2^s - d) / d) + 1, n / d = (mulhi(n, m) + n) >> s
// for every n < 2^31. On the GPU a 64-bit division is a subroutine of some seventy instructions;
// this is three.
#pragma once
#include <cstdint>

#include "ops/hd.h"

namespace jg {
namespace ops {

struct FastDiv {
    uint32_t d = 1, m = 1, s = 0;
    FastDiv() = default;
    explicit FastDiv(uint32_t divisor) : d(divisor) {
        while ((uint64_t(1) << s) < d) ++s;
        m = static_cast<uint32_t>(((uint64_t(1) << 32) * ((uint64_t(1) << s) - d)) / d + 1);
    }
    // n / d for n < 2^31
    JG_HD uint32_t div(uint32_t n) const {
#if defined(__CUDA_ARCH__)
        const uint32_t hi = __umulhi(n, m);
#else
        const uint32_t hi = static_cast<uint32_t>((uint64_t(n) * m) >> 32);
#endif
        return (hi + n) >> s;
    }
};

}  // namespace ops
}  // namespace jg
