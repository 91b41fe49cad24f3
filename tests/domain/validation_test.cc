#include "domain/validation.h"

#include <gtest/gtest.h>

namespace orgledger::domain {
namespace {

TEST(Validation, Ids) {
  EXPECT_TRUE(ValidateId("user_id", "u-1.a_b:c@d+e").ok());
  EXPECT_FALSE(ValidateId("user_id", "").ok());
  EXPECT_FALSE(ValidateId("user_id", std::string(129, 'a')).ok());
  EXPECT_TRUE(ValidateId("user_id", std::string(128, 'a')).ok());
  Status s = ValidateId("user_id", "a b");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("user_id"), std::string::npos);
}

TEST(Validation, Slugs) {
  EXPECT_TRUE(ValidateSlug("org", "acme-corp.eu_1").ok());
  EXPECT_TRUE(ValidateSlug("org", "1acme").ok());
  EXPECT_FALSE(ValidateSlug("org", "-acme").ok());
  EXPECT_FALSE(ValidateSlug("org", ".acme").ok());
  EXPECT_FALSE(ValidateSlug("org", "ac me").ok());
  EXPECT_FALSE(ValidateSlug("org", "acme:1").ok());
  EXPECT_FALSE(ValidateSlug("org", std::string(101, 'a')).ok());
  EXPECT_TRUE(ValidateSlug("org", std::string(100, 'a')).ok());
}

TEST(Validation, EmailsAreTrimmedAndKeepTheirCase) {
  auto e = ValidateEmail("email", "  Bob@Example.COM\t");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, "Bob@Example.COM");
  EXPECT_EQ(NormalizeEmail(" Bob@Example.COM "), "bob@example.com");
  for (const char* bad : {"", "bob", "@example.com", "bob@", "a@b@c",
                          "bo b@example.com", "bob@exa\x01mple.com"}) {
    EXPECT_FALSE(ValidateEmail("email", bad).ok()) << bad;
  }
  std::string long_local(250, 'a');
  EXPECT_FALSE(ValidateEmail("email", long_local + "@x.io").ok());
  EXPECT_TRUE(ValidateEmail("email", std::string(248, 'a') + "@x.io").ok());
}

TEST(Validation, NamesAreUtf8WithoutControls) {
  EXPECT_TRUE(ValidateFreeText("name", "Zoë Ångström 山田").ok());
  EXPECT_TRUE(ValidateFreeText("name", std::string(200, 'x')).ok());
  EXPECT_FALSE(ValidateFreeText("name", std::string(201, 'x')).ok());
  // 200 two-byte characters are 200 characters, not 400.
  std::string umlauts;
  for (int i = 0; i < 200; ++i) umlauts += "\xc3\xa4";
  EXPECT_TRUE(ValidateFreeText("name", umlauts).ok());
  EXPECT_FALSE(ValidateFreeText("name", "").ok());
  EXPECT_FALSE(ValidateFreeText("name", "a\nb").ok());
  EXPECT_FALSE(ValidateFreeText("name", "a\x7f").ok());
  EXPECT_FALSE(ValidateFreeText("name", "\xc2\x85").ok());  // NEL, a C1 control
  EXPECT_FALSE(ValidateFreeText("name", "\xff").ok());
  EXPECT_FALSE(ValidateFreeText("name", "\xc0\xaf").ok());      // overlong
  EXPECT_FALSE(ValidateFreeText("name", "\xed\xa0\x80").ok());  // surrogate
}

// Look-alikes: invisible and bidirectional formatting characters (Unicode
// Cf) would make two addresses or names that look the same differ.
TEST(Validation, InvisibleAndBidiFormattingCharactersAreRefused) {
  for (const char* cf : {"\u200b", "\u00ad", "\u202e", "\u2066", "\ufeff",
                         "\u200d", "\u061c", "\U000E0041"}) {
    const std::string in_email = std::string("bo") + cf + "b@example.com";
    Result<std::string> e = ValidateEmail("email", in_email);
    ASSERT_FALSE(e.ok()) << in_email;
    EXPECT_NE(e.status().message().find("invisible or bidirectional"),
              std::string::npos);
    EXPECT_FALSE(ValidateFreeText("name", std::string("Bob") + cf).ok()) << cf;
  }
  // Letters and marks of every script stay welcome.
  EXPECT_TRUE(ValidateFreeText("name", "Zoë Ångström 山田 محمد").ok());
  EXPECT_TRUE(ValidateEmail("email", "zoë@exämple.com").ok());
}

TEST(Validation, CardNumbersAreDetected) {
  for (const char* card :
       {"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111",
        "378282246310005", "6011111111111117", "5555555555554444",
        "x4111111111111111y", "4222222222222", "4111 1111 1111 1111 123",
        "card 4111-1111-1111-1111, cvv 123", "id 9990004111111111111111"}) {
    EXPECT_TRUE(ContainsCardNumber(card)) << card;
  }
  for (const char* not_card :
       {"4111111111111112", "411111111111", "12345", "tok_1MqLq2",
        "4111  1111 1111 1111", "Suite 1200, 55 Main St", "2026-11-24",
        "4111111111111112 ref", "+1 555 0100 2000"}) {
    EXPECT_FALSE(ContainsCardNumber(not_card)) << not_card;
  }
}

TEST(Validation, IdempotencyKeys) {
  EXPECT_TRUE(ValidateIdempotencyKey("req 1: retry/2").ok());
  EXPECT_FALSE(ValidateIdempotencyKey("").ok());
  EXPECT_FALSE(ValidateIdempotencyKey(std::string(129, 'k')).ok());
  EXPECT_FALSE(ValidateIdempotencyKey("caf\xc3\xa9").ok());
}

TEST(Validation, CorrelationIds) {
  EXPECT_TRUE(ValidateCorrelationId("req-7f3a: checkout/2").ok());
  EXPECT_TRUE(ValidateCorrelationId(std::string(128, 'c')).ok());
  EXPECT_FALSE(ValidateCorrelationId("").ok());
  EXPECT_FALSE(ValidateCorrelationId(std::string(900 << 10, 'c')).ok());
  EXPECT_FALSE(ValidateCorrelationId("line\nbreak").ok());
  EXPECT_FALSE(ValidateCorrelationId("caf\xc3\xa9").ok());
  const Status card = ValidateCorrelationId("order 4111 1111 1111 1111");
  EXPECT_EQ(card.code(), Code::kInvalidArgument);
  EXPECT_NE(card.message().find("card number"), std::string::npos);
  EXPECT_EQ(card.message().find("4111"), std::string::npos)
      << "a refused card number is not quoted";
}

}  // namespace
}  // namespace orgledger::domain
