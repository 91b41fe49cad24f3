#include "base/status.h"

#include <gtest/gtest.h>

#include "base/result.h"

namespace orgledger {
namespace {

TEST(Status, CodeNamesRoundTrip) {
  for (int c = 0; c <= static_cast<int>(Code::kInternal); ++c) {
    Code code = static_cast<Code>(c);
    std::optional<Code> back = CodeFromName(CodeName(code));
    ASSERT_TRUE(back.has_value()) << c;
    EXPECT_EQ(*back, code);
  }
  EXPECT_EQ(CodeName(Code::kInvalidRequest), "invalid_request");
  EXPECT_EQ(CodeName(Code::kNotAvailableOnEdition), "not_available_on_edition");
  EXPECT_FALSE(CodeFromName("no_such_code").has_value());
}

TEST(Status, ToStringNamesCodeAndMessage) {
  EXPECT_EQ(Status(Code::kLastAdmin, "x is the last admin").ToString(),
            "last_admin: x is the last admin");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(Result, HoldsValueOrError) {
  Result<int> v = 7;
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 7);
  Result<int> e = NotFound("gone");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace orgledger
