// CPU caching allocator. Fresh large buffers cost page faults on first touch (about 10 ms for
// 64 MiB), more than most kernels that fill them, so freed blocks are kept per size class and
// handed out again (block_cache.h): powers of two from 64 bytes up to 1 MiB, then multiples of 1 MiB.
#include <atomic>
#include <cstdlib>

#include "block_cache.h"
#include "common.h"

namespace {

constexpr int64_t kAlign = 64;

jg::BlockCache& cache() {
    static auto* c = new jg::BlockCache();  // never destroyed: blocks may be freed during JVM shutdown
    return *c;
}

std::atomic<int64_t> g_limit{int64_t(2) << 30};

int64_t cls_of(int64_t n) { return jg::size_class(n, kAlign, int64_t(1) << 20); }

}  // namespace

extern "C" {

int64_t jg_cpu_alloc(int64_t nbytes) {
    if (nbytes < 0) {
        jg::set_error("alloc: negative size " + std::to_string(nbytes));
        return 0;
    }
    int64_t cls = cls_of(nbytes);
    if (void* p = cache().take(cls)) return reinterpret_cast<int64_t>(p);
    void* p = std::aligned_alloc(kAlign, static_cast<size_t>(cls));
    if (p == nullptr) {
        jg_cpu_empty_cache();
        p = std::aligned_alloc(kAlign, static_cast<size_t>(cls));
    }
    if (p == nullptr) {
        jg::set_error("alloc: out of memory allocating " + std::to_string(nbytes) + " bytes on the CPU");
        return 0;
    }
    cache().added(cls);
    return reinterpret_cast<int64_t>(p);
}

void jg_cpu_free(int64_t address, int64_t nbytes) {
    if (address == 0) return;
    void* p = reinterpret_cast<void*>(address);
    if (!cache().give(p, cls_of(nbytes), g_limit.load())) std::free(p);
}

int64_t jg_cpu_cached_bytes(void) { return cache().cached(); }

int64_t jg_cpu_allocated_bytes(void) { return cache().allocated(); }

void jg_cpu_empty_cache(void) {
    for (void* p : cache().drain()) std::free(p);
}

int jg_cpu_set_cache_limit(int64_t nbytes) {
    if (nbytes < 0) return jg::fail(JG_ERR_ARGUMENT, "set_cache_limit: negative limit");
    g_limit.store(nbytes);
    jg_cpu_empty_cache();
    return JG_OK;
}

}
