// The host emulation's runtime: fibers for CUDA threads, barriers, and device memory as host
// memory (see cuda_emulation.h for the model and its limits).
#include "cuda_emulation.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define JG_EMU_ASAN 1
#else
#define JG_EMU_ASAN 0
#endif

// The fiber switch: pushes the callee-saved registers, stores the stack pointer in *from, loads
// `to` and pops the registers saved there. Unlike swapcontext it makes no system call (it leaves
// the signal mask alone), which makes a switch about a hundred times cheaper. x86-64 System V.
extern "C" void jg_emu_switch(void** from, void* to);
asm(R"(
    .text
    .p2align 4
    .globl jg_emu_switch
    .hidden jg_emu_switch
    .type jg_emu_switch, @function
jg_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size jg_emu_switch, .-jg_emu_switch
)");

namespace jg {
namespace emu {

thread_local uint3 t_thread{0, 0, 0};
thread_local uint3 t_block{0, 0, 0};
thread_local dim3 t_block_dim;
thread_local dim3 t_grid_dim;

namespace {

thread_local cudaError_t t_last_error = cudaSuccess;
thread_local int t_device = 0;

enum State { kRun, kBlockWait, kWarpWait, kDone };
constexpr size_t kStackBytes = 128 * 1024;

// The fibers of the block now running on this thread.
struct Block {
    void* main_sp = nullptr;
    std::vector<void*> sp;  // saved stack pointer of each fiber
    std::vector<State> state;
    std::vector<char*> stacks;  // kept between launches
    std::vector<unsigned char> slots;  // 8 bytes per thread for warp exchanges
    int n = 0, cur = -1;
    const std::function<void()>* body = nullptr;
    // AddressSanitizer's view of the stack switches
    const void* main_bottom = nullptr;
    size_t main_size = 0;
    void* fake_stack = nullptr;
    ~Block() {
        for (char* p : stacks) std::free(p);
    }
};
thread_local Block* t_blk = nullptr;
// Set when a thread of the launch reached a barrier. A launch whose first block had none runs its
// other blocks' threads as plain calls (fast); a barrier reached there after all is an error.
thread_local bool t_barrier_seen = false;
thread_local bool t_direct = false;
thread_local bool t_direct_violation = false;

Block& this_thread_block() {
    static thread_local Block b;
    return b;
}

void enter_fiber(Block& b, int i) {
#if JG_EMU_ASAN
    __sanitizer_start_switch_fiber(&b.fake_stack, b.stacks[i], kStackBytes);
#endif
    jg_emu_switch(&b.main_sp, b.sp[i]);
#if JG_EMU_ASAN
    __sanitizer_finish_switch_fiber(b.fake_stack, nullptr, nullptr);
#endif
}

// Called on the fiber: back to the scheduler until it runs this fiber again.
void leave_fiber(Block& b, State st) {
    t_barrier_seen = true;
    const int me = b.cur;
    b.state[me] = st;
#if JG_EMU_ASAN
    void* fake = nullptr;
    __sanitizer_start_switch_fiber(&fake, b.main_bottom, b.main_size);
#endif
    jg_emu_switch(&b.sp[me], b.main_sp);
#if JG_EMU_ASAN
    __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
}

[[noreturn]] void fiber_main() {
    Block& b = *t_blk;
#if JG_EMU_ASAN
    __sanitizer_finish_switch_fiber(nullptr, &b.main_bottom, &b.main_size);
#endif
    (*b.body)();
    b.state[b.cur] = kDone;
#if JG_EMU_ASAN
    __sanitizer_start_switch_fiber(nullptr, b.main_bottom, b.main_size);
#endif
    jg_emu_switch(&b.sp[b.cur], b.main_sp);  // never resumed
    __builtin_unreachable();
}

// A fresh fiber's stack: six zero registers for jg_emu_switch to pop, then fiber_main as the return
// address, then an empty slot so that fiber_main starts with the stack aligned as after a call.
void* fresh_stack(char* base) {
    uintptr_t top = (reinterpret_cast<uintptr_t>(base) + kStackBytes) & ~uintptr_t(15);
    void** p = reinterpret_cast<void**>(top);
    *--p = nullptr;
    *--p = reinterpret_cast<void*>(&fiber_main);
    for (int r = 0; r < 6; ++r) *--p = nullptr;
    return p;
}

void set_thread_index(int i) {
    const unsigned bx = t_block_dim.x, by = t_block_dim.y;
    t_thread = uint3{i % bx, (i / bx) % by, i / (bx * by)};
}

// Runs one block to completion; false if its threads deadlocked at a barrier.
bool run_block(Block& b, int n) {
    b.n = n;
    b.sp.resize(n);
    b.state.assign(n, kRun);
    b.slots.assign(static_cast<size_t>(n) * 8, 0);
    while (static_cast<int>(b.stacks.size()) < n) b.stacks.push_back(static_cast<char*>(std::malloc(kStackBytes)));
    for (int i = 0; i < n; ++i) b.sp[i] = fresh_stack(b.stacks[i]);
    // Alternate launches run the fibers in ascending and descending order, so that shared memory
    // read before a barrier that should have come first gives a wrong result in one of the two.
    static thread_local unsigned launches = 0;
    const bool descending = (launches++ & 1) != 0;
    int done = 0;
    for (;;) {
        bool ran = false;
        for (int j = 0; j < n; ++j) {
            const int i = descending ? n - 1 - j : j;
            if (b.state[i] != kRun) continue;
            ran = true;
            b.cur = i;
            set_thread_index(i);
            enter_fiber(b, i);
            if (b.state[i] == kDone) ++done;
        }
        if (done == n) return true;
        // release a barrier that every live thread it needs has reached
        bool released = false;
        int live = 0, at_block = 0;
        for (int i = 0; i < n; ++i) {
            live += b.state[i] != kDone;
            at_block += b.state[i] == kBlockWait;
        }
        if (at_block == live) {
            for (int i = 0; i < n; ++i)
                if (b.state[i] == kBlockWait) b.state[i] = kRun;
            released = true;
        } else {
            for (int w = 0; w < n; w += 32) {
                int wl = 0, ww = 0;
                for (int i = w; i < std::min(n, w + 32); ++i) {
                    wl += b.state[i] != kDone;
                    ww += b.state[i] == kWarpWait;
                }
                if (ww > 0 && ww == wl) {
                    for (int i = w; i < std::min(n, w + 32); ++i)
                        if (b.state[i] == kWarpWait) b.state[i] = kRun;
                    released = true;
                }
            }
        }
        if (!ran && !released) return false;  // the live threads wait at barriers the others never reach
    }
}

// Emulated device memory: host allocations, counted against a fixed capacity per device.
constexpr size_t kCapacity = size_t(4) << 30;
std::mutex g_mem_mu;
struct Allocation {
    size_t bytes;
    int device;
};
std::unordered_map<void*, Allocation>& live_blocks() {
    static auto* m = new std::unordered_map<void*, Allocation>();
    return *m;
}
size_t g_used[8] = {0};

int emulated_devices() {
    const char* e = std::getenv("JGRAD_EMULATED_DEVICES");
    int n = e ? std::atoi(e) : 2;
    return n < 0 ? 0 : (n > 8 ? 8 : n);
}

cudaError_t set_error(cudaError_t e) {
    if (e != cudaSuccess) t_last_error = e;
    return e;
}

}  // namespace

void run_grid(dim3 grid, dim3 block, const std::function<void()>& body) {
    const uint64_t threads = uint64_t(block.x) * block.y * block.z;
    if (grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.x > 2147483647u || grid.y > 65535 || grid.z > 65535 || threads == 0 ||
        threads > 1024) {
        set_error(cudaErrorInvalidConfiguration);
        return;
    }
    if (t_blk != nullptr) {  // a launch from inside a kernel
        set_error(cudaErrorLaunchFailure);
        return;
    }
    Block& b = this_thread_block();
    b.body = &body;
    t_blk = &b;
    t_grid_dim = grid;
    t_block_dim = block;
    t_barrier_seen = false;
    t_direct_violation = false;
    bool ok = true, first = true;
    // Alternate launches run the blocks in ascending and descending order: blocks have no order
    // on a GPU, so a kernel whose result depends on it gives different answers here.
    static thread_local unsigned grid_launches = 0;
    const bool reverse = (grid_launches++ & 1) != 0;
    const uint64_t blocks = uint64_t(grid.x) * grid.y * grid.z;
    for (uint64_t q = 0; q < blocks && ok; ++q) {
        const uint64_t l = reverse ? blocks - 1 - q : q;
        const unsigned x = static_cast<unsigned>(l % grid.x), y = static_cast<unsigned>((l / grid.x) % grid.y),
                       z = static_cast<unsigned>(l / (uint64_t(grid.x) * grid.y));
        t_block = uint3{x, y, z};
        if (first || t_barrier_seen) {
            ok = run_block(b, static_cast<int>(threads));
            first = false;
        } else {
            t_direct = true;
            for (int i = 0; i < static_cast<int>(threads) && !t_direct_violation; ++i) {
                set_thread_index(i);
                body();
            }
            t_direct = false;
            ok = !t_direct_violation;
        }
    }
    t_blk = nullptr;
    if (!ok) set_error(cudaErrorLaunchFailure);
}

void sync_block() {
    if (t_direct) t_direct_violation = true;
    else if (t_blk != nullptr) leave_fiber(*t_blk, kBlockWait);
}

void warp_exchange(const void* mine, void* theirs, size_t bytes, int src_lane) {
    Block* b = t_blk;
    if (t_direct) t_direct_violation = true;
    if (b == nullptr || t_direct) return;
    const int me = b->cur, warp0 = me & ~31;
    std::memcpy(&b->slots[static_cast<size_t>(me) * 8], mine, bytes);
    leave_fiber(*b, kWarpWait);
    const int src = warp0 + src_lane;
    if (src_lane < 32 && src < b->n) std::memcpy(theirs, &b->slots[static_cast<size_t>(src) * 8], bytes);
    leave_fiber(*b, kWarpWait);  // nobody overwrites a slot before the whole warp has read
}

}  // namespace emu
}  // namespace jg

