// Given / when / then for the domain (STYLE.md §19). The Then* checks
// return the decision by value, so that `const Decision& d = Given(...)...`
// binds to a lifetime-extended copy, not into a destroyed temporary:
//   Given({OrganizationCreated{...}}).When(alice, InviteBillingManager{...})
//       .ThenRejected(Code::kLimitReached);
#ifndef ORGLEDGER_TESTS_DOMAIN_SCENARIO_H_
#define ORGLEDGER_TESTS_DOMAIN_SCENARIO_H_

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "domain/decide.h"
#include "domain/state.h"
#include "tests/testing/fake_context.h"

namespace orgledger::domain::testing {

using orgledger::testing::kT0;
inline constexpr char kOrg[] = "acme";

using orgledger::testing::FakeContext;

inline Actor Alice() {
  return Actor::Person("u-alice", "Alice@Example.com", "Alice");
}
inline Actor Bob() { return Actor::Person("u-bob", "bob@example.com", "Bob"); }
inline Actor Carol() {
  return Actor::Person("u-carol", "carol@example.com", "Carol");
}
inline Actor Dave() {
  return Actor::Person("u-dave", "dave@example.com", "Dave");
}
inline Actor Erin() {
  return Actor::Person("u-erin", "erin@example.com", "Erin");
}
inline Actor Payments() { return Actor::System("payments"); }

// Events that build common histories.
inline OrganizationCreated Created(std::string edition = "team") {
  return {kOrg, std::move(edition), "u-alice", "Alice@Example.com", "Alice",
          kT0};
}
inline InviteSent EmailInvite(std::string id, Role role, std::string email) {
  return {std::move(id), role, Channel::kEmail, std::move(email), "",
          "u-alice",     kT0};
}
inline InviteSent LinkInvite(std::string id, Role role, std::string hash) {
  return {std::move(id), role, Channel::kLink, "", std::move(hash),
          "u-alice",     kT0};
}
inline InviteAccepted Joined(std::string invite, const Actor& a, Role role) {
  return {std::move(invite), a.id, a.name, a.email, role, kT0};
}
// Alice (admin), Bob (member), Carol (billing manager).
inline std::vector<Event> TeamOrg(std::string edition = "team") {
  return {Created(std::move(edition)),
          EmailInvite("inv-b", Role::kMember, "bob@example.com"),
          Joined("inv-b", Bob(), Role::kMember),
          EmailInvite("inv-c", Role::kBillingManager, "carol@example.com"),
          Joined("inv-c", Carol(), Role::kBillingManager)};
}

class Scenario {
 public:
  explicit Scenario(std::vector<Event> history) {
    for (const Event& e : history) {
      state_ = Evolve(std::move(state_), e);
      state_.version += 1;
    }
  }

  Scenario& With(FakeContext* context) {
    context_ = context;
    return *this;
  }
  Scenario& When(const Actor& actor, Command command,
                 std::optional<std::uint64_t> expected_version = {}) {
    CommandEnvelope env{kOrg, actor, std::move(command), expected_version};
    decision_ = Decide(state_, env, context_ != nullptr ? *context_ : own_);
    return *this;
  }
  Scenario& WhenIn(std::string org, const Actor& actor, Command command) {
    CommandEnvelope env{std::move(org), actor, std::move(command), {}};
    decision_ = Decide(state_, env, context_ != nullptr ? *context_ : own_);
    return *this;
  }

  // Rejected with `code`, nothing to append.
  Decision ThenRejected(Code code) {
    EXPECT_FALSE(decision_.accepted())
        << "accepted, expected " << CodeName(code);
    EXPECT_EQ(decision_.error.code(), code) << decision_.error.ToString();
    EXPECT_TRUE(decision_.events.empty())
        << "a rejection appended " << decision_.events.size() << " event(s)";
    return decision_;
  }
  // Rejected with `code` and the failure recorded (SPEC §1.4).
  Decision ThenRecordedFailure(Code code) {
    EXPECT_EQ(decision_.error.code(), code) << decision_.error.ToString();
    EXPECT_EQ(decision_.events.size(), 1u);
    if (!decision_.events.empty()) {
      const auto* failed =
          std::get_if<InviteAcceptFailed>(&decision_.events[0]);
      EXPECT_NE(failed, nullptr);
      if (failed != nullptr) {
        EXPECT_EQ(failed->code, CodeName(code));
      }
    }
    return decision_;
  }
  Decision ThenEvents(const std::vector<Event>& events) {
    EXPECT_TRUE(decision_.accepted()) << decision_.error.ToString();
    EXPECT_EQ(decision_.events, events);
    return decision_;
  }
  Decision ThenAccepted() {
    EXPECT_TRUE(decision_.accepted()) << decision_.error.ToString();
    return decision_;
  }
  // Applies the decision's events, for multi-step scenarios.
  Scenario& AndApply() {
    for (const Event& e : decision_.events) {
      state_ = Evolve(std::move(state_), e);
      state_.version += 1;
    }
    return *this;
  }
  const OrgState& state() const { return state_; }
  // A copy: a Scenario is often a temporary of the full expression.
  Decision decision() const { return decision_; }

 private:
  OrgState state_;
  FakeContext own_;
  FakeContext* context_ = nullptr;
  Decision decision_;
};

inline Scenario Given(std::vector<Event> history) {
  return Scenario(std::move(history));
}

}  // namespace orgledger::domain::testing

#endif  // ORGLEDGER_TESTS_DOMAIN_SCENARIO_H_
