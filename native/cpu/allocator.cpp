// CPU caching allocator. Fresh large buffers cost page faults on first touch (about 10 ms for
// 64 MiB), more than most kernels that fill them, so freed blocks are kept per size class and
// handed out again (core/block_cache.h): powers of two from 64 bytes up to 1 MiB, then multiples
// of 1 MiB.
#include <atomic>
#include <cstdlib>

#include "core/block_cache.h"
#include "parallel.h"

namespace jg {
namespace cpu {
namespace {

constexpr int64_t kAlign = 64;

BlockCache& cache() {
    static auto* c = new BlockCache();  // never destroyed: blocks may be freed during JVM shutdown
    return *c;
}

std::atomic<int64_t> g_limit{int64_t(2) << 30};
std::atomic<int64_t> g_memory_limit{0};  // bytes of blocks in use by tensors; 0: no limit

int64_t cls_of(int64_t n) { return size_class(n, kAlign, int64_t(1) << 20); }

}  // namespace

int64_t alloc(int64_t nbytes) {
    if (nbytes < 0) {
        set_error("alloc: negative size " + std::to_string(nbytes));
        return 0;
    }
    int64_t cls = cls_of(nbytes);
    const int64_t limit = g_memory_limit.load();
    if (limit > 0 && cache().allocated() + cls > limit) {
        empty_cache();
        int64_t stats[4];
        cache().stats(stats);
        set_error("alloc: out of memory: asked for " + std::to_string(nbytes) + " bytes on the CPU (a block of " + std::to_string(cls) +
                  "), with " + std::to_string(stats[0]) + " bytes in use by tensors, " + std::to_string(stats[3]) +
                  " cached, after emptying the cache; the limit is " + std::to_string(limit) +
                  " bytes (Memory.setLimit, or the system property jgrad.memoryLimit)");
        return 0;
    }
    if (void* p = cache().take(cls)) return reinterpret_cast<int64_t>(p);
    if (limit > 0 && cache().allocated() + cache().cached() + cls > limit) empty_cache();  // what the process holds stays under the limit
    void* p = std::aligned_alloc(kAlign, static_cast<size_t>(cls));
    if (p == nullptr) {
        empty_cache();
        p = std::aligned_alloc(kAlign, static_cast<size_t>(cls));
    }
    if (p == nullptr) {
        set_error("alloc: out of memory: the system refused " + std::to_string(nbytes) + " bytes on the CPU, with " +
                  std::to_string(cache().allocated()) + " bytes in use by tensors, after emptying the cache");
        return 0;
    }
    cache().added(cls);
    return reinterpret_cast<int64_t>(p);
}

int free(int64_t address, int64_t nbytes) {
    if (address == 0) return JG_OK;
    void* p = reinterpret_cast<void*>(address);
    if (!cache().give(p, cls_of(nbytes), g_limit.load())) std::free(p);
    return JG_OK;
}

int memory_stats(int64_t* stats) {
    cache().stats(stats);
    return JG_OK;
}

int empty_cache() {
    for (void* p : cache().drain()) std::free(p);
    return JG_OK;
}

void set_cache_limit(int64_t nbytes) {
    g_limit.store(nbytes);
    empty_cache();
}

}  // namespace cpu
}  // namespace jg

extern "C" {

int jg_cpu_set_memory_limit(int64_t nbytes) {
    if (nbytes < 0) return jg::fail(JG_ERR_ARGUMENT, "setLimit: negative limit " + std::to_string(nbytes));
    jg::cpu::g_memory_limit.store(nbytes);
    return JG_OK;
}

int64_t jg_cpu_memory_limit(void) { return jg::cpu::g_memory_limit.load(); }

int jg_cpu_set_cache_limit(int64_t nbytes) {
    if (nbytes < 0) return jg::fail(JG_ERR_ARGUMENT, "set_cache_limit: negative limit");
    jg::cpu::set_cache_limit(nbytes);
    return JG_OK;
}

}
