// The one deterministic domain::Context of the tests: a clock the test moves,
// counted invitation ids and link tokens, real SHA-256 token hashes (as the
// engine's own context). Thread-safe: engine tests share one across threads.
#ifndef ORGLEDGER_TESTS_TESTING_FAKE_CONTEXT_H_
#define ORGLEDGER_TESTS_TESTING_FAKE_CONTEXT_H_

#include <atomic>
#include <string>
#include <string_view>

#include "domain/context.h"
#include "domain/editions.h"

namespace orgledger::testing {

// 2026-11-18: every test's clock starts here.
inline constexpr domain::Micros kT0 = 1795000000000000;

class FakeContext : public domain::Context {
 public:
  explicit FakeContext(
      domain::EditionCatalog catalog = domain::EditionCatalog::Default())
      : catalog_(std::move(catalog)) {}

  domain::Micros Now() const override { return now.load(); }
  // inv-1, inv-2, ...
  std::string NewInviteId() override;
  // tok-1-abcdefghijklmnopqrstuv, ...: URL-safe, never inside its hash.
  std::string NewLinkToken() override;
  // Hex SHA-256, as commands::Sha256Hex.
  std::string HashToken(std::string_view token) const override;
  const domain::EditionCatalog& editions() const override { return catalog_; }

  std::atomic<domain::Micros> now{kT0};

 private:
  domain::EditionCatalog catalog_;
  std::atomic<int> ids_{0};
  std::atomic<int> tokens_{0};
};

}  // namespace orgledger::testing

#endif  // ORGLEDGER_TESTS_TESTING_FAKE_CONTEXT_H_
