// CPU caching allocator. Fresh large buffers cost page faults on first touch (about 10 ms for
// 64 MiB), more than most kernels that fill them, so freed blocks are kept per size class and
// handed out again. Size classes: powers of two up to 1 MiB, then multiples of 1 MiB.
#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "common.h"

namespace {

constexpr int64_t kAlign = 64;
constexpr int64_t kMiB = 1 << 20;

struct Cache {
    std::mutex mu;
    std::unordered_map<int64_t, std::vector<void*>> free_blocks;
    int64_t cached = 0;     // bytes in free_blocks
    int64_t allocated = 0;  // bytes handed out and not yet returned
    int64_t limit = int64_t(2) << 30;
};

Cache& cache() {
    static Cache* c = new Cache();  // never destroyed: blocks may be freed during JVM shutdown
    return *c;
}

int64_t size_class(int64_t n) {
    if (n <= kAlign) return kAlign;
    if (n <= kMiB) {
        int64_t c = kAlign;
        while (c < n) c <<= 1;
        return c;
    }
    return (n + kMiB - 1) / kMiB * kMiB;
}

}  // namespace

extern "C" {

int64_t jg_cpu_alloc(int64_t nbytes) {
    if (nbytes < 0) {
        jg::set_error("alloc: negative size " + std::to_string(nbytes));
        return 0;
    }
    int64_t cls = size_class(nbytes);
    Cache& c = cache();
    {
        std::lock_guard<std::mutex> g(c.mu);
        auto it = c.free_blocks.find(cls);
        if (it != c.free_blocks.end() && !it->second.empty()) {
            void* p = it->second.back();
            it->second.pop_back();
            c.cached -= cls;
            c.allocated += cls;
            return reinterpret_cast<int64_t>(p);
        }
    }
    void* p = std::aligned_alloc(kAlign, static_cast<size_t>(cls));
    if (p == nullptr) {
        jg_cpu_empty_cache();
        p = std::aligned_alloc(kAlign, static_cast<size_t>(cls));
    }
    if (p == nullptr) {
        jg::set_error("alloc: out of memory allocating " + std::to_string(nbytes) + " bytes on the CPU");
        return 0;
    }
    std::lock_guard<std::mutex> g(c.mu);
    c.allocated += cls;
    return reinterpret_cast<int64_t>(p);
}

void jg_cpu_free(int64_t address, int64_t nbytes) {
    if (address == 0) return;
    int64_t cls = size_class(nbytes);
    void* p = reinterpret_cast<void*>(address);
    Cache& c = cache();
    {
        std::lock_guard<std::mutex> g(c.mu);
        c.allocated -= cls;
        if (c.cached + cls <= c.limit) {
            c.free_blocks[cls].push_back(p);
            c.cached += cls;
            return;
        }
    }
    std::free(p);
}

int64_t jg_cpu_cached_bytes(void) {
    std::lock_guard<std::mutex> g(cache().mu);
    return cache().cached;
}

int64_t jg_cpu_allocated_bytes(void) {
    std::lock_guard<std::mutex> g(cache().mu);
    return cache().allocated;
}

void jg_cpu_empty_cache(void) {
    std::vector<void*> release;
    {
        std::lock_guard<std::mutex> g(cache().mu);
        for (auto& kv : cache().free_blocks)
            for (void* p : kv.second) release.push_back(p);
        cache().free_blocks.clear();
        cache().cached = 0;
    }
    for (void* p : release) std::free(p);
}

int jg_cpu_set_cache_limit(int64_t nbytes) {
    if (nbytes < 0) return jg::fail(JG_ERR_ARGUMENT, "set_cache_limit: negative limit");
    {
        std::lock_guard<std::mutex> g(cache().mu);
        cache().limit = nbytes;
    }
    jg_cpu_empty_cache();
    return JG_OK;
}

}
