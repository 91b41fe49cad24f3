#include "eventstore/coding.h"

#include <gtest/gtest.h>

#include <limits>

namespace orgledger::eventstore {
namespace {

TEST(Coding, BigEndianOrderIsNumericOrder) {
  EXPECT_LT(EncodeFixed64BE(255), EncodeFixed64BE(256));
  EXPECT_LT(EncodeFixed64BE(1), EncodeFixed64BE(1ull << 40));
  std::string s = EncodeFixed64BE(0x0102030405060708ull);
  EXPECT_EQ(s, std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
}

TEST(Coding, VarintsRoundTrip) {
  for (std::uint64_t v : std::initializer_list<std::uint64_t>{
           0, 1, 127, 128, 300, 1ull << 35,
           std::numeric_limits<std::uint64_t>::max()}) {
    std::string s;
    PutVarint64(&s, v);
    std::string_view in = s;
    std::uint64_t out = 0;
    ASSERT_TRUE(GetVarint64(&in, &out));
    EXPECT_EQ(out, v);
    EXPECT_TRUE(in.empty());
  }
}

TEST(Coding, ShortInputIsRejected) {
  std::string_view in("\x80\x80", 2);
  std::uint64_t v = 0;
  EXPECT_FALSE(GetVarint64(&in, &v));
  std::string lp;
  PutVarint64(&lp, 10);
  lp += "abc";
  std::string_view lin = lp;
  std::string_view out;
  EXPECT_FALSE(GetLengthPrefixed(&lin, &out));
}

}  // namespace
}  // namespace orgledger::eventstore
