// Device queries, the caching allocator and host<->device copies.
//
// The allocator keeps freed blocks per device and size class (block_cache.h: powers of two from
// 512 bytes up to 1 MiB, then multiples of 2 MiB) and hands them out again: cudaMalloc/cudaFree synchronise the device and
// cost far more than a kernel. All work runs on the device's default stream, so a block freed by
// the host can be reused by the next kernel without an event: stream order keeps them apart.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#if defined(JGRAD_CUDA_EMULATION) && defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif
#include <cstring>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "core/block_cache.h"
#include "cuda_common.cuh"

namespace jg {
namespace cuda {
namespace {

std::mutex g_mu;
BlockCache& cache(int device) {
    static auto* caches = new std::unordered_map<int, BlockCache>();  // never destroyed: frees may come at exit
    std::lock_guard<std::mutex> g(g_mu);
    return (*caches)[device];
}

int64_t cls_of(int64_t n) { return size_class(n, 512, int64_t(2) << 20); }

void release_cached(int device) {
    for (void* p : cache(device).drain()) cudaFree(p);
}

thread_local std::string g_name;

// In the emulation under AddressSanitizer, the slack between the size asked for and the block's
// size class is poisoned, so a kernel that reads past its tensor is caught.
#if defined(JGRAD_CUDA_EMULATION) && defined(__SANITIZE_ADDRESS__)
void poison_slack(void* p, int64_t nbytes, int64_t cls) {
    __asan_unpoison_memory_region(p, static_cast<size_t>(cls));
    __asan_poison_memory_region(static_cast<char*>(p) + nbytes, static_cast<size_t>(cls - nbytes));
}
void unpoison(void* p, int64_t cls) { __asan_unpoison_memory_region(p, static_cast<size_t>(cls)); }
#else
void poison_slack(void*, int64_t, int64_t) {}
void unpoison(void*, int64_t) {}
#endif

// Each device's fault record (cuda_common.cuh): in device memory, with a pinned host copy that a
// synchronising call fills on its way. A read takes the record on the device, in stream order (a
// one-thread kernel moves it to a staging record and clears it), so a finding of a kernel queued
// by another host thread is either in what this read takes or left for the next read, never
// erased unseen. Reads are one at a time per device (read_mu, held from fault_read_begin to
// fault_read_end); launches only take mu, briefly. A finding goes to the first call that waits for
// the device after the kernel that made it, on whichever host thread that call runs.
constexpr int kMaxDevices = 64;
struct FaultSlot {
    std::mutex mu;       // allocation of the record
    std::mutex read_mu;  // one read at a time: staging, host and copied
    std::atomic<bool> pending{false};  // a checking kernel was queued since the last read
    DeviceFault* dev = nullptr;
    DeviceFault* staging = nullptr;  // device memory, next to dev
    DeviceFault* host = nullptr;
    bool pinned = false;  // host is page-locked, so its copy can be queued ahead of the wait
    bool copied = false;  // this read's copy to host was queued
};
FaultSlot& fault_slot(int device) {
    static auto* slots = new FaultSlot[kMaxDevices];  // never destroyed, like the caches
    return slots[device];
}

__global__ void take_fault_kernel(DeviceFault* record, DeviceFault* taken) {
    *taken = *record;
    record->set = 0;
}

// Before a call that waits for the device: if the record may have changed, takes it (queued) and
// queues its copy to the host. True when fault_read_end must finish the read (read_mu is held).
bool fault_read_begin(int device) {
    if (device < 0 || device >= kMaxDevices) return false;
    FaultSlot& s = fault_slot(device);
    if (!s.pending.load()) return false;
    s.read_mu.lock();
    if (!s.pending.exchange(false)) {
        s.read_mu.unlock();
        return false;
    }
    JG_LAUNCH(take_fault_kernel, 1, 1)(s.dev, s.staging);
    if (cudaGetLastError() != cudaSuccess) {
        s.pending = true;  // the record stays on the device: try again at the next read
        s.read_mu.unlock();
        return false;
    }
    s.copied = s.pinned && cudaMemcpyAsync(s.host, s.staging, sizeof(DeviceFault), cudaMemcpyDeviceToHost) == cudaSuccess;
    if (!s.copied) cudaGetLastError();
    return true;
}

std::string fault_text(const DeviceFault& f, int device) {
    const std::string v = std::to_string(f.value), n = std::to_string(f.size), last = std::to_string(f.size - 1);
    std::string text;
    switch (f.op) {
        case kFaultGather:
        case kFaultScatterAdd:
        case kFaultIndexSelect:
        case kFaultIndexAdd:
            text = std::string(f.op == kFaultGather ? "gather" : f.op == kFaultScatterAdd ? "scatter_add" : f.op == kFaultIndexSelect ? "indexSelect" : "indexAdd") + ": index " + v + " is out of bounds for dimension " +
                   std::to_string(f.dim) + " with size " + n + "; valid indices are " + std::to_string(-f.size) + ".." + last;
            break;
        case kFaultCrossEntropy:
        case kFaultNllLoss:
            text = std::string(f.op == kFaultCrossEntropy ? "crossEntropy" : "nllLoss") + ": target " + v + " is out of range for " + n +
                   " classes; targets must be in 0.." + last;
            break;
        case kFaultProbability: {
            double p;
            std::memcpy(&p, &f.value, sizeof p);
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.9g", p);
            text = std::string("binaryCrossEntropy: all elements of input must be probabilities in [0, 1], found ") + buf +
                   "; apply sigmoid() to scores first";
            break;
        }
        default: text = "a kernel reported fault " + std::to_string(f.op);
    }
    return text + " (found on cuda:" + std::to_string(device) +
           " by a kernel queued before this synchronisation, which skipped the bad elements; Cuda.setLaunchBlocking(true) "
           "reports it at the op itself)";
}

// After the call waited (status st): the record's finding, if any, becomes the error.
int fault_read_end(int device, bool queued, int st) {
    if (!queued) return st;
    FaultSlot& s = fault_slot(device);
    std::unique_lock<std::mutex> reading(s.read_mu, std::adopt_lock);
    cudaError_t e = cudaDeviceSynchronize();  // a no-op after a call that waited
    if (e == cudaSuccess && !s.copied) e = cudaMemcpy(s.host, s.staging, sizeof(DeviceFault), cudaMemcpyDeviceToHost);
    if (e != cudaSuccess) {  // the status says what failed
        cudaGetLastError();
        return st;
    }
    const DeviceFault f = *s.host;
    s.host->set = 0;
    reading.unlock();
    if (f.set == 0) return st;
    return st != JG_OK ? st : fail(JG_ERR_ARGUMENT, fault_text(f, device));
}

std::atomic<bool> g_launch_blocking{[] {
    const char* e = std::getenv("JGRAD_CUDA_LAUNCH_BLOCKING");
    return e != nullptr && e[0] == '1';
}()};

}  // namespace

bool launch_blocking() { return g_launch_blocking.load(std::memory_order_relaxed); }

namespace {
std::atomic<bool> g_deterministic{true};
}  // namespace

bool deterministic() { return g_deterministic.load(std::memory_order_relaxed); }

int sync_after_launch(const char* op) {
    int device = 0;
    cudaError_t e = cudaGetDevice(&device);
    if (e != cudaSuccess) return cuda_fail(op, e);
    const bool queued = fault_read_begin(device);
    e = cudaDeviceSynchronize();
    return fault_read_end(device, queued, e == cudaSuccess ? JG_OK : cuda_fail(op, e));
}

DeviceFault* fault_record(const char* op, int device) {
    if (device < 0 || device >= kMaxDevices) {
        fail(JG_ERR_ARGUMENT, std::string(op) + ": device index " + std::to_string(device) + " is too large");
        return nullptr;
    }
    FaultSlot& s = fault_slot(device);
    std::lock_guard<std::mutex> g(s.mu);
    if (s.dev == nullptr) {
        void* d = nullptr;
        cudaError_t e = cudaMalloc(&d, 2 * sizeof(DeviceFault));  // the record, then its staging copy
        if (e == cudaSuccess) e = cudaMemsetAsync(d, 0, 2 * sizeof(DeviceFault));
        if (e != cudaSuccess) {
            cudaGetLastError();
            if (d != nullptr) cudaFree(d);
            cuda_fail(op, e);
            return nullptr;
        }
        void* h = nullptr;
        s.pinned = cudaMallocHost(&h, sizeof(DeviceFault)) == cudaSuccess;
        if (!s.pinned) {  // no page-locked memory here: read the record with a plain copy after the wait
            cudaGetLastError();
            h = new DeviceFault();
        }
        std::memset(h, 0, sizeof(DeviceFault));
        s.dev = static_cast<DeviceFault*>(d);
        s.staging = s.dev + 1;
        s.host = static_cast<DeviceFault*>(h);
    }
    s.pending = true;
    return s.dev;
}

int64_t alloc(int device, int64_t nbytes) {
    if (nbytes < 0) {
        set_error("cuda alloc: negative size " + std::to_string(nbytes));
        return 0;
    }
    if (use_device("cuda alloc", device) != JG_OK) return 0;
    int64_t cls = cls_of(nbytes);
    if (void* p = cache(device).take(cls)) {
        poison_slack(p, nbytes, cls);
        return reinterpret_cast<int64_t>(p);
    }
    void* p = nullptr;
    cudaError_t e = cudaMalloc(&p, static_cast<size_t>(cls));
    if (e == cudaErrorMemoryAllocation) {
        cudaGetLastError();
        release_cached(device);  // free the cache and retry once
        e = cudaMalloc(&p, static_cast<size_t>(cls));
    }
    if (e != cudaSuccess) {
        cudaGetLastError();
        size_t f = 0, t = 0;
        cudaMemGetInfo(&f, &t);
        set_error(std::string(cudaGetErrorName(e)) + ": CUDA out of memory: tried to allocate " + std::to_string(nbytes) +
                  " bytes on cuda:" + std::to_string(device) + "; " + std::to_string(f) + " bytes free of " + std::to_string(t));
        return 0;
    }
    cache(device).added(cls);
    poison_slack(p, nbytes, cls);
    return reinterpret_cast<int64_t>(p);
}

int free(int device, int64_t address, int64_t nbytes) {
    if (address == 0) return JG_OK;
    // no cache limit on the device: blocks go back to the driver only through emptyCache or OOM
    unpoison(reinterpret_cast<void*>(address), cls_of(nbytes));
    cache(device).give(reinterpret_cast<void*>(address), cls_of(nbytes), INT64_MAX);
    return JG_OK;
}

int memory_stats(int device, int64_t* stats) {
    cache(device).stats(stats);
    return JG_OK;
}

int empty_cache(int device) {
    int st = use_device("empty_cache", device);
    if (st != JG_OK) return st;
    release_cached(device);
    return JG_OK;
}

// Large copies between (pageable) host memory and a device go through two page-locked staging
// buffers of that device, in turns: the host moves one chunk in or out of one buffer while the
// other is on the bus, where cudaMemcpy from pageable memory would stage through the driver's
// buffers one at a time. Copies under kStageMin, and every copy where page-locked memory cannot be
// had, are plain cudaMemcpy calls. JGRAD_CUDA_NO_STAGING=1 turns staging off (for measuring it).
namespace {

constexpr size_t kStageChunk = size_t(4) << 20;
constexpr size_t kStageMin = size_t(1) << 20;

struct Staging {
    std::mutex mu;  // one staged copy at a time per device
    bool tried = false;
    char* buf[2] = {nullptr, nullptr};
    cudaEvent_t done[2] = {nullptr, nullptr};  // the last copy out of / into each buffer
};

Staging& staging(int device) {
    static auto* s = new Staging[kMaxDevices];  // never destroyed, like the caches
    return s[device];
}

// Allocates the buffers and events on first use (device current); false where they cannot be had.
bool staging_ready(Staging& s) {
    static const bool off = [] {
        const char* e = std::getenv("JGRAD_CUDA_NO_STAGING");
        return e != nullptr && e[0] == '1';
    }();
    if (off) return false;
    if (!s.tried) {
        s.tried = true;
        bool ok = true;
        for (int b = 0; b < 2 && ok; ++b) {
            void* p = nullptr;
            ok = cudaMallocHost(&p, kStageChunk) == cudaSuccess && cudaEventCreateWithFlags(&s.done[b], cudaEventDisableTiming) == cudaSuccess;
            s.buf[b] = static_cast<char*>(p);
        }
        if (!ok) {
            cudaGetLastError();
            for (int b = 0; b < 2; ++b) {
                if (s.buf[b] != nullptr) cudaFreeHost(s.buf[b]);
                if (s.done[b] != nullptr) cudaEventDestroy(s.done[b]);
                s.buf[b] = nullptr;
                s.done[b] = nullptr;
            }
        }
    }
    return s.buf[0] != nullptr && s.buf[1] != nullptr;
}

// Host to device: chunk i is copied into buffer i % 2 once that buffer's last transfer finished.
cudaError_t staged_to_device(Staging& s, char* d, const char* h, size_t n) {
    for (size_t off = 0, i = 0; off < n; off += kStageChunk, ++i) {
        const int b = static_cast<int>(i & 1);
        const size_t len = std::min(kStageChunk, n - off);
        cudaError_t e = cudaEventSynchronize(s.done[b]);
        if (e != cudaSuccess) return e;
        std::memcpy(s.buf[b], h + off, len);
        if ((e = cudaMemcpyAsync(d + off, s.buf[b], len, cudaMemcpyHostToDevice)) != cudaSuccess) return e;
        if ((e = cudaEventRecord(s.done[b])) != cudaSuccess) return e;
    }
    return cudaSuccess;
}

// Device to host: chunk i + 1 is queued before chunk i is copied out of its buffer.
cudaError_t staged_to_host(Staging& s, char* h, const char* d, size_t n) {
    const size_t chunks = (n + kStageChunk - 1) / kStageChunk;
    auto queue = [&](size_t i) {
        const int b = static_cast<int>(i & 1);
        const size_t off = i * kStageChunk, len = std::min(kStageChunk, n - off);
        cudaError_t e = cudaMemcpyAsync(s.buf[b], d + off, len, cudaMemcpyDeviceToHost);
        return e == cudaSuccess ? cudaEventRecord(s.done[b]) : e;
    };
    cudaError_t e = queue(0);
    for (size_t i = 0; i < chunks && e == cudaSuccess; ++i) {
        if (i + 1 < chunks && (e = queue(i + 1)) != cudaSuccess) break;
        const int b = static_cast<int>(i & 1);
        if ((e = cudaEventSynchronize(s.done[b])) != cudaSuccess) break;
        const size_t off = i * kStageChunk;
        std::memcpy(h + off, s.buf[b], std::min(kStageChunk, n - off));
    }
    return e;
}

}  // namespace

// One CUDA side at least (core/route.cpp copies host to host itself).
int copy_bytes(int dst_device, int64_t dst, int src_device, int64_t src, int64_t nbytes) {
    void* d = reinterpret_cast<void*>(dst);
    const void* sp = reinterpret_cast<const void*>(src);
    const size_t n = static_cast<size_t>(nbytes);
    if (src_device == JG_CPU) {
        int st = use_device("copy to device", dst_device);
        if (st != JG_OK || n == 0) return st;
        cudaError_t e;
        Staging& s = staging(dst_device);
        std::unique_lock<std::mutex> lock(s.mu, std::defer_lock);
        if (n >= kStageMin && (lock.lock(), staging_ready(s)))
            e = staged_to_device(s, static_cast<char*>(d), static_cast<const char*>(sp), n);
        else
            e = cudaMemcpy(d, sp, n, cudaMemcpyHostToDevice);
        return e == cudaSuccess ? JG_OK : cuda_fail("copy to device", e);
    }
    if (dst_device == JG_CPU) {
        int st = use_device("copy to host", src_device);
        if (st != JG_OK || n == 0) return st;
        Staging& s = staging(src_device);
        std::unique_lock<std::mutex> lock(s.mu, std::defer_lock);
        const bool staged = n >= kStageMin && (lock.lock(), staging_ready(s));
        const bool queued = fault_read_begin(src_device);
        cudaError_t e = staged ? staged_to_host(s, static_cast<char*>(d), static_cast<const char*>(sp), n)
                               : cudaMemcpy(d, sp, n, cudaMemcpyDeviceToHost);
        return fault_read_end(src_device, queued, e == cudaSuccess ? JG_OK : cuda_fail("copy to host", e));
    }
    int st = use_device("copy between devices", src_device);
    if (st != JG_OK || (st = use_device("copy between devices", dst_device)) != JG_OK || n == 0) return st;
    cudaError_t e = dst_device == src_device ? cudaMemcpyAsync(d, sp, n, cudaMemcpyDeviceToDevice)
                                             : cudaMemcpyPeer(d, dst_device, sp, src_device, n);
    return e == cudaSuccess ? JG_OK : cuda_fail("copy between devices", e);
}

}  // namespace cuda
}  // namespace jg

