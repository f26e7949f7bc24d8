// ThreadPool: a fixed set of workers that split independent work items (rows, heads, sequences).
//
// Contract: parallel_for(n, fn) calls fn(begin, end) on disjoint contiguous ranges covering
// [0, n) and returns when all have finished. Ranges never split one reduction (docs/DETERMINISM.md
// D3): callers pass independent outputs only, so which thread runs which range never matters.
// threads() == 1 runs everything on the caller's thread. Not re-entrant: one parallel_for at a
// time per pool.
// Scheduling: [0, n) is cut into up to 4 chunks per thread and every thread, the caller included,
// claims chunks until none is left; the caller waits only for chunks already claimed. So a worker
// the OS has not scheduled (another process on the core) delays nothing: the others take its
// share. Workers spin briefly before sleeping, because the engine issues hundreds of short
// parallel sections per token.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace llmz {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);  // threads <= 0: one per hardware thread
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const noexcept { return static_cast<int>(workers_.size()) + 1; }

  // `grain`: the smallest range worth giving to a thread.
  void parallel_for(std::size_t n, const std::function<void(std::size_t, std::size_t)>& fn, std::size_t grain = 1);

 private:
  void worker_loop();
  // Claims and runs chunks of the task published as `generation` until none is left.
  void run_chunks(std::uint32_t generation);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_cv_;
  std::condition_variable done_cv_;
  const std::function<void(std::size_t, std::size_t)>* task_ = nullptr;
  std::size_t task_n_ = 0;
  // generation (high 32 bits) | chunk count (16 bits) | next chunk to claim (16 bits): one word,
  // so a claim (compare-exchange) can only succeed for the task it read.
  std::atomic<std::uint64_t> work_{0};
  std::atomic<std::uint32_t> chunks_done_{0};
  std::atomic<int> sleepers_{0};
  bool stop_ = false;
};

}  // namespace llmz
