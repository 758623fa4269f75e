// Branch-free float32 exp and tanh that compilers vectorise (the libm calls they replace do not),
// accurate to a few ulp over the whole float range, with IEEE behaviour for NaN and infinities.
#pragma once
#include <cstdint>
#include <cstring>
#include "hd.h"

namespace jg {
namespace ops {

// Range reduction shared by the exp variants: x = n·ln2 + r with |r| <= ln2/2 (x already clamped,
// NaN allowed); returns e^r by a degree-6 polynomial (Cephes' minimax coefficients) and sets n.
JG_HD float exp_reduced(float xc, int32_t* n) {
    const float shifter = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer in the low mantissa bits
    float t = xc * 1.44269504088896341f + shifter;
    *n = static_cast<int32_t>(bit_cast<uint32_t>(t) - bit_cast<uint32_t>(shifter));
    float nf = t - shifter;
    float r = xc - nf * 0.693359375f;
    r = r - nf * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    return p * r * r + r + 1.0f;
}

// e^x = 2^n · e^r, with 2^n applied as two powers of two so that results down in the subnormal
// range and up to overflow come out right.
JG_HD float exp_f32(float x) {
    float xc = x > 88.8f ? 88.8f : x;
    xc = xc < -104.0f ? -104.0f : xc;  // NaN passes both comparisons unchanged
    int32_t n;
    float p = exp_reduced(xc, &n);
    int32_t n1 = n / 2, n2 = n - n1;
    float s1 = bit_cast<float>(static_cast<uint32_t>(n1 + 127) << 23);
    float s2 = bit_cast<float>(static_cast<uint32_t>(n2 + 127) << 23);
    return p * s1 * s2;
}

// e^x for uses where results below about 2^-125 may flush to zero (1 + e^x in sigmoid cannot see
// them): one power-of-two scale instead of two. Overflow still gives inf and NaN stays NaN.
JG_HD float exp_f32_ftz(float x) {
    float xc = x > 88.8f ? 88.8f : x;
    xc = xc < -88.0f ? -88.0f : xc;
    int32_t n;
    float p = exp_reduced(xc, &n);
    // 2^n = 2 * 2^(n-1), so n = 128 near the overflow threshold still scales a p < 1 to a finite value;
    // n <= -126 gives a zero scale (the flush)
    int32_t e = n + 126;
    e = e < 0 ? 0 : e;
    return (p * 2.0f) * bit_cast<float>(static_cast<uint32_t>(e) << 23);
}

// tanh: a polynomial near zero (where 1 - 2/(e^2x + 1) would cancel), the exp form elsewhere.
JG_HD float tanh_f32(float x) {
    float ax = x < 0 ? -x : x;
    float z = x * x;
    float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z + 1.33314422036e-1f) * z -
                   3.33332819422e-1f) * z * x + x;
    float e = exp_f32(2.0f * ax);
    float big = 1.0f - 2.0f / (e + 1.0f);
    big = x < 0 ? -big : big;
    float r = ax < 0.625f ? small : big;
    return x != x ? x : r;
}

}  // namespace ops
}  // namespace jg
