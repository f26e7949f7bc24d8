#include "common/thread_pool.h"

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LLMZ_CPU_RELAX() _mm_pause()
#else
#define LLMZ_CPU_RELAX() std::this_thread::yield()
#endif

namespace llmz {
namespace {

constexpr int kSpinIterations = 20000;  // roughly 50-200 microseconds before sleeping

// Part `index` of `parts` equal contiguous pieces of [0, n).
inline void part_range(std::size_t n, int parts, int index, std::size_t& begin, std::size_t& end) {
  begin = n * static_cast<std::size_t>(index) / static_cast<std::size_t>(parts);
  end = n * static_cast<std::size_t>(index + 1) / static_cast<std::size_t>(parts);
}

}  // namespace

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_.fetch_add(1, std::memory_order_release);
  }
  start_cv_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::parallel_for(std::size_t n, const std::function<void(std::size_t, std::size_t)>& fn,
                              std::size_t grain) {
  if (n == 0) return;
  grain = std::max<std::size_t>(grain, 1);
  const int parts = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads()), (n + grain - 1) / grain));
  if (parts <= 1) {
    fn(0, n);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    task_ = &fn;
    task_n_ = n;
    task_parts_ = parts;
    pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  if (sleepers_.load(std::memory_order_acquire) > 0) start_cv_.notify_all();
  std::size_t begin = 0, end = 0;
  part_range(n, parts, 0, begin, end);
  fn(begin, end);
  for (int spin = 0; spin < kSpinIterations && pending_.load(std::memory_order_acquire) != 0; ++spin) LLMZ_CPU_RELAX();
  if (pending_.load(std::memory_order_acquire) != 0) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_cv_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
  }
}

void ThreadPool::worker_loop(int index) {
  unsigned long seen = 0;
  for (;;) {
    for (int spin = 0; spin < kSpinIterations && generation_.load(std::memory_order_acquire) == seen; ++spin)
      LLMZ_CPU_RELAX();
    const std::function<void(std::size_t, std::size_t)>* task = nullptr;
    std::size_t n = 0;
    int parts = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (generation_.load(std::memory_order_acquire) == seen) {
        sleepers_.fetch_add(1, std::memory_order_acq_rel);
        start_cv_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        sleepers_.fetch_sub(1, std::memory_order_acq_rel);
      }
      if (stop_) return;
      seen = generation_.load(std::memory_order_acquire);
      task = task_;
      n = task_n_;
      parts = task_parts_;
    }
    if (index < parts) {
      std::size_t begin = 0, end = 0;
      part_range(n, parts, index, begin, end);
      (*task)(begin, end);
    }
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mutex_);
      done_cv_.notify_one();
    }
  }
}

}  // namespace llmz
