// The GGUF reader on valid files: every metadata getter on every value type, the tensor table,
// alignment, versions, and open() on real files.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <unistd.h>
#include <vector>

#include "gguf/dequantize.h"
#include "gguf/gguf.h"
#include "sample_files.h"

namespace llmz::gguf_test {
namespace {

using gguf::GgufFile;
using gguf::TensorType;
using gguf::ValueType;

class SampleFile : public ::testing::Test {
 protected:
  void SetUp() override {
    bytes_ = writer_.build();
    auto f = GgufFile::parse(bytes_);
    ASSERT_TRUE(f.ok()) << f.error().message();
    file_ = std::make_unique<GgufFile>(std::move(f).value());
  }
  const GgufFile& f() const { return *file_; }

  GgufWriter writer_ = sample_writer();
  Bytes bytes_;
  std::unique_ptr<GgufFile> file_;
};

TEST_F(SampleFile, Header) {
  EXPECT_EQ(f().version(), 3u);
  EXPECT_EQ(f().alignment(), 32u);
  EXPECT_EQ(f().file_size(), bytes_.size());
  EXPECT_EQ(f().bytes().data(), bytes_.data());  // a view, not a copy
  EXPECT_EQ(f().data_offset(), writer_.data_start());
  EXPECT_EQ(f().data_offset() % 32, 0u);
  EXPECT_EQ(f().metadata().size(), kSampleKeys);
  EXPECT_EQ(f().tensors().size(), kSampleTensors);
}

TEST_F(SampleFile, MetadataInFileOrderWithTypes) {
  const auto& md = f().metadata();
  ASSERT_EQ(md.size(), kSampleKeys);
  EXPECT_EQ(md[0].first, "general.architecture");
  EXPECT_EQ(md[0].second.type, ValueType::string);
  EXPECT_EQ(md[1].first, "llama.block_count");
  EXPECT_EQ(md[1].second.type, ValueType::u32);
  EXPECT_EQ(md.back().first, "a.empty_strings");
  const std::pair<const char*, ValueType> types[] = {
      {"v.u8", ValueType::u8},       {"v.i8", ValueType::i8},   {"v.u16", ValueType::u16},     {"v.i16", ValueType::i16},
      {"v.u32", ValueType::u32},     {"v.i32", ValueType::i32}, {"v.f32", ValueType::f32},     {"v.true", ValueType::boolean},
      {"v.string", ValueType::string}, {"a.u8", ValueType::array}, {"v.u64", ValueType::u64}, {"v.i64", ValueType::i64},
      {"v.f64", ValueType::f64}};
  for (const auto& [key, type] : types) {
    const gguf::Value* v = f().find(key);
    ASSERT_NE(v, nullptr) << key;
    EXPECT_EQ(v->type, type) << key;
  }
  EXPECT_EQ(f().find("absent"), nullptr);
  const gguf::Value* a = f().find("a.i16");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->elem_type, ValueType::i16);
  EXPECT_EQ(a->count, 2u);
  EXPECT_EQ(a->elems.size(), 4u);
  const gguf::Value* nested = f().find("a.nested");
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(nested->type, ValueType::array);
  EXPECT_EQ(nested->elem_type, ValueType::array);
  EXPECT_EQ(nested->count, 3u);
  // The parser continued correctly after the nested array: the next keys read right.
  EXPECT_EQ(f().find("a.empty")->count, 0u);
  EXPECT_EQ(f().find("a.empty")->elem_type, ValueType::u32);
}

TEST_F(SampleFile, UnsignedGetter) {
  EXPECT_EQ(f().get_u64("llama.block_count").value(), 30u);
  EXPECT_EQ(f().get_u64("v.u8").value(), 200u);
  EXPECT_EQ(f().get_u64("v.u16").value(), 60000u);
  EXPECT_EQ(f().get_u64("v.u32").value(), 4000000000u);
  EXPECT_EQ(f().get_u64("v.u64").value(), (1ull << 63) + 5);
  EXPECT_EQ(f().get_u64("v.i32.pos").value(), 7u);  // a non-negative signed value
  for (const char* negative : {"v.i8", "v.i16", "v.i32", "v.i64"})
    EXPECT_EQ(f().get_u64(negative).status(), Status::type_mismatch) << negative;
  for (const char* other : {"v.f32", "v.f64", "v.true", "v.string", "a.u8", "a.nested"})
    EXPECT_EQ(f().get_u64(other).status(), Status::type_mismatch) << other;
  EXPECT_EQ(f().get_u64("absent").status(), Status::missing_key);
  EXPECT_NE(f().get_u64("absent").error().detail.find("absent"), std::string::npos);
}

TEST_F(SampleFile, SignedGetter) {
  EXPECT_EQ(f().get_i64("v.i8").value(), -100);
  EXPECT_EQ(f().get_i64("v.i16").value(), -30000);
  EXPECT_EQ(f().get_i64("v.i32").value(), -2000000000);
  EXPECT_EQ(f().get_i64("v.i64").value(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(f().get_i64("v.u8").value(), 200);
  EXPECT_EQ(f().get_i64("v.u16").value(), 60000);
  EXPECT_EQ(f().get_i64("v.u32").value(), 4000000000ll);
  EXPECT_EQ(f().get_i64("v.u64.small").value(), 1ll << 40);
  EXPECT_EQ(f().get_i64("v.u64").status(), Status::overflow);  // 2^63 + 5 does not fit
  for (const char* other : {"v.f32", "v.true", "v.string", "a.i32"})
    EXPECT_EQ(f().get_i64(other).status(), Status::type_mismatch) << other;
  EXPECT_EQ(f().get_i64("absent").status(), Status::missing_key);
}

TEST_F(SampleFile, FloatBoolAndStringGetters) {
  EXPECT_EQ(f().get_f64("v.f32").value(), static_cast<double>(0.1f));  // exactly the binary32 value
  EXPECT_EQ(f().get_f64("v.f64").value(), -2.5e300);
  EXPECT_EQ(f().get_f64("v.u32").status(), Status::type_mismatch);
  EXPECT_EQ(f().get_f64("a.f32").status(), Status::type_mismatch);
  EXPECT_EQ(f().get_f64("absent").status(), Status::missing_key);

  EXPECT_TRUE(f().get_bool("v.true").value());
  EXPECT_FALSE(f().get_bool("v.false").value());
  EXPECT_EQ(f().get_bool("v.u8").status(), Status::type_mismatch);
  EXPECT_EQ(f().get_bool("absent").status(), Status::missing_key);

  EXPECT_EQ(f().get_string("general.architecture").value(), "llama");
  EXPECT_EQ(f().get_string("v.string").value(), "h\xC3\xA9llo\nworld");
  EXPECT_EQ(f().get_string("v.empty_string").value(), "");
  EXPECT_EQ(f().get_string("v.nul_string").value(), std::string_view("a\0b", 3));
  EXPECT_EQ(f().get_string("v.long_string").value(), kLongString);
  const std::string_view s = f().get_string("general.architecture").value();
  EXPECT_GE(reinterpret_cast<const std::uint8_t*>(s.data()), bytes_.data());  // a view into the file
  EXPECT_LT(reinterpret_cast<const std::uint8_t*>(s.data()), bytes_.data() + bytes_.size());
  EXPECT_EQ(f().get_string("llama.block_count").status(), Status::type_mismatch);
  EXPECT_EQ(f().get_string("tokenizer.ggml.tokens").status(), Status::type_mismatch);
  EXPECT_EQ(f().get_string("absent").status(), Status::missing_key);
}

TEST_F(SampleFile, StringArrayGetter) {
  auto toks = f().get_string_array("tokenizer.ggml.tokens");
  ASSERT_TRUE(toks.ok());
  ASSERT_EQ(toks.value().size(), 4u);
  EXPECT_EQ(toks.value()[0], "<s>");
  EXPECT_EQ(toks.value()[1], "");
  EXPECT_EQ(toks.value()[2], "h\xC3\xA9");
  EXPECT_EQ(toks.value()[3], std::string_view("\0", 1));
  EXPECT_EQ(f().get_string_array("a.empty_strings").value().size(), 0u);
  for (const char* other : {"a.i32", "a.empty", "a.nested", "v.string"})
    EXPECT_EQ(f().get_string_array(other).status(), Status::type_mismatch) << other;
  EXPECT_EQ(f().get_string_array("absent").status(), Status::missing_key);
}

TEST_F(SampleFile, IntegerArrayGetter) {
  using V = std::vector<std::int32_t>;
  EXPECT_EQ(f().get_i32_array("a.u8").value(), (V{1, 2, 255}));
  EXPECT_EQ(f().get_i32_array("a.i8").value(), (V{-1, 2, -128}));
  EXPECT_EQ(f().get_i32_array("a.u16").value(), (V{0, 65535}));
  EXPECT_EQ(f().get_i32_array("a.i16").value(), (V{-32768, 32767}));
  EXPECT_EQ(f().get_i32_array("a.u32").value(), (V{0, 0x7FFFFFFF}));
  EXPECT_EQ(f().get_i32_array("a.i32").value(), (V{1, -2, std::numeric_limits<std::int32_t>::min()}));
  EXPECT_EQ(f().get_i32_array("a.u64").value(), (V{5, 0x7FFFFFFF}));
  EXPECT_EQ(f().get_i32_array("a.i64").value(), (V{-7, std::numeric_limits<std::int32_t>::min()}));
  EXPECT_EQ(f().get_i32_array("a.empty").value(), V{});
  for (const char* too_big : {"a.u32.big", "a.u64.big", "a.i64.big"})
    EXPECT_EQ(f().get_i32_array(too_big).status(), Status::overflow) << too_big;
  for (const char* other : {"a.f32", "a.bool", "tokenizer.ggml.tokens", "a.nested", "v.i32"})
    EXPECT_EQ(f().get_i32_array(other).status(), Status::type_mismatch) << other;
  EXPECT_EQ(f().get_i32_array("absent").status(), Status::missing_key);
}

TEST_F(SampleFile, FloatArrayGetter) {
  EXPECT_EQ(f().get_f32_array("a.f32").value(), (std::vector<float>{1.5f, -0.25f, 0.1f}));
  const auto d = f().get_f32_array("a.f64").value();
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0], 0.0f);  // 1e-300 rounds to zero in binary32
  EXPECT_EQ(d[1], 2.5f);
  EXPECT_TRUE(std::isinf(d[2]) && d[2] < 0);
  for (const char* other : {"a.i32", "a.u8", "tokenizer.ggml.tokens", "v.f32"})
    EXPECT_EQ(f().get_f32_array(other).status(), Status::type_mismatch) << other;
  EXPECT_EQ(f().get_f32_array("absent").status(), Status::missing_key);
}

TEST_F(SampleFile, ValueToString) {
  auto render = [&](const char* key, std::size_t max_len = 80) { return f().value_to_string(*f().find(key), max_len); };
  EXPECT_EQ(render("general.architecture"), "\"llama\"");
  EXPECT_EQ(render("llama.block_count"), "30");
  EXPECT_EQ(render("v.i8"), "-100");
  EXPECT_EQ(render("v.i64"), "-9223372036854775808");
  EXPECT_EQ(render("v.u64"), "9223372036854775813");
  EXPECT_EQ(render("v.true"), "true");
  EXPECT_EQ(render("v.false"), "false");
  EXPECT_EQ(render("v.string"), "\"h\xC3\xA9llo world\"");  // newline flattened
  EXPECT_EQ(render("v.f64"), "-2.5e+300");
  EXPECT_EQ(render("v.nul_string"), "\"a b\"");  // control characters shown as spaces
  // Floats in the shortest form that reads back exactly (1e-05, not 0.000010).
  EXPECT_EQ(render("v.f32"), "0.1");
  // Arrays: count, element type, then the first elements that fit.
  EXPECT_EQ(render("tokenizer.ggml.tokens"), "[4 string] \"<s>\", \"\", \"h\xC3\xA9\", \" \"");
  EXPECT_EQ(render("a.i32"), "[3 i32] 1, -2, -2147483648");
  EXPECT_EQ(render("a.u64"), "[2 u64] 5, 2147483647");
  EXPECT_EQ(render("a.i8"), "[3 i8] -1, 2, -128");
  EXPECT_EQ(render("a.u16"), "[2 u16] 0, 65535");
  EXPECT_EQ(render("a.f32"), "[3 f32] 1.5, -0.25, 0.1");
  EXPECT_EQ(render("a.f64"), "[3 f64] 1e-300, 2.5, -1e+300");
  EXPECT_EQ(render("a.bool"), "[2 bool] true, false");
  EXPECT_EQ(render("a.nested"), "[3 array]");
  EXPECT_EQ(render("a.empty"), "[0 u32]");
  EXPECT_EQ(render("a.u8", 9), "[3 u8] 1,...");
  // By key; an absent key renders as nothing.
  EXPECT_EQ(f().value_to_string("llama.block_count"), "30");
  EXPECT_EQ(f().value_to_string("a.i16", 12), "[2 i16] -327...");
  EXPECT_EQ(f().value_to_string("absent"), "");
  const std::string truncated = render("v.long_string", 10);
  EXPECT_EQ(truncated, "\"xxxxxxxxx...");
  EXPECT_LE(render("v.long_string").size(), 83u);
}

TEST_F(SampleFile, TensorTable) {
  struct Want {
    const char* name;
    TensorType type;
    std::uint32_t n_dims;
    std::uint64_t ne0, n_rows, row_bytes;
  };
  const Want want[] = {
      {"f32", TensorType::F32, 2, 4, 3, 16},        {"f16", TensorType::F16, 2, 8, 2, 16},
      {"bf16", TensorType::BF16, 1, 16, 1, 32},     {"q4_0", TensorType::Q4_0, 2, 64, 2, 36},
      {"q4_1", TensorType::Q4_1, 1, 32, 1, 20},     {"q8_0", TensorType::Q8_0, 3, 32, 3, 34},
      {"q4_k", TensorType::Q4_K, 1, 256, 1, 144},   {"q6_k", TensorType::Q6_K, 4, 256, 2, 210},
  };
  ASSERT_EQ(f().tensors().size(), std::size(want));
  for (std::size_t i = 0; i < std::size(want); ++i) {
    const gguf::TensorInfo& t = f().tensors()[i];
    SCOPED_TRACE(want[i].name);
    EXPECT_EQ(t.name, want[i].name);  // file order
    EXPECT_EQ(t.type, want[i].type);
    EXPECT_EQ(t.n_dims, want[i].n_dims);
    EXPECT_EQ(t.ne[0], want[i].ne0);
    for (std::uint32_t d = t.n_dims; d < 4; ++d) EXPECT_EQ(t.ne[d], 1u);
    EXPECT_EQ(t.n_rows, want[i].n_rows);
    EXPECT_EQ(t.n_elements, want[i].ne0 * want[i].n_rows);
    EXPECT_EQ(t.row_bytes, want[i].row_bytes);
    EXPECT_EQ(t.n_bytes, want[i].row_bytes * want[i].n_rows);
    EXPECT_EQ(t.offset_in_file, writer_.tensor_data_at(i));  // absolute
    EXPECT_EQ(t.offset_in_file % 32, 0u);
    EXPECT_EQ(t.data, bytes_.data() + t.offset_in_file);  // a view into the bytes
    EXPECT_EQ(f().find_tensor(want[i].name), &t);
  }
  EXPECT_EQ(f().find_tensor("q8_0")->ne[2], 3u);
  EXPECT_EQ(f().find_tensor("q6_k")->ne[3], 2u);
  EXPECT_EQ(f().find_tensor("absent"), nullptr);
  EXPECT_EQ(f().find_tensor(""), nullptr);
  // The last tensor ends the file.
  const gguf::TensorInfo& last = f().tensors().back();
  EXPECT_EQ(last.offset_in_file + last.n_bytes, bytes_.size());
  std::string why;
  EXPECT_TRUE(read_everything(f(), &why)) << why;
}

TEST_F(SampleFile, TensorDataDequantise) {
  const gguf::TensorInfo* t = f().find_tensor("f32");
  ASSERT_NE(t, nullptr);
  float row[4];
  ASSERT_EQ(gguf::dequantize_row(t->type, t->data + 2 * t->row_bytes, row, 4), Status::ok);
  EXPECT_EQ(row[0], 5.5f);
  EXPECT_EQ(row[3], 8.5f);
}

TEST(GgufParse, Version2AndEmptyFiles) {
  GgufWriter w;
  w.version = 2;
  w.kv("x", u32(1)).tensor("t", tF32, {2}, f32_bytes({1, 2}));
  auto f = GgufFile::parse(w.build());
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ(f.value().version(), 2u);
  EXPECT_EQ(f.value().get_u64("x").value(), 1u);
  EXPECT_EQ(f.value().tensors().size(), 1u);

  const Bytes empty = GgufWriter().build();  // header only: no keys, no tensors
  EXPECT_EQ(empty.size(), 24u);
  auto e = GgufFile::parse(empty);
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_TRUE(e.value().metadata().empty());
  EXPECT_TRUE(e.value().tensors().empty());
}

// general.alignment as u32, u64 and i32, 1 and the 2^20 maximum included: data placed at its multiples.
TEST(GgufParse, CustomAlignment) {
  struct Case {
    Encoded value;
    std::uint64_t alignment;
  };
  const Case cases[] = {{u32(64), 64}, {u64(128), 128}, {i32(16), 16}, {u32(1), 1}, {u32(1u << 20), 1u << 20}};
  for (const auto& c : cases) {
    GgufWriter w;
    w.alignment = c.alignment;
    w.kv("general.alignment", c.value)
        .tensor("a", tF32, {3}, f32_bytes({1, 2, 3}))
        .tensor("b", tQ8_0, {32}, random_bytes(34, 9))
        .tensor("c", tF16, {1}, random_bytes(2, 10));
    const Bytes bytes = w.build();
    auto f = GgufFile::parse(bytes);
    ASSERT_TRUE(f.ok()) << c.alignment << ": " << f.error().message();
    EXPECT_EQ(f.value().alignment(), c.alignment);
    EXPECT_EQ(f.value().data_offset() % c.alignment, 0u);
    EXPECT_EQ(f.value().data_offset(), w.data_start());
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(f.value().tensors()[i].offset_in_file, w.tensor_data_at(i)) << c.alignment;
      EXPECT_EQ(f.value().tensors()[i].offset_in_file % c.alignment, 0u);
    }
  }
}