using namespace jg;
using namespace jg::cuda;

extern "C" {

int jg_cuda_compiled(void) { return 1; }

#if defined(JGRAD_CUDA_EMULATION)
int jg_cuda_emulated(void) { return 1; }

int jg_cuda_emulated_gemm(int device, int dtype, int64_t count, int64_t m, int64_t n, int64_t k, int64_t a, int64_t a_rs, int64_t a_cs,
                          int64_t a_bs, int64_t b, int64_t b_rs, int64_t b_cs, int64_t b_bs, int64_t c) {
    int st = use_device("emulated_gemm", device);
    if (st != JG_OK) return st;
    auto run = [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
        const T* pa = reinterpret_cast<const T*>(a);
        const T* pb = reinterpret_cast<const T*>(b);
        T* pc = reinterpret_cast<T*>(c);
        for (int64_t i = 0; i < count; ++i)
            for (int64_t r = 0; r < m; ++r)
                for (int64_t q = 0; q < n; ++q) {
                    double s = 0;
                    for (int64_t p = 0; p < k; ++p)
                        s += static_cast<double>(pa[i * a_bs + r * a_rs + p * a_cs]) * static_cast<double>(pb[i * b_bs + p * b_rs + q * b_cs]);
                    pc[i * m * n + r * n + q] = static_cast<T>(s);
                }
        return JG_OK;
    };
    switch (dtype) {
        case JG_FLOAT32: return run(static_cast<float*>(nullptr));
        case JG_FLOAT64: return run(static_cast<double*>(nullptr));
        default: return fail(JG_ERR_ARGUMENT, "emulated_gemm: needs float32 or float64");
    }
}
#else
int jg_cuda_emulated(void) { return 0; }

int jg_cuda_emulated_gemm(int, int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                          int64_t, int64_t) {
    return fail(JG_ERR_UNSUPPORTED, "emulated_gemm: this is a real CUDA build; matrix products go through cuBLAS");
}
#endif

int jg_cuda_device_count(void) { return device_count(); }

const char* jg_cuda_init_error(void) {
    static std::string text;
    device_count();
    const cudaError_t e = device_count_error();
    if (e == cudaSuccess) return "";
    int driver = 0, runtime = 0;
    if (cudaDriverGetVersion(&driver) != cudaSuccess) driver = 0;
    if (cudaRuntimeGetVersion(&runtime) != cudaSuccess) runtime = 0;
    cudaGetLastError();
    auto version = [](int v) { return v == 0 ? std::string("none") : std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); };
    text = std::string(cudaGetErrorName(e)) + " (" + cudaGetErrorString(e) + "); the driver supports CUDA " + version(driver) +
           ", jgrad's runtime is CUDA " + version(runtime);
    return text.c_str();
}

