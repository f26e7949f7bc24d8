// ThreadPool: a fixed set of workers that split independent work items (rows, heads, sequences).
//
// Contract: parallel_for(n, fn) calls fn(begin, end) on disjoint contiguous ranges covering
// [0, n) and returns when all have finished. Ranges never split one reduction (docs/DETERMINISM.md
// D3): callers pass independent outputs only. threads() == 1 runs everything on the caller's thread.
// Not re-entrant: one parallel_for at a time per pool. Workers spin briefly before sleeping,
// because the engine issues hundreds of short parallel sections per token.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
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
  void worker_loop(int index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_cv_;
  std::condition_variable done_cv_;
  const std::function<void(std::size_t, std::size_t)>* task_ = nullptr;
  std::size_t task_n_ = 0;
  int task_parts_ = 0;
  std::atomic<unsigned long> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<int> sleepers_{0};
  bool stop_ = false;
};

}  // namespace llmz
