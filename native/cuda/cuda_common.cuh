// Shared by the CUDA translation units: CUDA errors as jgrad statuses, device selection, launches.
//
// The same sources also build for the host emulation (-DJGRAD_CUDA=EMULATE, emulation/): there
// cuda_runtime.h is emulation/cuda_emulation.h and JG_LAUNCH runs the grid on CPU fibers.
#pragma once
#if defined(JGRAD_CUDA_EMULATION)
#include "emulation/cuda_emulation.h"
#else
#include <cuda_runtime.h>
#endif

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/backend.h"
#include "core/common.h"
#include "ops/fastdiv.h"

namespace jg {
namespace cuda {

// The one place a CUDA error becomes a status: it also clears the thread's last error, so that a
// failed runtime call (a copy, a device switch) is not reported again by the next healthy launch's
// cudaGetLastError. (A sticky error, such as an illegal address, stays: the context is lost.)
inline int cuda_fail(const char* op, cudaError_t e) {
    cudaGetLastError();
    return fail(JG_ERR_CUDA, std::string(cudaGetErrorName(e)) + ": " + op + ": " + cudaGetErrorString(e));
}

// The error cudaGetDeviceCount gave, if any (cudaSuccess otherwise); set once, with the count.
inline cudaError_t& device_count_error() {
    static cudaError_t e = cudaSuccess;
    return e;
}

// Devices visible to the process, asked once (0 without a driver; device_count_error() says why).
inline int device_count() {
    static const int count = [] {
        int n = 0;
        cudaError_t e = cudaGetDeviceCount(&n);
        if (e != cudaSuccess) {
            cudaGetLastError();
            device_count_error() = e;
            n = 0;
        }
        return n;
    }();
    return count;
}

// Selects the device for this thread; a bad index is the caller's error. With a single device
// the thread's first call selects it and later calls skip cudaSetDevice (a few hundred ns each,
// twice per op); with several, every call selects, since other code on the thread may switch.
inline int use_device(const char* op, int device) {
    int count = device_count();
    if (device < 0 || device >= count) {
        return fail(JG_ERR_ARGUMENT, std::string(op) + ": cuda:" + std::to_string(device) + " does not exist; " +
                                         std::to_string(count) + " CUDA device(s) are available");
    }
    static thread_local bool selected = false;
    if (count == 1 && selected) return JG_OK;
    cudaError_t e = cudaSetDevice(device);
    if (e != cudaSuccess) return cuda_fail(op, e);
    selected = true;
    return JG_OK;
}

// kernel<<<grid, block>>>, written JG_LAUNCH(kernel, grid, block)(args...) so that the emulation
// build can run the same line. On a GPU, a launch that fails for want of device memory (the first
// launch of a kernel loads its module lazily, outside the caching allocator, which may be holding
// the memory) empties this device's cache and is tried once more.
#if defined(JGRAD_CUDA_EMULATION)
#define JG_LAUNCH(kernel, grid, block) ::jg::emu::launch(grid, block, [](auto&&... jg_args) { kernel(jg_args...); })
#else
template <class L> struct Launch {
    L launch;
    template <class... A> void operator()(const A&... a) const {
        launch(a...);
        if (cudaPeekAtLastError() != cudaErrorMemoryAllocation) return;
        cudaGetLastError();
        int device = 0;
        if (cudaGetDevice(&device) == cudaSuccess && empty_cache(device) == JG_OK) launch(a...);
    }
};
template <class L> Launch<L> retrying(L launch) { return Launch<L>{launch}; }
#define JG_LAUNCH(kernel, grid, block) \
    ::jg::cuda::retrying([&](const auto&... jg_args) { kernel<<<grid, block>>>(jg_args...); })
#endif

// Threads per block for every kernel, and a grid for n elements handled by grid-stride loops.
constexpr int kBlock = 256;
inline int grid_for(int64_t n) {
    int64_t b = (n + kBlock - 1) / kBlock;
    return static_cast<int>(b < 1 ? 1 : (b > (1 << 20) ? (1 << 20) : b));
}

// N elements of T moved as one aligned access (N * sizeof(T) == 16 for the widest operand).
template <class T, int N> struct alignas(sizeof(T) * N) Vec {
    T v[N];
};

// Elements per thread so that the widest operand moves 16 bytes at a time.
template <class... Ts> constexpr int kVecWidth = static_cast<int>(16 / std::max({sizeof(Ts)...}));

inline bool aligned_to(int64_t address, int64_t bytes) { return address % bytes == 0; }

// ---- index arithmetic of the strided kernels ----
// A geometry comes in two widths: 64-bit, and 32-bit with each dim's division a multiply-high
// (ops/fastdiv.h), used wherever the element count and every offset fit in 31 bits.
//
// divmod returns i % d and leaves i / d in i, for either kind of dim.
__device__ __forceinline__ int64_t divmod(int64_t d, int64_t& i) {
    const int64_t q = i / d, r = i - q * d;
    i = q;
    return r;
}
__device__ __forceinline__ uint32_t divmod(const ops::FastDiv& d, uint32_t& i) {
    const uint32_t q = d.div(i), r = i - q * d.d;
    i = q;
    return r;
}

// Sets a dim of either kind of geometry to size n.
inline void set_dim(int64_t& d, int64_t n) { d = n; }
inline void set_dim(ops::FastDiv& d, int64_t n) { d = ops::FastDiv(static_cast<uint32_t>(n)); }

// JGRAD_CUDA_WIDE_INDEX=1 makes every kernel take its 64-bit index path, so that tests reach it at
// small sizes.
inline bool wide_index_forced() {
    static const bool wide = [] {
        const char* e = std::getenv("JGRAD_CUDA_WIDE_INDEX");
        return e != nullptr && e[0] == '1';
    }();
    return wide;
}

// Whether the offsets of a tensor of these sizes and strides, summed over its dims, stay below
// 2^31 (never with JGRAD_CUDA_WIDE_INDEX=1).
inline bool fits32(int ndim, const int64_t* sizes, const int64_t* strides) {
    if (wide_index_forced()) return false;
    int64_t extent = 0;
    for (int d = 0; d < ndim; ++d) {
        if (sizes[d] <= 1) continue;
        const int64_t step = strides[d] < 0 ? -strides[d] : strides[d];
        if (step > INT32_MAX) return false;
        extent += (sizes[d] - 1) * step;
        if (extent > INT32_MAX) return false;
    }
    return true;
}

// Division of the flat indices below n by a divisor fixed at launch: FastDiv's multiply-high where
// n fits in 31 bits, else a 64-bit division. The choice is the same for every thread of a launch,
// so the branch costs nothing.
struct FlatDiv {
    ops::FastDiv fast;
    int64_t d = 1;
    bool narrow = false;
    FlatDiv(int64_t n, int64_t divisor) : d(divisor < 1 ? 1 : divisor) {
        narrow = n <= INT32_MAX && d <= INT32_MAX && !wide_index_forced();
        if (narrow) fast = ops::FastDiv(static_cast<uint32_t>(d));
    }
    __device__ __forceinline__ int64_t div(int64_t k) const { return narrow ? int64_t(fast.div(static_cast<uint32_t>(k))) : k / d; }
    // k % d, leaving k / d in k
    __device__ __forceinline__ int64_t divmod(int64_t& k) const {
        const int64_t q = div(k), r = k - q * d;
        k = q;
        return r;
    }
};

// Launch blocking (Cuda.setLaunchBlocking, or JGRAD_CUDA_LAUNCH_BLOCKING=1 in the environment):
// every launch waits for its kernel and reports what it found, at the op that queued it.
bool launch_blocking();
// jg_cuda_set_deterministic's setting (on unless turned off).
bool deterministic();
int sync_after_launch(const char* op);

// After a launch: a configuration or earlier asynchronous error becomes a status.
inline int check_launch(const char* op) {
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) return cuda_fail(op, e);
    return launch_blocking() ? sync_after_launch(op) : JG_OK;
}

// ---- checks made by kernels, reported without a synchronisation ----
// A kernel that finds a bad input (an index out of range) skips that element and records the
// first such finding of its device here. The host reads the record at its next synchronisation
// (a copy to the host, synchronize), where it becomes an error naming the op and the values, so
// checking never stalls the queue and a bad index never touches memory it should not.
enum FaultOp : int { kFaultGather = 1, kFaultScatterAdd = 2, kFaultCrossEntropy = 3, kFaultNllLoss = 4, kFaultProbability = 5,
                     kFaultIndexSelect = 6, kFaultIndexAdd = 7 };
struct DeviceFault {
    unsigned long long set;  // 0 until the first finding
    int op;                  // a FaultOp
    int dim;
    long long value;         // the bad index or target, or the bits of a bad double
    long long size;          // the size it had to fit
};

__device__ __forceinline__ void report_fault(DeviceFault* f, int op, int dim, int64_t value, int64_t size) {
    if (atomicCAS(&f->set, 0ull, 1ull) == 0ull) {
        f->op = op;
        f->dim = dim;
        f->value = value;
        f->size = size;
    }
}

// The device's record for a kernel about to be queued (allocated on first use); marks it to be
// read at the next synchronisation. Null with the error set when it cannot be allocated.
DeviceFault* fault_record(const char* op, int device);

// Scratch memory from the caching allocator, returned when the scope ends. All work runs on the
// device's default stream, so the block cannot be reused before the kernels queued on it ran.
struct Scratch {
    int device;
    int64_t bytes;
    int64_t addr;
    Scratch(int d, int64_t n) : device(d), bytes(n), addr(alloc(d, n)) {}
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    ~Scratch() {
        if (addr != 0) cuda::free(device, addr, bytes);
    }
};

}  // namespace cuda
}  // namespace jg