using namespace jg::emu;

// JGRAD_EMULATED_OLD_DRIVER=1 plays a machine whose driver is too old for the runtime.
static bool old_driver() {
    const char* e = std::getenv("JGRAD_EMULATED_OLD_DRIVER");
    return e != nullptr && e[0] == '1';
}

cudaError_t cudaGetDeviceCount(int* count) {
    if (old_driver()) {
        *count = 0;
        return set_error(cudaErrorInsufficientDriver);
    }
    *count = emulated_devices();
    return cudaSuccess;
}

cudaError_t cudaDriverGetVersion(int* version) {
    *version = old_driver() ? 12040 : 13000;
    return cudaSuccess;
}

cudaError_t cudaRuntimeGetVersion(int* version) {
    *version = 13000;
    return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
    if (device < 0 || device >= emulated_devices()) return set_error(cudaErrorInvalidDevice);
    t_device = device;
    return cudaSuccess;
}

cudaError_t cudaGetDevice(int* device) {
    *device = t_device;
    return cudaSuccess;
}

cudaError_t cudaGetLastError() {
    cudaError_t e = t_last_error;
    t_last_error = cudaSuccess;
    return e;
}

const char* cudaGetErrorName(cudaError_t e) {
    switch (e) {
        case cudaSuccess: return "cudaSuccess";
        case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
        case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
        case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
        case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
        case cudaErrorInsufficientDriver: return "cudaErrorInsufficientDriver";
        case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
    }
    return "cudaErrorUnknown";
}

