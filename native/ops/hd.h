// Marks the scalar math shared by the CPU loops and the CUDA kernels.
#pragma once
#if defined(__CUDACC__)
#define JG_HD __host__ __device__ __forceinline__
#else
#define JG_HD inline
#endif

#include <cstring>

namespace jg {
namespace ops {
// The bits of a value as another type of the same size (C++20's std::bit_cast). memcpy is
// understood by the host compilers and by nvcc alike and becomes a register move.
template <class To, class From> JG_HD To bit_cast(From from) {
    static_assert(sizeof(To) == sizeof(From), "bit_cast needs types of one size");
    To to;
    memcpy(&to, &from, sizeof to);
    return to;
}
}  // namespace ops
}  // namespace jg
