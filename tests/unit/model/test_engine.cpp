// Determinism proofs of DESIGN.md D1 on the real default model (provisioned by `make model`):
// prefill vs token by token, thread counts, batch composition, kernel sets, and a committed golden
// hash of the whole frequency-table stream of bitter_lesson.txt.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "common/model_locator.h"
#include "kernels/dispatch.h"
#include "model/engine.h"
#include "model/model.h"
#include "../../support/default_model.h"

namespace llmz {
namespace {

// Token 0 (<|endoftext|>) starts every sequence, as the compressor's frames do.
constexpr std::int32_t kStartToken = 0;

class EngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const testing::DefaultModel& d = testing::default_model();
    ASSERT_TRUE(d.error.empty()) << d.error;
    model_ = d.model.get();
    const auto text = testing::corpus_bytes("bitter_lesson.txt");
    ASSERT_FALSE(text.empty());
    tokens_ = new std::vector<std::int32_t>{kStartToken};
    d.tokenizer->encode_append(text, *tokens_);
  }
  static void TearDownTestSuite() {
    delete tokens_;
    tokens_ = nullptr;
  }

  static std::unique_ptr<Engine> engine(int threads, int max_batch = 64, const kern::KernelSet* kernels = nullptr) {
    EngineOptions o;
    o.threads = threads;
    o.max_batch = max_batch;
    o.kernels = kernels;
    auto e = Engine::create(*model_, o);
    EXPECT_TRUE(e.ok());
    return std::move(e).value();
  }
  static std::vector<std::int32_t> prefix(std::size_t n) {
    return std::vector<std::int32_t>(tokens_->begin(), tokens_->begin() + static_cast<std::ptrdiff_t>(n));
  }
  // Frequency tables for `toks` evaluated as one prefill.
  static std::vector<std::uint32_t> prefill_all(Engine& e, const std::vector<std::int32_t>& toks) {
    Sequence seq(model_->config(), static_cast<int>(toks.size()));
    std::vector<std::uint32_t> f(toks.size() * model_->config().vocab);
    EXPECT_EQ(e.prefill(seq, toks, f), Status::ok);
    return f;
  }

  static Model* model_;
  static std::vector<std::int32_t>* tokens_;
};
Model* EngineTest::model_ = nullptr;
std::vector<std::int32_t>* EngineTest::tokens_ = nullptr;

std::uint64_t fnv1a(const std::vector<std::uint32_t>& v, std::uint64_t h = 1469598103934665603ull) {
  for (std::uint32_t x : v)
    for (int k = 0; k < 4; ++k) h = (h ^ ((x >> (8 * k)) & 0xFF)) * 1099511628211ull;
  return h;
}

TEST_F(EngineTest, TablesAreValid) {
  auto e = engine(2);
  const auto toks = prefix(8);
  const auto f = prefill_all(*e, toks);
  const int vocab = model_->config().vocab;
  for (std::size_t r = 0; r < toks.size(); ++r) {
    std::uint64_t sum = 0;
    for (int i = 0; i < vocab; ++i) {
      ASSERT_GE(f[r * vocab + i], 1u);
      sum += f[r * vocab + i];
    }
    EXPECT_EQ(sum, std::uint64_t{1} << e->cdf_bits());
  }
}

TEST_F(EngineTest, PrefillEqualsTokenByTokenAndAnyChunking) {
  const auto toks = prefix(40);
  auto e = engine(2);
  const auto whole = prefill_all(*e, toks);
  // One token at a time through step().
  Sequence seq(model_->config(), 64);
  const int vocab = model_->config().vocab;
  std::vector<std::uint32_t> one(vocab), stepwise;
  for (std::int32_t t : toks) {
    Sequence* s = &seq;
    ASSERT_EQ(e->step(std::span<Sequence* const>(&s, 1), std::span<const std::int32_t>(&t, 1), one), Status::ok);
    stepwise.insert(stepwise.end(), one.begin(), one.end());
  }
  EXPECT_TRUE(whole == stepwise);
  // Prefill in uneven internal chunks, and in two calls.
  auto e7 = engine(2, 7);
  EXPECT_TRUE(prefill_all(*e7, toks) == whole);
  Sequence split(model_->config(), 64);
  std::vector<std::uint32_t> a(13 * vocab), b((toks.size() - 13) * vocab);
  ASSERT_EQ(e->prefill(split, std::span<const std::int32_t>(toks).first(13), a), Status::ok);
  ASSERT_EQ(e->prefill(split, std::span<const std::int32_t>(toks).subspan(13), b), Status::ok);
  a.insert(a.end(), b.begin(), b.end());
  EXPECT_TRUE(a == whole);
}

