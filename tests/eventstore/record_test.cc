#include "eventstore/record.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/testing/test_dir.h"

namespace orgledger::eventstore {
namespace {

TEST(Record, HardwareAndPortableCrc32cAgree) {
  std::string bytes;
  for (int n = 0; n < 300; ++n) {
    EXPECT_EQ(Crc32c(bytes), Crc32cPortable(bytes)) << n << " bytes";
    bytes.push_back(static_cast<char>(n * 37 + 11));
  }
}

TEST(Record, Crc32cMatchesTheStandardCheckValue) {
  // The check value of CRC-32C (RFC 3720, B.4).
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32cPortable("123456789"), 0xE3069283u);
}

TEST(Record, ChainHashIsSha256OfPrevAndBody) {
  // SHA-256 of 32 zero bytes followed by "abc" (computed with Python's
  // hashlib, independently of OpenSSL).
  Hash zero{};
  EXPECT_EQ(HashToHex(ChainHash(zero, "abc")),
            "365aa7d8f7f9402c4b9434502b4cc89ddb09fe50d7cd95b493b834c62d5a5370");
}

TEST(Record, EncodeDecodeRoundTrip) {
  EventData data{"InviteSent", std::string("m\0eta", 5), std::string(300, 'p')};
  std::string body = EncodeBody(42, "org-7", 3, data);
  Hash prev{};
  prev[0] = 9;
  Hash hash = ChainHash(prev, body);
  std::string record = EncodeRecord(hash, body);
  std::string_view decoded_body;
  auto e = DecodeRecord(record, &decoded_body);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->position, 42u);
  EXPECT_EQ(e->stream, "org-7");
  EXPECT_EQ(e->version, 3u);
  EXPECT_EQ(e->type, "InviteSent");
  EXPECT_EQ(e->metadata, data.metadata);
  EXPECT_EQ(e->payload, data.payload);
  EXPECT_EQ(e->hash, hash);
  EXPECT_EQ(decoded_body, body);
}

TEST(Record, EveryFlippedByteIsDetected) {
  EventData data{"T", "m", "payload"};
  std::string body = EncodeBody(1, "s", 1, data);
  std::string record = EncodeRecord(ChainHash(Hash{}, body), body);
  for (std::size_t i = 0; i < record.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = record;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      auto e = DecodeRecord(bad);
      ASSERT_FALSE(e.ok()) << "byte " << i << " bit " << bit;
      EXPECT_EQ(e.status().code(), Code::kCorruption);
    }
  }
}

TEST(Record, TruncatedRecordsAreCorrupt) {
  EventData data{"T", "m", "payload"};
  std::string body = EncodeBody(1, "s", 1, data);
  std::string record = EncodeRecord(ChainHash(Hash{}, body), body);
  for (std::size_t n = 0; n < record.size(); ++n) {
    EXPECT_FALSE(DecodeRecord(record.substr(0, n)).ok()) << n;
  }
}

TEST(Record, HashHexRoundTrip) {
  std::mt19937 rng(testing::TestSeed());
  Hash h{};
  for (auto& b : h) b = static_cast<std::uint8_t>(rng());
  auto back = HashFromHex(HashToHex(h));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, h);
  EXPECT_FALSE(HashFromHex("zz").has_value());
  EXPECT_FALSE(HashFromHex(std::string(64, 'g')).has_value());
}

}  // namespace
}  // namespace orgledger::eventstore
