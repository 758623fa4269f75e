// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a
// counter-based generator, so element i of a draw depends only on (seed, offset, i) and the CPU
// loop and a GPU kernel produce the same numbers.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
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

// log and cos for the normal draws, from +, -, *, / and exact bit operations only. libm's log and
// cos differ between glibc and the CUDA math library in the last bit; these give the same double on
// every backend (both compile without contraction into fused multiply-adds), which is what lets
// manualSeed promise identical randn values on CPU and GPU. Accurate to a few ulp.

// Natural log of a positive normal double: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), and
// log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.1716, by its Taylor series to s^23.
JG_HD double portable_log(double x) {
    uint64_t b = bit_cast<uint64_t>(x);
    int e = static_cast<int>((b >> 52) & 0x7FF) - 1023;
    double m = bit_cast<double>((b & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull);  // [1, 2)
    if (m > 1.4142135623730951) {
        m *= 0.5;
        e += 1;
    }
    const double s = (m - 1.0) / (m + 1.0), z = s * s;
    // Horner's rule over 1/k for odd k from 23 down to 3: the quotients are constants the compiler
    // rounds correctly, the same doubles a division at run time gives
    double p = 1.0 / 23;
    p = p * z + 1.0 / 21;
    p = p * z + 1.0 / 19;
    p = p * z + 1.0 / 17;
    p = p * z + 1.0 / 15;
    p = p * z + 1.0 / 13;
    p = p * z + 1.0 / 11;
    p = p * z + 1.0 / 9;
    p = p * z + 1.0 / 7;
    p = p * z + 1.0 / 5;
    p = p * z + 1.0 / 3;
    p = p * z * s;  // s^3/3 + s^5/5 + ...
    const double ln2 = 0.6931471805599453094;
    return static_cast<double>(e) * ln2 + (2.0 * s + 2.0 * p);
}

// cos(2 pi u) for u in [0, 1): the quadrant comes exactly from 4u, the rest is |t| <= pi/4.
JG_HD double portable_cos_2pi(double u) {
    double v = 4.0 * u;  // exact
    int q = static_cast<int>(v);
    double r = v - static_cast<double>(q);  // exact, in [0, 1)
    if (r > 0.5) {
        r -= 1.0;
        q += 1;
    }
    const double t = r * 1.5707963267948966192, w = -(t * t);
    // Taylor series of cos and sin to t^18 and t^19 by Horner's rule over 1/k!, constants the
    // compiler rounds correctly (every k! up to 19! is exact in double)
    double c = 1.0 / 6402373705728000.0;       // 18!
    c = c * w + 1.0 / 20922789888000.0;        // 16!
    c = c * w + 1.0 / 87178291200.0;           // 14!
    c = c * w + 1.0 / 479001600.0;             // 12!
    c = c * w + 1.0 / 3628800.0;               // 10!
    c = c * w + 1.0 / 40320.0;                 // 8!
    c = c * w + 1.0 / 720.0;                   // 6!
    c = c * w + 1.0 / 24.0;                    // 4!
    c = c * w + 1.0 / 2.0;                     // 2!
    c = c * w + 1.0;                           // 0!
    double s = 1.0 / 121645100408832000.0;     // 19!
    s = s * w + 1.0 / 355687428096000.0;       // 17!
    s = s * w + 1.0 / 1307674368000.0;         // 15!
    s = s * w + 1.0 / 6227020800.0;            // 13!
    s = s * w + 1.0 / 39916800.0;              // 11!
    s = s * w + 1.0 / 362880.0;                // 9!
    s = s * w + 1.0 / 5040.0;                  // 7!
    s = s * w + 1.0 / 120.0;                   // 5!
    s = s * w + 1.0 / 6.0;                     // 3!
    s = s * w + 1.0;                           // 1!
    s *= t;
    switch (q & 3) {
        case 0: return c;
        case 1: return -s;
        case 2: return -c;
        default: return s;
    }
}

// Element i of a draw: one Philox block per element keeps float and double draws simple.
// kind 0 uniform [lo, hi), kind 1 normal(lo, hi). Values are computed in double and rounded once.
JG_HD double random_value(int kind, uint64_t seed, uint64_t offset, uint64_t i) {
    Philox4 r = philox4x32_10(offset + i, seed);
    if (kind == 0) return uniform_double(r.v[0], r.v[1]);
    double u1 = uniform_double(r.v[0], r.v[1]);
    double u2 = uniform_double(r.v[2], r.v[3]);
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * portable_log(u1)) * portable_cos_2pi(u2);
}

// The element as stored: uniform scaled to [lo, hi) (a value that rounds up to hi is moved just
// below it), normal scaled to mean lo and standard deviation hi.
template <class T> JG_HD T random_sample(int kind, uint64_t seed, uint64_t offset, uint64_t i, double lo, double hi) {
    double u = random_value(kind, seed, offset, i);
    T v = kind == 0 ? static_cast<T>(lo + (hi - lo) * u) : static_cast<T>(lo + hi * u);
    if (kind == 0 && v >= static_cast<T>(hi) && hi > lo) v = std::nextafter(static_cast<T>(hi), static_cast<T>(lo));
    return v;
}

}  // namespace ops
}  // namespace jg
