// The CPU thread pool.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "parallel.h"

namespace jg {

namespace cpu {

namespace {

// How long a waiting thread polls before it sleeps on the condition variable: a worker between
// jobs (about one futex wake-up's time), and the caller for the other chunks of its job.
constexpr std::chrono::microseconds kIdleSpin(50);
constexpr std::chrono::microseconds kWaitSpin(200);

template <class Cond> void spin_while(const Cond& cond, std::chrono::microseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (cond() && std::chrono::steady_clock::now() < until) {
#if defined(__x86_64__)
        __builtin_ia32_pause();
#endif
    }
}

class Pool {
  public:
    explicit Pool(int n) { resize(n); }
    ~Pool() { stop_workers(); }

    int size() const { return nthreads_; }

    void resize(int n) {
        std::lock_guard<std::mutex> run_guard(run_mu_);
        stop_workers();
        nthreads_ = std::max(1, n);
        stop_ = false;
        stop_flag_.store(false);
        const uint64_t gen = generation_;
        for (int i = 1; i < nthreads_; ++i) workers_.emplace_back([this, i, gen] { work(i, gen); });
    }

    void run(int chunks, const std::function<void(int)>& job) {
        std::lock_guard<std::mutex> run_guard(run_mu_);  // one parallel region at a time
        {
            std::lock_guard<std::mutex> g(mu_);
            job_ = &job;
            chunks_ = chunks;
            pending_.store(chunks - 1, std::memory_order_relaxed);
            ++generation_;
            published_.store(generation_, std::memory_order_release);
        }
        cv_.notify_all();
        job(0);
        // The other chunks end within microseconds of this one, usually: wait for them spinning,
        // since a sleeping thread can take tens of microseconds to wake (about 50 on the
        // paravirtualised machines the benchmarks ran on), longer than many chunks take.
        spin_while([this] { return pending_.load(std::memory_order_acquire) != 0; }, kWaitSpin);
        {
            std::unique_lock<std::mutex> lk(mu_);
            done_cv_.wait(lk, [this] { return pending_.load(std::memory_order_acquire) == 0; });
            job_ = nullptr;
        }
    }

  private:
    void work(int id, uint64_t seen) {
        for (;;) {
            const std::function<void(int)>* job;
            // Poll for a while before sleeping: the ops of a training step come microseconds apart,
            // and each would otherwise wait for a futex wake-up. jgrad's BLAS calls run on this
            // pool (cpu/blas.cpp), so no BLAS threads want the core meanwhile.
            spin_while([&] { return published_.load(std::memory_order_acquire) == seen && !stop_flag_.load(std::memory_order_relaxed); },
                       kIdleSpin);
            {
                std::unique_lock<std::mutex> lk(mu_);
                cv_.wait(lk, [&] { return stop_ || generation_ != seen; });
                if (stop_) return;
                seen = generation_;
                if (id >= chunks_ || job_ == nullptr) continue;
                job = job_;
            }
            (*job)(id);
            if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
                std::lock_guard<std::mutex> g(mu_);
                done_cv_.notify_one();
            }
        }
    }
    void stop_workers() {
        {
            std::lock_guard<std::mutex> g(mu_);
            stop_ = true;
            stop_flag_.store(true);
        }
        cv_.notify_all();
        for (auto& t : workers_) t.join();
        workers_.clear();
    }

    std::mutex run_mu_, mu_;
    std::condition_variable cv_, done_cv_;
    std::vector<std::thread> workers_;
    const std::function<void(int)>* job_ = nullptr;
    int nthreads_ = 1, chunks_ = 0;
    std::atomic<int> pending_{0};
    uint64_t generation_ = 0;
    bool stop_ = false;
    std::atomic<uint64_t> published_{0};
    std::atomic<bool> stop_flag_{false};
};

int default_threads() {
    unsigned hc = std::thread::hardware_concurrency();
    return hc == 0 ? 1 : static_cast<int>(std::min(hc, 64u));
}

Pool& pool() {
    static Pool p(default_threads());
    return p;
}

thread_local bool in_parallel_region = false;

}  // namespace

int num_threads() { return pool().size(); }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& f) {
    if (n <= 0) return;
    int64_t chunks = std::min<int64_t>(num_threads(), (n + grain - 1) / grain);
    if (chunks <= 1 || in_parallel_region) {
        f(0, n);
        return;
    }
    int64_t per = (n + chunks - 1) / chunks;
    std::function<void(int)> job = [&](int c) {
        int64_t b = c * per, e = std::min(n, b + per);
        bool outer = in_parallel_region;
        in_parallel_region = true;
        if (b < e) f(b, e);
        in_parallel_region = outer;
    };
    pool().run(static_cast<int>(chunks), job);
}

}  // namespace cpu
}  // namespace jg

extern "C" {

int jg_set_num_threads(int n) {
    if (n < 1 || n > 1024) return jg::fail(JG_ERR_ARGUMENT, "set_num_threads: expected 1..1024 threads, got " + std::to_string(n));
    return jg::guarded("set_num_threads", [&] {
        jg::cpu::pool().resize(n);
        return JG_OK;
    });
}
int jg_get_num_threads(void) { return jg::cpu::num_threads(); }

}
