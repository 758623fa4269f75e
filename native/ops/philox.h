// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a
// counter-based generator, so element i of a draw depends only on (seed, offset, i) and the CPU
// loop and a GPU kernel produce the same numbers.
#pragma once
#include <cmath>
#include <cstdint>
#include "hd.h"

namespace jg {
namespace ops {

struct Philox4 { uint32_t v[4]; };

JG_HD uint32_t mulhilo32(uint32_t a, uint32_t b, uint32_t* hi) {
    uint64_t p = static_cast<uint64_t>(a) * static_cast<uint64_t>(b);
    *hi = static_cast<uint32_t>(p >> 32);
    return static_cast<uint32_t>(p);
}

JG_HD Philox4 philox4x32_10(uint64_t counter, uint64_t key64) {
    const uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
    uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32), c2 = 0, c3 = 0;
    uint32_t k0 = static_cast<uint32_t>(key64), k1 = static_cast<uint32_t>(key64 >> 32);
    for (int round = 0; round < 10; ++round) {
        uint32_t hi0, hi1;
        uint32_t lo0 = mulhilo32(M0, c0, &hi0);
        uint32_t lo1 = mulhilo32(M1, c2, &hi1);
        uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += W0; k1 += W1;
    }
    Philox4 r;
    r.v[0] = c0; r.v[1] = c1; r.v[2] = c2; r.v[3] = c3;
    return r;
}

// uniform in [0, 1) with 24 (float) or 53 (double) random bits
JG_HD float uniform_float(uint32_t x) { return static_cast<float>(x >> 8) * (1.0f / 16777216.0f); }
JG_HD double uniform_double(uint32_t hi, uint32_t lo) {
    uint64_t bits = (static_cast<uint64_t>(hi) << 21) ^ (static_cast<uint64_t>(lo) >> 11);
    return static_cast<double>(bits & ((1ull << 53) - 1)) * (1.0 / 9007199254740992.0);
}

// Element i of a draw: one Philox block per element pair keeps float and double draws simple.
// kind 0 uniform [lo, hi), kind 1 normal(lo, hi). Values are computed in double and rounded once.
JG_HD double random_value(int kind, uint64_t seed, uint64_t offset, uint64_t i) {
    Philox4 r = philox4x32_10(offset + i, seed);
    if (kind == 0) return uniform_double(r.v[0], r.v[1]);
    double u1 = uniform_double(r.v[0], r.v[1]);
    double u2 = uniform_double(r.v[2], r.v[3]);
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586476925 * u2);
}

}  // namespace ops
}  // namespace jg