// Tensors may share data (no overlap check is promised) and a file may hold no metadata.
TEST(GgufParse, TensorsSharingData) {
  GgufWriter w;
  w.tensor("a", tF32, {8}, f32_bytes({1, 2, 3, 4, 5, 6, 7, 8})).tensor("b", tF32, {4}, {});
  Bytes bytes = w.build();
  patch(bytes, w.tensor_offset_at(1), 0, 8);  // b aliases a's first half
  auto f = GgufFile::parse(bytes);
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ(f.value().find_tensor("a")->data, f.value().find_tensor("b")->data);
}

class TempFile {
 public:
  explicit TempFile(const Bytes& bytes) {
    path_ = (std::filesystem::temp_directory_path() / ("llmz_gguf_test_" + std::to_string(::getpid()) + "_" +
                                                        std::to_string(counter_++) + ".gguf")).string();
    std::ofstream out(path_, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

TEST(GgufOpen, MapsAndParsesAFile) {
  const GgufWriter w = sample_writer();
  const Bytes bytes = w.build();
  TempFile tmp(bytes);
  auto opened = GgufFile::open(tmp.path());
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  GgufFile f = std::move(opened).value();  // moving keeps every view valid
  GgufFile moved;
  moved = std::move(f);
  EXPECT_EQ(moved.file_size(), bytes.size());
  EXPECT_EQ(moved.get_string("general.architecture").value(), "llama");
  EXPECT_EQ(moved.get_string_array("tokenizer.ggml.tokens").value()[0], "<s>");
  const gguf::TensorInfo* t = moved.find_tensor("q6_k");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->offset_in_file, w.tensor_data_at(7));
  EXPECT_EQ(std::memcmp(t->data, bytes.data() + t->offset_in_file, t->n_bytes), 0);
  std::string why;
  EXPECT_TRUE(read_everything(moved, &why)) << why;
}

TEST(GgufOpen, ErrorsNameTheFile) {
  auto missing = GgufFile::open("/nonexistent/model.gguf");
  EXPECT_EQ(missing.status(), Status::io_error);
  EXPECT_NE(missing.error().detail.find("/nonexistent/model.gguf"), std::string::npos);

  auto dir = GgufFile::open(std::filesystem::temp_directory_path().string());
  EXPECT_EQ(dir.status(), Status::io_error);

  TempFile empty(Bytes{});
  auto e = GgufFile::open(empty.path());
  EXPECT_EQ(e.status(), Status::truncated);
  EXPECT_NE(e.error().detail.find(empty.path()), std::string::npos);

  Bytes bad = sample_writer().build();
  bad[0] = 'X';
  TempFile bad_file(bad);
  auto b = GgufFile::open(bad_file.path());
  EXPECT_EQ(b.status(), Status::bad_magic);
  EXPECT_NE(b.error().detail.find(bad_file.path()), std::string::npos);
}

}  // namespace
}  // namespace llmz::gguf_test
