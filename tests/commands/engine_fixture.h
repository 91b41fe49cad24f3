// Support for engine tests: the tests' Context and request builders for
// the onboarding story of the seed page.
#ifndef ORGLEDGER_TESTS_COMMANDS_ENGINE_FIXTURE_H_
#define ORGLEDGER_TESTS_COMMANDS_ENGINE_FIXTURE_H_

#include <functional>
#include <memory>
#include <string>

#include "commands/engine.h"
#include "commands/system_context.h"
#include "tests/testing/fake_context.h"

namespace orgledger::commands::testing {

using orgledger::testing::kT0;

// The tests' one Context (tests/testing/fake_context.h).
using TestContext = orgledger::testing::FakeContext;

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
