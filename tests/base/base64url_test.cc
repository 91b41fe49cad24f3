// Base64url: RFC 4648's test vectors (unpadded, url alphabet), round trips
// of random bytes, and texts that are not what the encoder writes.
#include "base/base64url.h"

#include <gtest/gtest.h>

#include <random>

namespace orgledger {
namespace {

TEST(Base64Url, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg"},
      {"fo", "Zm8"},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg"},
      {"fooba", "Zm9vYmE"},
      {"foobar", "Zm9vYmFy"}};
  for (const auto& [bytes, text] : vectors) {
    EXPECT_EQ(Base64UrlEncode(bytes), text);
    EXPECT_EQ(Base64UrlDecode(text), bytes);
  }
  // The url alphabet: 0xfb 0xff is "-_8" (standard base64: "+/8=").
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlDecode("-_8"), "\xfb\xff");
}

TEST(Base64Url, RandomBytesRoundTrip) {
  std::mt19937 rng(5);
  for (int n = 0; n < 200; ++n) {
    std::string bytes(static_cast<std::size_t>(n % 40), '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    const std::string text = Base64UrlEncode(bytes);
    EXPECT_EQ(text.size(), (bytes.size() * 4 + 2) / 3);
    EXPECT_EQ(Base64UrlDecode(text), bytes);
  }
}

TEST(Base64Url, OnlyTheEncodersTextsDecode) {
  EXPECT_FALSE(Base64UrlDecode("Zm9v=").has_value());  // padding
  EXPECT_FALSE(Base64UrlDecode("Zm+v").has_value());   // standard alphabet
  EXPECT_FALSE(Base64UrlDecode("Zm9 ").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zm9vY").has_value());  // 1 mod 4
  EXPECT_FALSE(Base64UrlDecode("Zh").has_value());     // "f" is "Zg"
  EXPECT_FALSE(Base64UrlDecode("Zm9").has_value());    // "fo" is "Zm8"
}

}  // namespace
}  // namespace orgledger