const char* jg_cuda_device_name(int device) {
    g_name.clear();
    if (use_device("device_name", device) != JG_OK) return g_name.c_str();
    cudaDeviceProp prop;
    cudaError_t e = cudaGetDeviceProperties(&prop, device);
    if (e != cudaSuccess) {
        cuda_fail("device_name", e);
        return g_name.c_str();
    }
    g_name = prop.name;
    return g_name.c_str();
}

int jg_cuda_mem_info(int device, int64_t* free_total) {
    int st = use_device("mem_info", device);
    if (st != JG_OK) return st;
    size_t f = 0, t = 0;
    cudaError_t e = cudaMemGetInfo(&f, &t);
    if (e != cudaSuccess) return cuda_fail("mem_info", e);
    free_total[0] = static_cast<int64_t>(f);
    free_total[1] = static_cast<int64_t>(t);
    return JG_OK;
}

int jg_cuda_set_device(int device) { return use_device("set_device", device); }

int jg_cuda_synchronize(int device) {
    int st = use_device("synchronize", device);
    if (st != JG_OK) return st;
    const bool queued = fault_read_begin(device);
    cudaError_t e = cudaDeviceSynchronize();
    return fault_read_end(device, queued, e == cudaSuccess ? JG_OK : cuda_fail("synchronize", e));
}

int jg_cuda_set_launch_blocking(int on) {
    g_launch_blocking = on != 0;
    return JG_OK;
}

int jg_cuda_launch_blocking(void) { return launch_blocking() ? 1 : 0; }

int jg_cuda_set_deterministic(int on) {
    jg::cuda::g_deterministic = on != 0;
    return JG_OK;
}

int jg_cuda_deterministic(void) { return jg::cuda::deterministic() ? 1 : 0; }

}