const char* cudaGetErrorString(cudaError_t e) {
    switch (e) {
        case cudaSuccess: return "no error";
        case cudaErrorInvalidValue: return "invalid argument";
        case cudaErrorMemoryAllocation: return "out of memory";
        case cudaErrorInvalidConfiguration: return "invalid configuration argument";
        case cudaErrorInvalidDevice: return "invalid device ordinal";
        case cudaErrorInsufficientDriver: return "CUDA driver version is insufficient for CUDA runtime version";
        case cudaErrorLaunchFailure:
            return "unspecified launch failure (emulation: threads of a block deadlocked at a barrier, or some blocks reached "
                   "barriers that the first block did not)";
    }
    return "unknown error";
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
    if (device < 0 || device >= emulated_devices()) return set_error(cudaErrorInvalidDevice);
    std::memset(prop, 0, sizeof *prop);
    std::snprintf(prop->name, sizeof prop->name, "jgrad CUDA emulation %d (host)", device);
    prop->totalGlobalMem = kCapacity;
    prop->multiProcessorCount = 1;
    return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t* free, size_t* total) {
    std::lock_guard<std::mutex> g(g_mem_mu);
    *total = kCapacity;
    *free = kCapacity - g_used[t_device];
    return cudaSuccess;
}

cudaError_t cudaMalloc(void** p, size_t bytes) {
    *p = nullptr;
    std::lock_guard<std::mutex> g(g_mem_mu);
    const size_t rounded = (bytes + 255) / 256 * 256;
    if (rounded > kCapacity - g_used[t_device]) return set_error(cudaErrorMemoryAllocation);
    void* q = std::aligned_alloc(256, rounded == 0 ? 256 : rounded);
    if (q == nullptr) return set_error(cudaErrorMemoryAllocation);
    live_blocks()[q] = Allocation{rounded, t_device};
    g_used[t_device] += rounded;
    *p = q;
    return cudaSuccess;
}

