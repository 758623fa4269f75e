// jgrad's own matrix product, for machines where no BLAS library can be loaded (the OpenBLAS of
// the org.bytedeco:openblas 1.5.13 jar needs glibc 2.34; jgrad itself needs 2.28). Included once
// per instruction set, like elementwise_impl.h; dispatch.cpp picks the widest.
//
// The classic blocked scheme: op(B) packed in panels of NR columns for KC rows of K, op(A) in
// panels of MR rows, an MR x NR register tile per micro-kernel call. Every element of C is summed
// in the same order whatever the variant, tile or thread split (k ascending inside a KC block, the
// blocks added in order) with one fused multiply-add per term, so all variants give the same bits.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "parallel.h"
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

#ifndef JG_ISA_NS
#error "define JG_ISA_NS before including gemm_impl.h"
#endif

namespace jg {
namespace cpu {
namespace JG_ISA_NS {
namespace gemm_detail {

#if defined(__AVX512F__)
constexpr int kVecBytes = 64;
#elif defined(__AVX2__)
constexpr int kVecBytes = 32;
#else
constexpr int kVecBytes = 16;  // SSE2 on x86-64, ASIMD on AArch64: both baseline
#endif
constexpr int kMR = 6;     // rows of a tile
constexpr int kNV = 2;     // vectors per tile row
constexpr int64_t kKC = 256;
constexpr int64_t kMC = 16 * kMR;

template <class T> struct Vec {
    typedef T type __attribute__((vector_size(kVecBytes)));
};

template <class T> struct Tile {
    static constexpr int kLanes = kVecBytes / int(sizeof(T));
    static constexpr int kNR = kNV * kLanes;
};

// op(X)(r, c) of a row-major X with leading dimension ld
template <class T> inline T at(const T* x, int64_t ld, bool trans, int64_t r, int64_t c) { return trans ? x[c * ld + r] : x[r * ld + c]; }

// v to p (unaligned). v is a copy: the accumulators themselves never have their address taken,
// which made GCC 10 keep all of them in memory, stored back on every step of the k loop.
template <class V, class T> inline void store(T* p, V v) { std::memcpy(p, &v, sizeof(V)); }
template <class V, class T> inline V load(const T* p) {
    V v;
    std::memcpy(&v, p, sizeof(V));
    return v;
}

// Transposes of small blocks for the packing routines: 32-byte vectors (8 floats or 4 doubles),
// written with GCC's generic shuffles so that every variant compiles them (to vpermps/vunpck on
// AVX, to pairs of SSE or NEON registers elsewhere). Packing only moves values: the bits of C are
// those of the scalar loops they replace.
template <class T> struct Blk {
    static constexpr int kN = 32 / int(sizeof(T));
    typedef T type __attribute__((vector_size(32)));
};

// rows[i] holds row i of an N x N block (N = Blk<T>::kN); on return rows[j] holds its column j
template <class T> inline void transpose_block(typename Blk<T>::type* r) {
    using V = typename Blk<T>::type;
    if constexpr (sizeof(T) == 4) {
        typedef int32_t I __attribute__((vector_size(32)));
        V t[8], u[8];
        for (int i = 0; i < 8; i += 2) {
            t[i] = __builtin_shuffle(r[i], r[i + 1], I{0, 8, 1, 9, 4, 12, 5, 13});
            t[i + 1] = __builtin_shuffle(r[i], r[i + 1], I{2, 10, 3, 11, 6, 14, 7, 15});
        }
        for (int h = 0; h < 8; h += 4) {
            u[h] = __builtin_shuffle(t[h], t[h + 2], I{0, 1, 8, 9, 4, 5, 12, 13});
            u[h + 1] = __builtin_shuffle(t[h], t[h + 2], I{2, 3, 10, 11, 6, 7, 14, 15});
            u[h + 2] = __builtin_shuffle(t[h + 1], t[h + 3], I{0, 1, 8, 9, 4, 5, 12, 13});
            u[h + 3] = __builtin_shuffle(t[h + 1], t[h + 3], I{2, 3, 10, 11, 6, 7, 14, 15});
        }
        for (int j = 0; j < 4; ++j) {
            r[j] = __builtin_shuffle(u[j], u[j + 4], I{0, 1, 2, 3, 8, 9, 10, 11});
            r[j + 4] = __builtin_shuffle(u[j], u[j + 4], I{4, 5, 6, 7, 12, 13, 14, 15});
        }
    } else {
        typedef int64_t I __attribute__((vector_size(32)));
        const V t0 = __builtin_shuffle(r[0], r[1], I{0, 4, 2, 6}), t1 = __builtin_shuffle(r[0], r[1], I{1, 5, 3, 7});
        const V t2 = __builtin_shuffle(r[2], r[3], I{0, 4, 2, 6}), t3 = __builtin_shuffle(r[2], r[3], I{1, 5, 3, 7});
        r[0] = __builtin_shuffle(t0, t2, I{0, 1, 4, 5});
        r[2] = __builtin_shuffle(t0, t2, I{2, 3, 6, 7});
        r[1] = __builtin_shuffle(t1, t3, I{0, 1, 4, 5});
        r[3] = __builtin_shuffle(t1, t3, I{2, 3, 6, 7});
    }
}

// rows i0..i0+mc of op(A), columns k0..k0+kc: panels of kMR rows, element (kk, r) at kk * kMR + r,
// zeros in a last panel's missing rows
template <class T> void pack_a(const T* a, int64_t lda, bool ta, int64_t i0, int64_t mc, int64_t k0, int64_t kc, T* out) {
    for (int64_t p = 0; p < mc; p += kMR) {
        const int64_t rows = std::min<int64_t>(kMR, mc - p);
        if (rows == kMR && ta) {
            // a full panel of Aᵀ: kMR contiguous elements of each of A's rows
            for (int64_t kk = 0; kk < kc; ++kk) std::memcpy(out + kk * kMR, a + (k0 + kk) * lda + i0 + p, sizeof(T) * kMR);
        } else {
            for (int64_t kk = 0; kk < kc; ++kk)
                for (int64_t r = 0; r < kMR; ++r) out[kk * kMR + r] = r < rows ? at(a, lda, ta, i0 + p + r, k0 + kk) : T(0);
        }
        out += kc * kMR;
    }
}

// rows k0..k0+kc of op(B), columns j0..j0+nc: panels of kNR columns, element (kk, c) at kk * kNR + c
template <class T> void pack_b(const T* b, int64_t ldb, bool tb, int64_t k0, int64_t kc, int64_t j0, int64_t nc, T* out) {
    constexpr int kNR = Tile<T>::kNR;
    for (int64_t q = 0; q < nc; q += kNR) {
        const int64_t cols = std::min<int64_t>(kNR, nc - q);
        if (cols == kNR && !tb) {
            for (int64_t kk = 0; kk < kc; ++kk) std::memcpy(out + kk * kNR, b + (k0 + kk) * ldb + j0 + q, sizeof(T) * kNR);
        } else if (cols == kNR) {
            // op(B) = Bᵀ: each of the panel's columns is a contiguous row of B, turned N x N at a time
            using B = typename Blk<T>::type;
            constexpr int N = Blk<T>::kN;
            static_assert(kNR % N == 0, "a panel is whole blocks wide");
            int64_t kk = 0;
            for (; kk + N <= kc; kk += N) {
                for (int c0 = 0; c0 < kNR; c0 += N) {
                    B blk[N];
                    for (int r = 0; r < N; ++r) std::memcpy(&blk[r], b + (j0 + q + c0 + r) * ldb + k0 + kk, sizeof(B));
                    transpose_block<T>(blk);
                    for (int j = 0; j < N; ++j) std::memcpy(out + (kk + j) * kNR + c0, &blk[j], sizeof(B));
                }
            }
            for (int64_t c = 0; c < kNR; ++c) {
                const T* src = b + (j0 + q + c) * ldb + k0;
                for (int64_t r = kk; r < kc; ++r) out[r * kNR + c] = src[r];
            }
        } else {
            for (int64_t kk = 0; kk < kc; ++kk)
                for (int64_t c = 0; c < kNR; ++c) out[kk * kNR + c] = c < cols ? at(b, ldb, tb, k0 + kk, j0 + q + c) : T(0);
        }
        out += kc * kNR;
    }
}

// acc + a * b with one rounding (a fused multiply-add) in every variant: the FMA instructions
// where the variant has them (AVX2+FMA, AVX-512, ASIMD), the C library's exact fma elsewhere (the
// x86-64 baseline, which only CPUs without AVX2 run), so every variant gives the same bits.
template <class V> inline V fmadd(V a, V b, V acc) {
#if defined(__AVX512F__)
    if constexpr (sizeof(V) == 64 && sizeof(a[0]) == 4) return (V)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)acc);
    if constexpr (sizeof(V) == 64 && sizeof(a[0]) == 8) return (V)_mm512_fmadd_pd((__m512d)a, (__m512d)b, (__m512d)acc);
#endif
#if defined(__FMA__)
    if constexpr (sizeof(V) == 32 && sizeof(a[0]) == 4) return (V)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)acc);
    if constexpr (sizeof(V) == 32 && sizeof(a[0]) == 8) return (V)_mm256_fmadd_pd((__m256d)a, (__m256d)b, (__m256d)acc);
#endif
#if defined(__aarch64__)
    if constexpr (sizeof(V) == 16 && sizeof(a[0]) == 4) return (V)vfmaq_f32((float32x4_t)acc, (float32x4_t)a, (float32x4_t)b);
    if constexpr (sizeof(V) == 16 && sizeof(a[0]) == 8) return (V)vfmaq_f64((float64x2_t)acc, (float64x2_t)a, (float64x2_t)b);
#endif
    V out;
    for (size_t l = 0; l < sizeof(V) / sizeof(a[0]); ++l) out[l] = std::fma(a[l], b[l], acc[l]);
    return out;
}

