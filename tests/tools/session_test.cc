// The pages' session cookies: what one key seals it opens, and nothing
// else: not another key's, not a changed byte, not an expired one.
#include "tools/serve/session.h"

#include <gtest/gtest.h>

#include <chrono>

namespace orgledger::serve {
namespace {

std::int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SignedIn Alice() {
  SignedIn p;
  p.id = "u-alice";
  p.email = "alice@example.com";
  p.name = "Alice \"the\" Admin; <b>é</b>";
  p.dev = true;
  return p;
}

TEST(Session, WhatAKeySealsItOpens) {
  const SessionKeys keys("a-session-key-of-32-characters-x");
  const std::string cookie = keys.Seal(Alice(), std::chrono::hours(1));
  // A cookie value: no separator, quote or space (RFC 6265 cookie-octet).
  EXPECT_EQ(cookie.find_first_of(" ;,\"\\"), std::string::npos) << cookie;
  std::optional<SignedIn> opened = keys.Open(cookie, Now());
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(opened->id, "u-alice");
  EXPECT_EQ(opened->email, "alice@example.com");
  EXPECT_EQ(opened->name, Alice().name);
  EXPECT_TRUE(opened->dev);
  // Another replica with the same key opens it too.
  EXPECT_TRUE(SessionKeys("a-session-key-of-32-characters-x")
                  .Open(cookie, Now())
                  .has_value());
}

TEST(Session, AnotherKeyAChangedByteOrAnExpiredSessionIsRefused) {
  const SessionKeys keys("a-session-key-of-32-characters-x");
  const std::string cookie = keys.Seal(Alice(), std::chrono::hours(1));
  EXPECT_FALSE(SessionKeys("another-key-of-32-characters-xxx")
                   .Open(cookie, Now())
                   .has_value());
  for (std::size_t i = 0; i < cookie.size(); i += 7) {
    std::string changed = cookie;
    changed[i] = changed[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(keys.Open(changed, Now()).has_value()) << i;
  }
  EXPECT_FALSE(keys.Open(cookie, Now() + 3601).has_value());
  EXPECT_FALSE(keys.Open("", Now()).has_value());
  EXPECT_FALSE(keys.Open("v1.", Now()).has_value());
  EXPECT_FALSE(keys.Open("v1.e30", Now()).has_value());
}

TEST(Session, EachSessionHasItsOwnCsrfToken) {
  const SessionKeys keys("a-session-key-of-32-characters-x");
  std::optional<SignedIn> one =
      keys.Open(keys.Seal(Alice(), std::chrono::hours(1)), Now());
  std::optional<SignedIn> two =
      keys.Open(keys.Seal(Alice(), std::chrono::hours(1)), Now());
  ASSERT_TRUE(one.has_value() && two.has_value());
  EXPECT_EQ(keys.CsrfToken(*one), keys.CsrfToken(*one));
  EXPECT_NE(keys.CsrfToken(*one), keys.CsrfToken(*two));
  EXPECT_NE(SessionKeys("another-key-of-32-characters-xxx").CsrfToken(*one),
            keys.CsrfToken(*one));
}

TEST(Session, CookieValueFindsItsCookieAmongOthers) {
  EXPECT_EQ(CookieValue("a=1; orgledger_session=v1.x.y; b=2", kSessionCookie),
            "v1.x.y");
  EXPECT_EQ(CookieValue("orgledger_session=z", kSessionCookie), "z");
  EXPECT_EQ(CookieValue("xorgledger_session=z", kSessionCookie), "");
  EXPECT_EQ(CookieValue("", kSessionCookie), "");
}

}  // namespace
}  // namespace orgledger::serve
