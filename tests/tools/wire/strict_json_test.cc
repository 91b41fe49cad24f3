// ParseStrictJson: well-formed JSON with no key twice in one object.
#include "tools/wire/strict_json.h"

#include <gtest/gtest.h>

namespace orgledger::wire {
namespace {

TEST(StrictJson, AKeyTwiceInOneObjectIsRefusedByName) {
  Result<boost::json::value> v =
      ParseStrictJson(R"({"op": "x", "actor": {"id": "a"}, "actor": {}})");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kInvalidRequest);
  EXPECT_NE(v.status().message().find("duplicate key \"actor\""),
            std::string::npos)
      << v.status().message();
}

TEST(StrictJson, NestedAndEscapedDuplicatesAreFoundToo) {
  Result<boost::json::value> nested =
      ParseStrictJson(R"({"actor": {"id": "a", "id": "b"}})");
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.status().message().find("\"id\""), std::string::npos);
  // "\u0069d" is "id": the same key, however it is spelled.
  Result<boost::json::value> escaped =
      ParseStrictJson(R"({"id": 1, "\u0069d": 2})");
  ASSERT_FALSE(escaped.ok());
  EXPECT_NE(escaped.status().message().find("\"id\""), std::string::npos);
  Result<boost::json::value> in_array =
      ParseStrictJson(R"([{"a": 1}, {"b": 1, "b": 2}])");
  EXPECT_FALSE(in_array.ok());
}

TEST(StrictJson, TheSameKeyInSeparateObjectsIsFine) {
  Result<boost::json::value> v = ParseStrictJson(
      R"({"actor": {"id": "a"}, "viewer": {"id": "b"}, "list": [{"id": 1},)"
      R"( {"id": 2}], "id": 3})");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->at("id").as_int64(), 3);
}

TEST(StrictJson, MalformedTextSaysSo) {
  Result<boost::json::value> v = ParseStrictJson("{nope");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kInvalidRequest);
  EXPECT_NE(v.status().message().find("malformed JSON"), std::string::npos);
}

}  // namespace
}  // namespace orgledger::wire
