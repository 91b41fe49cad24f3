// Support for engine tests: a deterministic, thread-safe Context and
// request builders for the onboarding story of the seed page.
#ifndef ORGLEDGER_TESTS_COMMANDS_ENGINE_FIXTURE_H_
#define ORGLEDGER_TESTS_COMMANDS_ENGINE_FIXTURE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "commands/engine.h"
#include "commands/system_context.h"

namespace orgledger::commands::testing {

inline constexpr domain::Micros kT0 = 1795000000000000;

// Counted ids and tokens, a clock the test moves, real SHA-256.
class TestContext : public domain::Context {
 public:
  explicit TestContext(
      domain::EditionCatalog catalog = domain::EditionCatalog::Default())
      : catalog_(std::move(catalog)) {}
  domain::Micros Now() const override { return now.load(); }
  std::string NewInviteId() override { return "inv-" + std::to_string(++ids_); }
  std::string NewLinkToken() override {
    return "tok-" + std::to_string(++tokens_) + "-abcdefghijklmnopqrstuv";
  }
  std::string HashToken(std::string_view token) const override {
    return Sha256Hex(token);
  }
  const domain::EditionCatalog& editions() const override { return catalog_; }

  std::atomic<domain::Micros> now{kT0};

 private:
  domain::EditionCatalog catalog_;
  std::atomic<int> ids_{0};
  std::atomic<int> tokens_{0};
};

inline domain::Actor Admin(const std::string& org) {
  return domain::Actor::Person("u-admin-" + org, "admin@" + org + ".example",
                               "Admin of " + org);
}
inline domain::Actor Biller(const std::string& org) {
  return domain::Actor::Person("u-bill-" + org, "Billing@" + org + ".example",
                               "Biller of " + org);
}
inline domain::Actor Stranger() {
  return domain::Actor::Person("u-stranger", "stranger@example.com",
                               "Stranger");
}

inline CommandRequest Request(const std::string& org,
                              const domain::Actor& actor,
                              domain::Command command) {
  CommandRequest r;
  r.envelope.org = org;
  r.envelope.actor = actor;
  r.envelope.command = std::move(command);
  return r;
}

inline CommandRequest WithKey(CommandRequest r, std::string key) {
  r.idempotency_key = std::move(key);
  return r;
}

}  // namespace orgledger::commands::testing

#endif  // ORGLEDGER_TESTS_COMMANDS_ENGINE_FIXTURE_H_