// x in every lane, by the broadcast instruction of the variant (GCC 10 turned the generic
// "V{} + x" into an add and a broadcast per element)
template <class V, class T> inline V splat(T x) {
#if defined(__AVX512F__)
    if constexpr (sizeof(V) == 64 && sizeof(T) == 4) return (V)_mm512_set1_ps(x);
    if constexpr (sizeof(V) == 64 && sizeof(T) == 8) return (V)_mm512_set1_pd(x);
#endif
#if defined(__AVX__)
    if constexpr (sizeof(V) == 32 && sizeof(T) == 4) return (V)_mm256_set1_ps(x);
    if constexpr (sizeof(V) == 32 && sizeof(T) == 8) return (V)_mm256_set1_pd(x);
#endif
#if defined(__SSE2__)
    if constexpr (sizeof(V) == 16 && sizeof(T) == 4) return (V)_mm_set1_ps(x);
    if constexpr (sizeof(V) == 16 && sizeof(T) == 8) return (V)_mm_set1_pd(x);
#endif
#if defined(__aarch64__)
    if constexpr (sizeof(V) == 16 && sizeof(T) == 4) return (V)vdupq_n_f32(x);
    if constexpr (sizeof(V) == 16 && sizeof(T) == 8) return (V)vdupq_n_f64(x);
#endif
    V v{};
    for (size_t l = 0; l < sizeof(V) / sizeof(T); ++l) v[l] = x;
    return v;
}

