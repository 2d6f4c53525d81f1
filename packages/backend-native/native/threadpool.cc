#include "threadpool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif
// What a spinning thread does between two looks at the flag it waits for. On x86 nothing but a
// compiler barrier, deliberately not PAUSE (OpenBLAS's spin loops avoid it too): under a
// hypervisor a loop of PAUSEs can trigger pause-loop exiting, and the host may then deschedule
// the spinning vCPU, so that the worker starts its share of the next kernel late. On a noisy
// 2-core VM, kernels that followed 100 us of JavaScript took 20-45% longer with PAUSE in one
// measurement; later alternating runs could not separate the two from the machine's noise.
#if defined(__aarch64__)
#define TN_SPIN() __asm__ __volatile__("yield")
#elif defined(__GNUC__)
#define TN_SPIN() __asm__ __volatile__("" ::: "memory")
#else
#define TN_SPIN() ((void)0)
#endif

namespace tn {

int hardware_threads() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? (int)n : 1;
}

namespace {

constexpr int MAX_THREADS = 256;
// How long an idle worker spins before sleeping: long enough to catch the next kernel of a
// training step without a wake-up delay (a sleeping worker wakes tens of microseconds late, and
// the caller would then do the whole job alone), short enough not to burn a core for long.
constexpr auto SPIN = std::chrono::microseconds(250);

int initial_threads() {
  const char* env = std::getenv("TESSERA_NUM_THREADS");
  if (env && *env) {
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (end && *end == '\0' && v >= 1) return v > MAX_THREADS ? MAX_THREADS : (int)v;
  }
  int n = hardware_threads();
  return n > MAX_THREADS ? MAX_THREADS : n;
}

thread_local bool in_parallel = false;

class Pool {
 public:
  int size() const { return size_.load(std::memory_order_relaxed); }

  void resize(int n) {
    std::lock_guard<std::mutex> use(use_);
    stop_workers();
    size_.store(n);
  }

  void run(int ntasks, const std::function<void(int)>& fn) {
    if (ntasks <= 0) return;
    if (ntasks == 1 || in_parallel || size() <= 1) {
      serial(ntasks, fn);
      return;
    }
    std::unique_lock<std::mutex> use(use_, std::try_to_lock);
    if (!use.owns_lock()) {
      serial(ntasks, fn);
      return;
    }
    start_workers();
    error_ = nullptr;
    job_.store(&fn, std::memory_order_relaxed);
    ntasks_.store(ntasks, std::memory_order_relaxed);
    remaining_.store(ntasks, std::memory_order_relaxed);
    const uint64_t epoch = (ticket_.load(std::memory_order_relaxed) >> 32) + 1;
    ticket_.store(epoch << 32, std::memory_order_seq_cst);
    {
      std::lock_guard<std::mutex> lk(m_);
      if (sleepers_ > 0) cv_.notify_all();
    }
    in_parallel = true;
    work(epoch);
    in_parallel = false;
    // Wait for tasks other threads claimed.
    int spins = 0;
    while (remaining_.load(std::memory_order_acquire) > 0) {
      if (++spins < (1 << 18)) TN_SPIN();
      else std::this_thread::yield();
    }
    if (error_) {
      std::exception_ptr e = error_;
      error_ = nullptr;
      std::rethrow_exception(e);
    }
  }

 private:
  static void serial(int ntasks, const std::function<void(int)>& fn) {
    bool was = in_parallel;
    in_parallel = true;
    try {
      for (int i = 0; i < ntasks; i++) fn(i);
    } catch (...) {
      in_parallel = was;
      throw;
    }
    in_parallel = was;
  }

  // Claims and runs tasks of `epoch` until none are left. A task is claimed with a CAS on
  // (epoch, next index), so a late worker can never run a task of a newer job twice.
  void work(uint64_t epoch) {
    for (;;) {
      uint64_t t = ticket_.load(std::memory_order_acquire);
      if ((t >> 32) != epoch) return;
      uint32_t idx = (uint32_t)t;
      const int n = ntasks_.load(std::memory_order_relaxed);
      const std::function<void(int)>* job = job_.load(std::memory_order_relaxed);
      if ((int)idx >= n) return;
      if (!ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel)) continue;
      try {
        (*job)((int)idx);
      } catch (...) {
        std::lock_guard<std::mutex> lk(m_);
        if (!error_) error_ = std::current_exception();
      }
      remaining_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  void worker_loop() {
    in_parallel = true;
    uint64_t seen = ticket_.load(std::memory_order_acquire) >> 32;
    for (;;) {
      uint64_t e = ticket_.load(std::memory_order_acquire) >> 32;
      if (e == seen) {
        const auto until = std::chrono::steady_clock::now() + SPIN;
        int i = 0;
        while ((e = ticket_.load(std::memory_order_acquire) >> 32) == seen && !stop_.load(std::memory_order_relaxed)) {
          TN_SPIN();
          if ((++i & 255) == 0 && std::chrono::steady_clock::now() > until) break;
        }
      }
      if (e == seen) {
        std::unique_lock<std::mutex> lk(m_);
        sleepers_++;
        cv_.wait(lk, [&] { return stop_.load() || (ticket_.load() >> 32) != seen; });
        sleepers_--;
        e = ticket_.load() >> 32;
      }
      if (stop_.load()) return;
      seen = e;
      work(e);
    }
  }

  void start_workers() {
    int want = size() - 1;
    while ((int)workers_.size() < want) workers_.emplace_back([this] { worker_loop(); });
  }

  void stop_workers() {
    if (workers_.empty()) return;
    {
      std::lock_guard<std::mutex> lk(m_);
      stop_.store(true);
      cv_.notify_all();
    }
    for (auto& t : workers_) t.join();
    workers_.clear();
    stop_.store(false);
  }

  std::atomic<int> size_{initial_threads()};
  std::mutex use_;
  std::mutex m_;
  std::condition_variable cv_;
  int sleepers_ = 0;
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> ticket_{0};
  std::atomic<const std::function<void(int)>*> job_{nullptr};
  std::atomic<int> ntasks_{0};
  std::atomic<int> remaining_{0};
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;
};

// Never destroyed: workers may still be parked when the process exits.
Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

}  // namespace

int num_threads() { return pool().size(); }

void set_num_threads(int n) {
  if (n < 1) n = 1;
  if (n > MAX_THREADS) n = MAX_THREADS;
  pool().resize(n);
}

void parallel_tasks(int ntasks, const std::function<void(int)>& fn) { pool().run(ntasks, fn); }

std::vector<i64> shrinking_blocks(i64 units, int threads, int divisor, i64 min_units) {
  std::vector<i64> cut{0};
  const i64 share = (i64)std::max(1, threads) * std::max(1, divisor);
  for (i64 at = 0; at < units;) {
    const i64 size = std::min(units - at, std::max(std::max<i64>(1, min_units), (units - at + share - 1) / share));
    at += size;
    cut.push_back(at);
  }
  return cut;
}

}  // namespace tn
