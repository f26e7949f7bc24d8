#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/attention.h"
#include "kernels/detmath.h"
#include "kernels/dispatch.h"

namespace llmz {
namespace {

// A key/value cache of `positions` positions, `n_kv` heads interleaved as in the engine's
// Sequence, and one query; attend() reads head `kvh` of it.
struct Cache {
  int positions, n_kv, hd;
  std::vector<std::int16_t> k, v, q;
  std::vector<float> k_scale, v_scale;

  Cache(int n, int kv_heads, int head_dim, std::mt19937& rng, int extreme_every)
      : positions(n), n_kv(kv_heads), hd(head_dim) {
    const std::size_t slots = static_cast<std::size_t>(n) * kv_heads;
    k.resize(slots * hd);
    v.resize(slots * hd);
    q.resize(hd);
    auto value = [&](std::size_t i) {
      // +-32767 now and then: the largest products madd pairs must hold.
      if (extreme_every > 0 && i % extreme_every == 0) return static_cast<std::int16_t>(rng() & 1 ? 32767 : -32767);
      return static_cast<std::int16_t>(static_cast<int>(rng() % 65535) - 32767);
    };
    for (std::size_t i = 0; i < k.size(); ++i) k[i] = value(i);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = value(i + 3);
    for (std::size_t i = 0; i < q.size(); ++i) q[i] = value(i + 5);
    std::uniform_real_distribution<float> scale(1e-6f, 1e-3f);
    for (std::size_t i = 0; i < slots; ++i) {
      k_scale.push_back(scale(rng));
      v_scale.push_back(i % 11 == 4 ? 0.0f : scale(rng));  // an all-zero value vector now and then
    }
  }

  kern::AttentionHead head(int kvh, float q_factor) const {
    kern::AttentionHead h;
    h.q = q.data();
    h.q_factor = q_factor;
    h.k = k.data() + static_cast<std::size_t>(kvh) * hd;
    h.v = v.data() + static_cast<std::size_t>(kvh) * hd;
    h.k_scale = k_scale.data() + kvh;
    h.v_scale = v_scale.data() + kvh;
    h.scale_stride = static_cast<std::size_t>(n_kv);
    h.stride = h.scale_stride * hd;
    h.positions = positions;
    h.head_dim = hd;
    return h;
  }
};

// The output, and with it the integer weights W_t and sums acc_i (stricter: a W_t off by one
// rarely changes a rounded output).
struct Result {
  std::vector<float> out;
  std::vector<std::int32_t> weight;
  std::vector<std::int64_t> acc;
};

Result run_all(const kern::KernelSet& set, const kern::AttentionHead& h) {
  std::vector<float> score(h.positions, -1.0f);
  Result r{std::vector<float>(h.head_dim, -1.0f), std::vector<std::int32_t>(h.positions, -1),
           std::vector<std::int64_t>(h.head_dim, -1)};
  set.attend(h, {score.data(), r.weight.data(), r.acc.data()}, r.out.data());
  return r;
}

std::vector<float> run(const kern::KernelSet& set, const kern::AttentionHead& h) { return run_all(set, h).out; }

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(Attention, EveryKernelSetEqualsScalar) {
  std::mt19937 rng(11);
  const kern::KernelSet& scalar = *kern::find_kernel_set("scalar");
  int checked = 0;
  for (int hd : {32, 64, 96, 128}) {
    for (int n : {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 257}) {
      for (int extreme_every : {0, 7}) {
        const Cache cache(n, 3, hd, rng, extreme_every);
        // Soft, typical and very peaked attention (most weights round to 0 at the last).
        for (float q_factor : {1e-9f, 3e-3f, 0.5f, 40.0f}) {
          for (int kvh : {0, 2}) {
            const kern::AttentionHead h = cache.head(kvh, q_factor);
            const Result want = run_all(scalar, h);
            for (const kern::KernelSet* s : kern::available_kernel_sets()) {
              const Result got = run_all(*s, h);
              EXPECT_TRUE(same_bits(got.out, want.out)) << s->name << " hd " << hd << " n " << n << " q " << q_factor;
              EXPECT_TRUE(got.weight == want.weight && got.acc == want.acc) << s->name << " hd " << hd << " n " << n;
              ++checked;
            }
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(Attention, ZeroValueScalesGiveZeroOutput) {
  std::mt19937 rng(12);
  Cache cache(20, 1, 64, rng, 0);
  std::fill(cache.v_scale.begin(), cache.v_scale.end(), 0.0f);
  for (const kern::KernelSet* s : kern::available_kernel_sets())
    EXPECT_TRUE(same_bits(run(*s, cache.head(0, 1e-3f)), std::vector<float>(64, 0.0f))) << s->name;
}

// The integer pipeline against softmax attention in binary64 over the same quantised cache.
TEST(Attention, ScalarIsCloseToExactAttention) {
  std::mt19937 rng(13);
  for (int n : {1, 10, 300}) {
    const Cache cache(n, 1, 64, rng, 0);
    const float q_factor = 2e-3f;
    const kern::AttentionHead h = cache.head(0, q_factor);
    const std::vector<float> got = run(*kern::find_kernel_set("scalar"), h);
    std::vector<double> score(n);
    double max_score = -INFINITY;
    for (int t = 0; t < n; ++t) {
      double dot = 0;
      for (int i = 0; i < 64; ++i) dot += static_cast<double>(cache.q[i]) * cache.k[t * 64 + i];
      score[t] = dot * q_factor * cache.k_scale[t];
      max_score = std::max(max_score, score[t]);
    }
    double z = 0;
    for (double& s : score) z += (s = std::exp(s - max_score));
    double worst = 0, largest = 0;
    for (int i = 0; i < 64; ++i) {
      double want = 0;
      for (int t = 0; t < n; ++t) want += score[t] / z * cache.v[t * 64 + i] * cache.v_scale[t];
      worst = std::max(worst, std::fabs(got[i] - want));
      largest = std::max(largest, std::fabs(want));
    }
    EXPECT_LT(worst, 1e-5 * largest + 1e-12) << "n " << n;
  }
}

TEST(Attention, VectorExpEqualsScalar) {
  std::mt19937 rng(14);
  std::vector<float> x;
  for (int i = -95000; i <= 95000; i += 3) x.push_back(static_cast<float>(i) * 0.001f);
  const float specials[] = {0.0f, -0.0f, -87.0f, std::nextafter(-87.0f, -100.0f), 88.0f, 88.5f, 1e30f, -1e30f,
                            INFINITY, -INFINITY, NAN, std::numeric_limits<float>::denorm_min(), -1e-40f};
  x.insert(x.end(), std::begin(specials), std::end(specials));
  std::uniform_int_distribution<std::uint32_t> bits;
  for (int i = 0; i < 100000; ++i) {
    const std::uint32_t b = bits(rng);
    float f;
    std::memcpy(&f, &b, 4);
    x.push_back(f);
  }
  std::vector<float> want(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) want[i] = det::exp(x[i]);
  for (const kern::KernelSet* s : kern::available_kernel_sets()) {
    for (int n : {static_cast<int>(x.size()), 0, 1, 7, 8, 9, 15, 17, 33}) {  // every tail length
      std::vector<float> got(x.size(), -1.0f);
      s->exp_array(x.data(), got.data(), n);
      EXPECT_EQ(0, std::memcmp(got.data(), want.data(), static_cast<std::size_t>(n) * sizeof(float))) << s->name << " n " << n;
    }
  }
}

}  // namespace
}  // namespace llmz
