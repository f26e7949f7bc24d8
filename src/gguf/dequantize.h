// Row dequantisation of GGUF tensor data to binary32.
//
// Contract: dequantize_row(type, src, dst, n) writes n floats from n elements of `type` at src
// (n a multiple of the type's block size, else invalid_argument). The results equal the PyPI
// `gguf` package's gguf.quants.dequantize bit for bit: the same binary32 operations in the same
// order (tests/python/test_gguf_dequant.py checks it). No allocation.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "gguf/gguf.h"

namespace llmz::gguf {

Status dequantize_row(TensorType type, const std::uint8_t* src, float* dst, std::uint64_t n) noexcept;

}  // namespace llmz::gguf