// C tile (rows x cols of it) = (first ? 0 : C) + sum over kk of A panel x B panel
// The A panel's element (kk, r) is at ap[kk * sk + r * sr]: packed (sk = kMR, sr = 1), or read in
// place from a full panel of A's rows (sk = 1, sr = lda) or columns (sk = lda, sr = 1).
template <class T> void micro(int64_t kc, const T* ap, int64_t sk, int64_t sr, const T* bp, T* c, int64_t ldc, int64_t rows, int64_t cols,
                              bool first) {
    using V = typename Vec<T>::type;
    constexpr int kL = Tile<T>::kLanes, kNR = Tile<T>::kNR;
    V acc[kMR][kNV];
    #pragma GCC unroll 8
    for (int r = 0; r < kMR; ++r)
        #pragma GCC unroll 8
        for (int v = 0; v < kNV; ++v) acc[r][v] = V{};
    const T* arow[kMR];
    #pragma GCC unroll 8
    for (int r = 0; r < kMR; ++r) arow[r] = ap + r * sr;
    for (int64_t kk = 0; kk < kc; ++kk) {
        V bv[kNV];
        #pragma GCC unroll 8
        for (int v = 0; v < kNV; ++v) bv[v] = load<V>(bp + kk * kNR + v * kL);
        const int64_t at_k = kk * sk;
        #pragma GCC unroll 8
        for (int r = 0; r < kMR; ++r) {
            const V av = splat<V>(arow[r][at_k]);
            #pragma GCC unroll 8
            for (int v = 0; v < kNV; ++v) acc[r][v] = fmadd(av, bv[v], acc[r][v]);
        }
    }
    if (rows == kMR && cols == kNR) {
        #pragma GCC unroll 8
        for (int r = 0; r < kMR; ++r) {
            T* row = c + r * ldc;
            #pragma GCC unroll 8
            for (int v = 0; v < kNV; ++v) {
                V out = acc[r][v];
                if (!first) out = load<V>(row + v * kL) + out;
                store(row + v * kL, out);
            }
        }
        return;
    }
    T tile[kMR * kNR];
    #pragma GCC unroll 8
    for (int r = 0; r < kMR; ++r)
        #pragma GCC unroll 8
        for (int v = 0; v < kNV; ++v) store(tile + r * kNR + v * kL, acc[r][v]);
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < cols; ++j) c[r * ldc + j] = first ? tile[r * kNR + j] : c[r * ldc + j] + tile[r * kNR + j];
}

