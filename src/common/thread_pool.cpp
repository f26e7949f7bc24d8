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
constexpr std::size_t kChunksPerThread = 4;
constexpr std::size_t kMaxChunks = 0xFFFF;

constexpr std::uint32_t generation_of(std::uint64_t w) { return static_cast<std::uint32_t>(w >> 32); }
constexpr std::uint32_t chunks_of(std::uint64_t w) { return static_cast<std::uint32_t>((w >> 16) & 0xFFFF); }
constexpr std::uint32_t next_of(std::uint64_t w) { return static_cast<std::uint32_t>(w & 0xFFFF); }

}  // namespace

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    const std::uint64_t w = work_.load(std::memory_order_relaxed);
    work_.store(static_cast<std::uint64_t>(generation_of(w) + 1) << 32, std::memory_order_release);
  }
  start_cv_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::run_chunks(std::uint32_t generation) {
  std::uint64_t w = work_.load(std::memory_order_acquire);
  for (;;) {
    if (generation_of(w) != generation || next_of(w) >= chunks_of(w)) return;
    if (!work_.compare_exchange_weak(w, w + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
    // Chunk next_of(w) is ours. The task cannot change until every chunk is done, ours included.
    const std::size_t chunks = chunks_of(w), chunk = next_of(w);
    const std::size_t begin = task_n_ * chunk / chunks, end = task_n_ * (chunk + 1) / chunks;
    (*task_)(begin, end);
    if (chunks_done_.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks) {
      std::lock_guard<std::mutex> lock(mutex_);
      done_cv_.notify_one();
    }
    w = work_.load(std::memory_order_acquire);
  }
}

void ThreadPool::parallel_for(std::size_t n, const std::function<void(std::size_t, std::size_t)>& fn,
                              std::size_t grain) {
  if (n == 0) return;
  grain = std::max<std::size_t>(grain, 1);
  const std::size_t pieces = (n + grain - 1) / grain;
  if (workers_.empty() || pieces <= 1) {
    fn(0, n);
    return;
  }
  const std::size_t chunks = std::min({pieces, static_cast<std::size_t>(threads()) * kChunksPerThread, kMaxChunks});
  std::uint32_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    task_ = &fn;
    task_n_ = n;
    chunks_done_.store(0, std::memory_order_relaxed);
    generation = generation_of(work_.load(std::memory_order_relaxed)) + 1;
    work_.store((static_cast<std::uint64_t>(generation) << 32) | (static_cast<std::uint64_t>(chunks) << 16),
                std::memory_order_release);
  }
  if (sleepers_.load(std::memory_order_acquire) > 0) start_cv_.notify_all();
  run_chunks(generation);
  // Only chunks other threads claimed and have not finished remain.
  for (int spin = 0; spin < kSpinIterations && chunks_done_.load(std::memory_order_acquire) != chunks; ++spin) {
    if (spin % 64 == 63) std::this_thread::yield();  // let a descheduled worker finish its chunk
    else LLMZ_CPU_RELAX();
  }
  if (chunks_done_.load(std::memory_order_acquire) != chunks) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_cv_.wait(lock, [&] { return chunks_done_.load(std::memory_order_acquire) == chunks; });
  }
}

void ThreadPool::worker_loop() {
  std::uint32_t seen = 0;
  for (;;) {
    for (int spin = 0; spin < kSpinIterations && generation_of(work_.load(std::memory_order_acquire)) == seen; ++spin)
      LLMZ_CPU_RELAX();
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (generation_of(work_.load(std::memory_order_acquire)) == seen) {
        sleepers_.fetch_add(1, std::memory_order_acq_rel);
        start_cv_.wait(lock, [&] { return generation_of(work_.load(std::memory_order_acquire)) != seen; });
        sleepers_.fetch_sub(1, std::memory_order_acq_rel);
      }
      if (stop_) return;
      seen = generation_of(work_.load(std::memory_order_acquire));
    }
    run_chunks(seen);
  }
}

}  // namespace llmz
