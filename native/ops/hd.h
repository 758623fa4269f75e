// Marks the scalar math shared by the CPU loops and the CUDA kernels.
#pragma once
#if defined(__CUDACC__)
#define JG_HD __host__ __device__ __forceinline__
#else
#define JG_HD inline
#endif