TEST_F(EngineTest, ThreadCountsGiveIdenticalTables) {
  const auto toks = prefix(24);
  auto e1 = engine(1);
  const auto f1 = prefill_all(*e1, toks);
  for (int threads : {2, 7}) {
    auto e = engine(threads);
    EXPECT_TRUE(prefill_all(*e, toks) == f1) << threads << " threads";
  }
}

TEST_F(EngineTest, BatchCompositionDoesNotMatter) {
  // Sequence A alone, token by token, vs A stepped in lock-step beside 5 others of different
  // lengths and contents.
  const int vocab = model_->config().vocab;
  const auto toks = prefix(20);
  auto e = engine(2);
  const auto alone = prefill_all(*e, toks);
  std::vector<std::unique_ptr<Sequence>> seqs;
  for (int s = 0; s < 6; ++s) seqs.push_back(std::make_unique<Sequence>(model_->config(), 128));
  // Give the others different histories first.
  for (int s = 1; s < 6; ++s) {
    const auto other = std::vector<std::int32_t>(tokens_->begin() + 50 * s, tokens_->begin() + 50 * s + 3 * s);
    std::vector<std::uint32_t> f(other.size() * vocab);
    ASSERT_EQ(e->prefill(*seqs[s], other, f), Status::ok);
  }
  std::vector<Sequence*> ptrs;
  for (auto& s : seqs) ptrs.push_back(s.get());
  std::vector<std::uint32_t> batched, out(6 * vocab);
  for (std::size_t i = 0; i < toks.size(); ++i) {
    std::vector<std::int32_t> step_tokens{toks[i]};
    for (int s = 1; s < 6; ++s) step_tokens.push_back((*tokens_)[300 + 7 * s + i]);
    ASSERT_EQ(e->step(ptrs, step_tokens, out), Status::ok);
    batched.insert(batched.end(), out.begin(), out.begin() + vocab);
  }
  EXPECT_TRUE(batched == alone);
}

TEST_F(EngineTest, EveryKernelSetEqualsScalar) {
  const auto toks = prefix(12);
  const auto sets = kern::available_kernel_sets();
  auto scalar = engine(2, 64, sets.front());
  const auto want = prefill_all(*scalar, toks);
  for (const kern::KernelSet* s : sets) {
    auto e = engine(2, 64, s);
    EXPECT_TRUE(prefill_all(*e, toks) == want) << s->name;
  }
}

TEST_F(EngineTest, RejectsBadInput) {
  auto e = engine(1);
  const int vocab = model_->config().vocab;
  Sequence seq(model_->config(), 4);
  std::vector<std::uint32_t> f(5 * vocab);
  const std::vector<std::int32_t> five{1, 2, 3, 4, 5};
  EXPECT_EQ(e->prefill(seq, five, f), Status::invalid_argument);  // over capacity
  EXPECT_EQ(seq.length(), 0);
  const std::vector<std::int32_t> bad{vocab};
  std::vector<std::uint32_t> f1(vocab);
  EXPECT_EQ(e->prefill(seq, bad, f1), Status::invalid_argument);
  const std::vector<std::int32_t> ok{1};
  EXPECT_EQ(e->prefill(seq, ok, f), Status::invalid_argument);  // wrong output size
  Sequence* twice[2] = {&seq, &seq};
  const std::vector<std::int32_t> two{1, 2};
  std::vector<std::uint32_t> f2(2 * vocab);
  EXPECT_EQ(e->step(twice, two, f2), Status::invalid_argument);
  EngineOptions o;
  o.cdf_bits = 15;
  EXPECT_FALSE(Engine::create(*model_, o).ok());
}

// Golden hashes of the frequency-table stream (cdf_bits 24) of bitter_lesson.txt, token 0 first.
// Any machine, thread count, kernel set or build type must reproduce them; they change only with
// a format version bump (docs/FORMAT.md).
constexpr std::uint64_t kGoldenPrefix64 = 0x823f5e562f577fbdull;
constexpr std::uint64_t kGoldenFull = 0x4afce38c993b5280ull;

TEST_F(EngineTest, GoldenHashPrefix64) {
  auto e = engine(0);
  const auto f = prefill_all(*e, prefix(64));
  EXPECT_EQ(fnv1a(f), kGoldenPrefix64) << std::hex << "0x" << fnv1a(f) << " with " << e->kernel_name();
}

TEST_F(EngineTest, GoldenHashFullText) {
  auto e = engine(0);
  const auto f = prefill_all(*e, *tokens_);
  EXPECT_EQ(fnv1a(f), kGoldenFull) << std::hex << "0x" << fnv1a(f) << " over " << std::dec << tokens_->size()
                                   << " tokens with " << e->kernel_name();
}

}  // namespace
}  // namespace llmz
