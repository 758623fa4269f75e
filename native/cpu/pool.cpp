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
        for (int i = 1; i < nthreads_; ++i) workers_.emplace_back([this, gen] { work(gen); });
    }

    // Runs job(0) .. job(chunks - 1), each once, on the caller and the workers. A chunk goes to
    // whichever thread claims it first, the caller included: when a worker is slow to wake, or
    // its core is taken by another process (a JIT compiler thread, a neighbour on a shared VM),
    // the caller runs that worker's chunk itself instead of waiting for it. Which thread runs a
    // chunk never changes what the chunk computes.
    void run(int chunks, const std::function<void(int)>& job) {
        std::lock_guard<std::mutex> run_guard(run_mu_);  // one parallel region at a time
        uint64_t gen;
        {
            std::lock_guard<std::mutex> g(mu_);
            job_ = &job;
            chunks_ = chunks;
            pending_.store(chunks, std::memory_order_relaxed);
            gen = ++generation_;
            claim_.store(gen << kIndexBits | 1, std::memory_order_relaxed);  // chunk 0 is the caller's
            published_.store(gen, std::memory_order_release);
        }
        cv_.notify_all();
        job(0);
        pending_.fetch_sub(1, std::memory_order_acq_rel);
        // the chunks no worker has claimed yet; the claim word still holds this generation, so
        // a plain increment cannot take an index of another job
        for (uint64_t c; (c = (claim_.fetch_add(1, std::memory_order_acq_rel) & kIndexMask)) < static_cast<uint64_t>(chunks);) {
            job(static_cast<int>(c));
            pending_.fetch_sub(1, std::memory_order_acq_rel);
        }
        // The chunks claimed by workers end within microseconds of the caller's, usually: wait for
        // them spinning, since a sleeping thread can take tens of microseconds to wake (about 50
        // on the paravirtualised machines the benchmarks ran on), longer than many chunks take.
        spin_while([this] { return pending_.load(std::memory_order_acquire) != 0; }, kWaitSpin);
        {
            std::unique_lock<std::mutex> lk(mu_);
            done_cv_.wait(lk, [this] { return pending_.load(std::memory_order_acquire) == 0; });
            job_ = nullptr;
        }
    }

  private:
    static constexpr int kIndexBits = 24;
    static constexpr uint64_t kIndexMask = (uint64_t(1) << kIndexBits) - 1;

    void work(uint64_t seen) {
        for (;;) {
            const std::function<void(int)>* job;
            int chunks;
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
                if (job_ == nullptr) continue;
                job = job_;
                chunks = chunks_;
            }
            // Claim chunks of generation `seen` only: the compare-exchange fails once the caller has
            // published another job, so a worker that wakes late never runs a chunk of a job whose
            // function is gone. A claimed chunk keeps its job alive (run() waits for it).
            uint64_t v = claim_.load(std::memory_order_acquire);
            while ((v >> kIndexBits) == (seen & (~uint64_t(0) >> kIndexBits)) && (v & kIndexMask) < static_cast<uint64_t>(chunks)) {
                if (!claim_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
                (*job)(static_cast<int>(v & kIndexMask));
                if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
                    std::lock_guard<std::mutex> g(mu_);
                    done_cv_.notify_one();
                }
                v = claim_.load(std::memory_order_acquire);
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
    std::atomic<uint64_t> claim_{0};  // the generation above kIndexBits, the next unclaimed chunk below
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
    // as many equal pieces as chunks: each thread usually takes one
    const int64_t g = std::max<int64_t>(1, grain), chunks = std::min<int64_t>(num_threads(), (n + g - 1) / g);
    parallel_for_dynamic(n, (n + chunks - 1) / chunks, f);
}

void parallel_for_dynamic(int64_t n, int64_t piece, const std::function<void(int64_t, int64_t)>& f) {
    if (n <= 0) return;
    piece = std::max<int64_t>(1, piece);
    const int64_t pieces = (n + piece - 1) / piece;
    const int64_t chunks = std::min<int64_t>(num_threads(), pieces);
    if (chunks <= 1 || in_parallel_region) {
        f(0, n);
        return;
    }
    std::atomic<int64_t> next{0};
    std::function<void(int)> job = [&](int) {
        bool outer = in_parallel_region;
        in_parallel_region = true;
        for (int64_t p; (p = next.fetch_add(1, std::memory_order_relaxed)) < pieces;) f(p * piece, std::min(n, (p + 1) * piece));
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
