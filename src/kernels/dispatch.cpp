#include "kernels/dispatch.h"

#include <cstdlib>

namespace llmz::kern {

#if defined(__x86_64__) || defined(__i386__)
void matmul_avx2(const QuantMatrix& w, const QuantActivations& x, int row_begin, int row_end, float* y, int y_stride);
void matmul_avx512(const QuantMatrix& w, const QuantActivations& x, int row_begin, int row_end, float* y,
                   int y_stride);
void attend_avx2(const AttentionHead& h, const AttentionScratch& s, float* out);
void attend_avx512(const AttentionHead& h, const AttentionScratch& s, float* out);
void attend_avx512vnni(const AttentionHead& h, const AttentionScratch& s, float* out);
void exp_array_avx2(const float* x, float* y, int n);
void exp_array_avx512(const float* x, float* y, int n);
#define LLMZ_HAVE_X86_KERNELS 1
#endif

namespace {

const KernelSet kScalar{"scalar", &matmul_scalar, &attend_scalar, &exp_array_scalar};
#ifdef LLMZ_HAVE_X86_KERNELS
const KernelSet kAvx2{"avx2", &matmul_avx2, &attend_avx2, &exp_array_avx2};
const KernelSet kAvx512{"avx512", &matmul_avx512, &attend_avx512, &exp_array_avx512};
const KernelSet kAvx512Vnni{"avx512vnni", &matmul_avx512, &attend_avx512vnni, &exp_array_avx512};

bool cpu_has_avx2() { return __builtin_cpu_supports("avx2") != 0; }
bool cpu_has_avx512() {
  return __builtin_cpu_supports("avx512f") != 0 && __builtin_cpu_supports("avx512bw") != 0 &&
         __builtin_cpu_supports("avx512vl") != 0 && __builtin_cpu_supports("avx512dq") != 0;
}
#endif

}  // namespace

std::vector<const KernelSet*> available_kernel_sets() {
  std::vector<const KernelSet*> sets{&kScalar};
#ifdef LLMZ_HAVE_X86_KERNELS
  __builtin_cpu_init();
  if (cpu_has_avx2()) sets.push_back(&kAvx2);
  if (cpu_has_avx512()) sets.push_back(&kAvx512);
  if (cpu_has_avx512() && __builtin_cpu_supports("avx512vnni") != 0) sets.push_back(&kAvx512Vnni);
#endif
  return sets;
}

const KernelSet* find_kernel_set(const std::string& name) {
  for (const KernelSet* s : available_kernel_sets())
    if (name == s->name) return s;
  return nullptr;
}

const KernelSet& active_kernels() {
  static const KernelSet* chosen = [] {
    const std::vector<const KernelSet*> sets = available_kernel_sets();
    const char* env = std::getenv("LLMZ_KERNELS");
    if (env != nullptr && *env != '\0' && std::string(env) != "auto") {
      // The highest available level not above the requested one.
      const std::string want(env);
      const KernelSet* best = sets.front();
      for (const KernelSet* s : sets) {
        best = s;
        if (want == s->name) break;
      }
      return best;
    }
    return sets.back();
  }();
  return *chosen;
}

}  // namespace llmz::kern