cudaError_t cudaFree(void* p) {
    if (p == nullptr) return cudaSuccess;
    std::lock_guard<std::mutex> g(g_mem_mu);
    auto it = live_blocks().find(p);
    if (it == live_blocks().end()) return set_error(cudaErrorInvalidValue);
    g_used[it->second.device] -= it->second.bytes;
    live_blocks().erase(it);
    std::free(p);
    return cudaSuccess;
}

cudaError_t cudaMallocHost(void** p, size_t bytes) {
    *p = nullptr;
    // JGRAD_EMULATED_NO_PINNED=1: a machine where page-locked memory cannot be had
    if (const char* e = std::getenv("JGRAD_EMULATED_NO_PINNED"); e != nullptr && e[0] == '1') return set_error(cudaErrorMemoryAllocation);
    *p = std::malloc(bytes == 0 ? 1 : bytes);
    return *p != nullptr ? cudaSuccess : set_error(cudaErrorMemoryAllocation);
}

cudaError_t cudaFreeHost(void* p) {
    std::free(p);
    return cudaSuccess;
}

struct EmulatedEvent {};
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* e, unsigned int) {
    *e = new EmulatedEvent();
    return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t e) { return e != nullptr ? cudaSuccess : set_error(cudaErrorInvalidValue); }
cudaError_t cudaEventSynchronize(cudaEvent_t e) { return e != nullptr ? cudaSuccess : set_error(cudaErrorInvalidValue); }
cudaError_t cudaEventDestroy(cudaEvent_t e) {
    delete e;
    return cudaSuccess;
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind) {
    if (bytes > 0) std::memmove(dst, src, bytes);
    return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) { return cudaMemcpy(dst, src, bytes, kind); }

cudaError_t cudaMemcpyPeer(void* dst, int dst_device, const void* src, int src_device, size_t bytes) {
    const int n = emulated_devices();
    if (dst_device < 0 || dst_device >= n || src_device < 0 || src_device >= n) return set_error(cudaErrorInvalidDevice);
    return cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice);
}

cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes) {
    if (bytes > 0) std::memset(p, value, bytes);
    return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
