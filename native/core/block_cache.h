// The bookkeeping shared by the CPU and CUDA caching allocators: freed blocks kept per size class
// and handed out again, with byte counts. The allocators only supply the raw allocate/free calls.
#pragma once
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace jg {

// Size classes: powers of two from `smallest` up to 1 MiB, then multiples of `large_step`.
inline int64_t size_class(int64_t n, int64_t smallest, int64_t large_step) {
    const int64_t mib = int64_t(1) << 20;
    if (n <= smallest) return smallest;
    if (n <= mib) {
        int64_t c = smallest;
        while (c < n) c <<= 1;
        return c;
    }
    return (n + large_step - 1) / large_step * large_step;
}

class BlockCache {
  public:
    // A cached block of exactly this class, counted as allocated, or nullptr.
    void* take(int64_t cls) {
        std::lock_guard<std::mutex> g(mu_);
        auto it = free_.find(cls);
        if (it == free_.end() || it->second.empty()) return nullptr;
        void* p = it->second.back();
        it->second.pop_back();
        cached_ -= cls;
        count_allocated(cls);
        return p;
    }

    // Counts a block fresh from the system.
    void added(int64_t cls) {
        std::lock_guard<std::mutex> g(mu_);
        count_allocated(cls);
    }

    // Takes back a block; false (and the caller frees it) when the cache would exceed `limit`.
    bool give(void* p, int64_t cls, int64_t limit) {
        std::lock_guard<std::mutex> g(mu_);
        allocated_ -= cls;
        if (cached_ + cls > limit) return false;
        free_[cls].push_back(p);
        cached_ += cls;
        return true;
    }

    // Removes every cached block for the caller to free.
    std::vector<void*> drain() {
        std::lock_guard<std::mutex> g(mu_);
        std::vector<void*> out;
        for (auto& kv : free_) out.insert(out.end(), kv.second.begin(), kv.second.end());
        free_.clear();
        cached_ = 0;
        return out;
    }

    int64_t allocated() {
        std::lock_guard<std::mutex> g(mu_);
        return allocated_;
    }
    int64_t cached() {
        std::lock_guard<std::mutex> g(mu_);
        return cached_;
    }
    int64_t peak() {
        std::lock_guard<std::mutex> g(mu_);
        return peak_;
    }
    // jg_memory_stats's four numbers: allocated, reserved (allocated + cached), peak, cached
    void stats(int64_t* out) {
        std::lock_guard<std::mutex> g(mu_);
        out[0] = allocated_;
        out[1] = allocated_ + cached_;
        out[2] = peak_;
        out[3] = cached_;
    }

  private:
    void count_allocated(int64_t cls) {
        allocated_ += cls;
        if (allocated_ > peak_) peak_ = allocated_;
    }

    std::mutex mu_;
    std::unordered_map<int64_t, std::vector<void*>> free_;
    int64_t allocated_ = 0, cached_ = 0, peak_ = 0;
};

}  // namespace jg