// Rows m0..m1 of C (row-major, ldc) for the K block k0..k0+kc, given that block of op(B) packed
// (bp: panels of kNR columns, all n of them) and a buffer for kMC x kc of op(A). A row-major A's
// full panels of kMR rows are read where they lie, kMR contiguous streams the prefetchers follow:
// packing them costs as much as the product when n is small. Only a last panel of fewer rows is
// packed. Aᵀ is packed (its panels in place would be kc lines lda apart, which share few L1 sets),
// and so is an A whose rows are a multiple of 4 KiB apart.
template <class T> void rows_block(bool ta, int64_t m0, int64_t m1, int64_t n, int64_t k0, int64_t kc, const T* a, int64_t lda, const T* bp,
                                   T* abuf, T* c, int64_t ldc) {
    constexpr int kNR = Tile<T>::kNR;
    const int64_t npanels = (n + kNR - 1) / kNR;
    // rows a multiple of 4 KiB apart would all fall in one L1 set (1024³ took 10 % longer in place)
    const bool direct = !ta && (lda * int64_t(sizeof(T))) % 4096 != 0;
    for (int64_t i0 = m0; i0 < m1; i0 += kMC) {
        const int64_t mc = std::min(kMC, m1 - i0), full = direct ? mc / kMR * kMR : 0;
        if (full < mc) pack_a(a, lda, ta, i0 + full, mc - full, k0, kc, abuf);
        for (int64_t q = 0; q < npanels; ++q) {
            const int64_t j0 = q * kNR, cols = std::min<int64_t>(kNR, n - j0);
            for (int64_t p = 0; p < mc; p += kMR) {
                const int64_t rows = std::min<int64_t>(kMR, mc - p);
                if (p < full) {
                    micro(kc, a + (i0 + p) * lda + k0, int64_t(1), lda, bp + q * kc * kNR, c + (i0 + p) * ldc + j0, ldc, rows, cols, k0 == 0);
                } else {
                    micro(kc, abuf + ((p - full) / kMR) * kc * kMR, int64_t(kMR), int64_t(1), bp + q * kc * kNR, c + (i0 + p) * ldc + j0, ldc, rows,
                          cols, k0 == 0);
                }
            }
        }
    }
}

// A scratch buffer at least n long. It never shrinks: resizing down and up again would zero the
// regrown part on every product whose size differs from the last (800 KB for a 784x256 op(B)).
template <class T> inline void grow(std::vector<T>& buf, int64_t n) {
    if (buf.size() < static_cast<size_t>(n)) buf.resize(static_cast<size_t>(n));
}

// C (m x n, row-major, ldc) = op(A) op(B), alpha 1 and beta 0
template <class T> void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc) {
    constexpr int kNR = Tile<T>::kNR;
    if (k == 0) {
        for (int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, T(0));
        return;
    }
    const int64_t npanels = (n + kNR - 1) / kNR;
    thread_local std::vector<T> bbuf, abuf;
    grow(bbuf, std::min(k, kKC) * npanels * kNR);
    grow(abuf, std::min(k, kKC) * kMC);
    for (int64_t k0 = 0; k0 < k; k0 += kKC) {
        const int64_t kc = std::min(kKC, k - k0);
        pack_b(b, ldb, tb, k0, kc, 0, n, bbuf.data());
        rows_block(ta, 0, m, n, k0, kc, a, lda, bbuf.data(), abuf.data(), c, ldc);
    }
}

