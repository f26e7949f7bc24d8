// Kernel dispatch: which implementation of each kernel family runs on this CPU.
//
// Contract: every family has a scalar implementation, the specification; SIMD implementations
// are chosen at run time from what the CPU supports, and all of them return bits identical to
// the scalar one (tested with ==). The environment variable LLMZ_KERNELS=scalar|avx2|avx512|avx512vnni
// forces a level (falling back to a lower one the CPU supports; unknown values mean "auto").
#pragma once

#include <string>
#include <vector>

#include "kernels/attention.h"
#include "kernels/qmatmul.h"

namespace llmz::kern {

struct KernelSet {
  const char* name;  // "scalar", "avx2", "avx512", "avx512vnni"
  MatmulFn matmul;
  AttendFn attend;
  ExpArrayFn exp_array;
};

// Every kernel set compiled in and supported by this CPU, scalar first.
std::vector<const KernelSet*> available_kernel_sets();

// The set chosen for this process: LLMZ_KERNELS if set, else the best available. Read once.
const KernelSet& active_kernels();

// A set by name if compiled in and supported here, else nullptr.
const KernelSet* find_kernel_set(const std::string& name);

}  // namespace llmz::kern
