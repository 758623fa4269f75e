// A host emulation of the part of CUDA that jgrad's kernels use, so that native/cuda/*.cu builds
// and runs on a machine without a GPU (-DJGRAD_CUDA=EMULATE). It exists for testing: CI has no
// GPU, and with it every CUDA code path (launch geometry, chunked reductions, vector paths,
// index checks, the allocator, Java's device dispatch) runs in the ordinary test suite.
//
// Model: a launch runs its blocks one after another on the calling thread (in ascending and
// descending order on alternate launches, since a GPU promises none). Each CUDA thread of a
// block is a fiber; a fiber runs until it finishes or reaches __syncthreads() (the whole block
// meets) or a warp shuffle (its 32-lane warp meets). A barrier that some threads can never reach
// is reported as a launch failure, like a hang on the device would be a bug. When the first block
// of a launch reached no barrier, the other blocks' threads run as plain calls (most kernels are
// grid-stride loops without barriers); a barrier reached there after all fails the launch too.
// Device memory is host memory from malloc, so AddressSanitizer sees kernels that step outside an
// allocation. Two devices are emulated (JGRAD_EMULATED_DEVICES changes that), 4 GiB each.
//
// What it cannot show: timing, memory-model races between blocks (blocks never overlap here),
// and anything about the real hardware. It is not a substitute for running on a GPU.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <tuple>
#include <type_traits>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
// one copy per OS thread; the fibers of the block running on it share it, as a block shares
// shared memory (blocks run one at a time)
#define __shared__ static thread_local

struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1) : x(vx), y(vy), z(vz) {}
};
struct uint3 {
    unsigned int x, y, z;
};

enum cudaError_t {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorInvalidConfiguration = 9,
    cudaErrorInsufficientDriver = 35,
    cudaErrorInvalidDevice = 101,
    cudaErrorLaunchFailure = 719,
};
// events: everything here completes when called, so an event is always complete
typedef struct EmulatedEvent* cudaEvent_t;
constexpr unsigned int cudaEventDisableTiming = 2;
enum cudaMemcpyKind { cudaMemcpyHostToHost = 0, cudaMemcpyHostToDevice = 1, cudaMemcpyDeviceToHost = 2, cudaMemcpyDeviceToDevice = 3 };
struct cudaDeviceProp {
    char name[256];
    size_t totalGlobalMem;
    int multiProcessorCount;
};

cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaDriverGetVersion(int* version);
cudaError_t cudaRuntimeGetVersion(int* version);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaGetLastError();
const char* cudaGetErrorName(cudaError_t e);
const char* cudaGetErrorString(cudaError_t e);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device);
cudaError_t cudaMemGetInfo(size_t* free, size_t* total);
cudaError_t cudaMalloc(void** p, size_t bytes);
template <class T> cudaError_t cudaMalloc(T** p, size_t bytes) { return cudaMalloc(reinterpret_cast<void**>(p), bytes); }
cudaError_t cudaFree(void* p);
cudaError_t cudaMallocHost(void** p, size_t bytes);
cudaError_t cudaFreeHost(void* p);
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* e, unsigned int flags);
cudaError_t cudaEventRecord(cudaEvent_t e);
cudaError_t cudaEventSynchronize(cudaEvent_t e);
cudaError_t cudaEventDestroy(cudaEvent_t e);
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemcpyPeer(void* dst, int dst_device, const void* src, int src_device, size_t bytes);
cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes);
cudaError_t cudaDeviceSynchronize();

namespace jg {
namespace emu {

// The position of the fiber now running.
extern thread_local uint3 t_thread, t_block;
extern thread_local dim3 t_block_dim, t_grid_dim;

// Runs body once per thread of every block of the grid (see the model above).
void run_grid(dim3 grid, dim3 block, const std::function<void()>& body);
void sync_block();
// Lane exchange for shuffles: publishes this lane's bytes, waits for the warp, reads lane src's.
void warp_exchange(const void* mine, void* theirs, size_t bytes, int src_lane);

template <class K> struct Launch {
    dim3 grid, block;
    K kernel;
    template <class... A> void operator()(A&&... args) const {
        // arguments are copied once, as a launch copies them to the device
        auto copies = std::make_tuple(std::decay_t<A>(std::forward<A>(args))...);
        const K& k = kernel;
        run_grid(grid, block, [&] { std::apply([&](auto&... a) { k(a...); }, copies); });
    }
};
template <class K> Launch<K> launch(dim3 grid, dim3 block, K kernel) { return Launch<K>{grid, block, kernel}; }

}  // namespace emu
}  // namespace jg

#define threadIdx (::jg::emu::t_thread)
#define blockIdx (::jg::emu::t_block)
#define blockDim (::jg::emu::t_block_dim)
#define gridDim (::jg::emu::t_grid_dim)

inline void __syncthreads() { ::jg::emu::sync_block(); }

template <class T> inline T __shfl_down_sync(unsigned int, T v, int delta) {
    static_assert(std::is_trivially_copyable<T>::value && sizeof(T) <= 8, "shuffles move up to 8 bytes");
    T r = v;
    ::jg::emu::warp_exchange(&v, &r, sizeof(T), static_cast<int>(threadIdx.x & 31) + delta);
    return r;
}

// Fibers never run at the same time, so plain read-modify-writes are atomic here.
inline float atomicAdd(float* a, float v) { float old = *a; *a = old + v; return old; }
inline double atomicAdd(double* a, double v) { double old = *a; *a = old + v; return old; }
inline unsigned long long atomicAdd(unsigned long long* a, unsigned long long v) { unsigned long long old = *a; *a = old + v; return old; }
inline unsigned long long atomicCAS(unsigned long long* a, unsigned long long cmp, unsigned long long v) {
    unsigned long long old = *a;
    if (old == cmp) *a = v;
    return old;
}

// device-side min/max over 64-bit integers and the math functions kernels call unqualified
using std::isinf;
using std::isnan;
using std::max;
using std::min;