// The elements of op(B) packed whole (every K block), as gemm_shared packs it.
template <class T> int64_t shared_b_elems(int64_t n, int64_t k) {
    constexpr int kNR = Tile<T>::kNR;
    return (n + kNR - 1) / kNR * kNR * k;
}

// gemm() on the pool, for products whose op(B) packed whole takes shared_b_elems: the threads
// first pack op(B) together (each a share of its panels, for every K block), then each computes a
// share of C's rows from it. Against one thread per row block packing all of op(B) for itself,
// op(B) is packed once. Each element of C is summed exactly as gemm() sums it.
template <class T> void gemm_shared(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* c,
                                    int64_t ldc) {
    constexpr int kNR = Tile<T>::kNR;
    if (k == 0) {
        gemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc);
        return;
    }
    const int64_t npanels = (n + kNR - 1) / kNR;
    thread_local std::vector<T> shared;  // the calling thread's; the workers only read and write through the pointer
    grow(shared, shared_b_elems<T>(n, k));
    T* bp = shared.data();
    // both phases in pieces the threads take as they go (about four per thread): one whose core is
    // taken meanwhile does fewer of them instead of holding up the product
    const int64_t share = 4 * num_threads();
    parallel_for_dynamic(npanels, std::max<int64_t>(1, npanels / share), [&](int64_t q0, int64_t q1) {
        for (int64_t k0 = 0; k0 < k; k0 += kKC) {
            const int64_t kc = std::min(kKC, k - k0), j0 = q0 * kNR;
            pack_b(b, ldb, tb, k0, kc, j0, std::min(n, q1 * kNR) - j0, bp + k0 * npanels * kNR + q0 * kc * kNR);
        }
    });
    const int64_t tiles = (m + kMR - 1) / kMR;
    parallel_for_dynamic(tiles, std::min<int64_t>(kMC / kMR, std::max<int64_t>(1, tiles / share)), [&](int64_t t0, int64_t t1) {
        const int64_t m0 = t0 * kMR, m1 = std::min(m, t1 * kMR);
        thread_local std::vector<T> abuf;
        grow(abuf, std::min(k, kKC) * kMC);
        for (int64_t k0 = 0; k0 < k; k0 += kKC) {
            const int64_t kc = std::min(kKC, k - k0);
            rows_block(ta, m0, m1, n, k0, kc, a, lda, bp + k0 * npanels * kNR, abuf.data(), c, ldc);
        }
    });
}

}  // namespace gemm_detail

// cblas_?gemm's signature (CblasRowMajor only, as jgrad calls it), so it stands in for the BLAS
void builtin_sgemm(int, int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb, float beta,
                   float* c, int ldc) {
    (void)alpha;  // jgrad calls with alpha 1 and beta 0 (blas.cpp)
    (void)beta;
    gemm_detail::gemm<float>(trans_a == 112, trans_b == 112, m, n, k, a, lda, b, ldb, c, ldc);
}
void builtin_dgemm(int, int trans_a, int trans_b, int m, int n, int k, double alpha, const double* a, int lda, const double* b, int ldb, double beta,
                   double* c, int ldc) {
    (void)alpha;
    (void)beta;
    gemm_detail::gemm<double>(trans_a == 112, trans_b == 112, m, n, k, a, lda, b, ldb, c, ldc);
}

// The same products on the pool with op(B) packed once (gemm_shared); 0 if op(B) packed whole
// would exceed max_elems (the caller then splits the product itself).
int builtin_sgemm_shared(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                         float* c, int64_t ldc, int64_t max_elems) {
    if (gemm_detail::shared_b_elems<float>(n, k) > max_elems) return 0;
    gemm_detail::gemm_shared<float>(trans_a != 0, trans_b != 0, m, n, k, a, lda, b, ldb, c, ldc);
    return 1;
}
int builtin_dgemm_shared(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, const double* a, int64_t lda, const double* b, int64_t ldb,
                         double* c, int64_t ldc, int64_t max_elems) {
    if (gemm_detail::shared_b_elems<double>(n, k) > max_elems) return 0;
    gemm_detail::gemm_shared<double>(trans_a != 0, trans_b != 0, m, n, k, a, lda, b, ldb, c, ldc);
    return 1;
}

}  // namespace JG_ISA_NS
}  // namespace cpu
}  // namespace jg
