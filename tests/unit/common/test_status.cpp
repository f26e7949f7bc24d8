#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/model_locator.h"
#include "common/status.h"

namespace llmz {
namespace {

TEST(Status, NamesAreStableAndUnique) {
  EXPECT_STREQ(status_name(Status::ok), "ok");
  EXPECT_STREQ(status_name(Status::truncated), "truncated");
  EXPECT_STREQ(status_name(Status::wrong_model), "wrong_model");
  EXPECT_EQ(static_cast<int>(Status::model_not_found), 17);
  std::set<std::string> names;
  for (int i = 0; i <= static_cast<int>(Status::unsupported_model); ++i)
    names.insert(status_name(static_cast<Status>(i)));
  EXPECT_EQ(names.size(), static_cast<size_t>(Status::unsupported_model) + 1);
  EXPECT_EQ(names.count("unknown_status"), 0u);
}

TEST(Status, ErrorMessageNamesTheStatus) {
  const Error e(Status::out_of_bounds, "tensor x ends past the file");
  EXPECT_TRUE(static_cast<bool>(e));
  EXPECT_EQ(e.message(), "tensor x ends past the file (out_of_bounds)");
  EXPECT_EQ(Error().message(), "ok");
}

TEST(ModelLocator, ExplicitMissingPathIsAnError) {
  auto r = locate_model("/nonexistent/model.gguf");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status(), Status::model_not_found);
  EXPECT_NE(r.error().detail.find("/nonexistent/model.gguf"), std::string::npos);
}

TEST(ModelLocator, EmptyCacheSaysWhatToDo) {
  setenv("LLMZ_CACHE_DIR", "/nonexistent-llmz-cache", 1);
  unsetenv("LLMZ_MODEL");
  auto r = locate_model("");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().detail.find("make model"), std::string::npos);
  EXPECT_NE(r.error().detail.find("--model"), std::string::npos);
  unsetenv("LLMZ_CACHE_DIR");
}

}  // namespace
}  // namespace llmz
