#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "common/thread_pool.h"

namespace llmz {
namespace {

TEST(ThreadPool, CoversEveryItemExactlyOnce) {
  for (int threads : {1, 2, 3, 7}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.threads(), threads);
    for (std::size_t n : {0u, 1u, 2u, 5u, 64u, 1000u}) {
      for (int round = 0; round < 200; ++round) {
        std::vector<std::atomic<int>> hits(n);
        pool.parallel_for(n, [&](std::size_t b, std::size_t e) {
          ASSERT_LE(b, e);
          for (std::size_t i = b; i < e; ++i) hits[i].fetch_add(1);
        });
        for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << threads << " threads, n " << n;
      }
    }
  }
}

TEST(ThreadPool, GrainLimitsParts) {
  ThreadPool pool(4);
  std::atomic<int> calls{0};
  pool.parallel_for(10, [&](std::size_t, std::size_t) { calls.fetch_add(1); }, 8);
  EXPECT_EQ(calls.load(), 2);
}

}  // namespace
}  // namespace llmz
