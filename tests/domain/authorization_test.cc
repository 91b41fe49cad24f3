// The permission matrix of SPEC §1.8, tested exhaustively against this
// test's own copy of the table (never the implementation's): every
// permission x admin, member, billing manager, removed person, stranger,
// system actor.
#include "domain/authorization.h"

#include <map>

#include "tests/domain/scenario.h"

namespace orgledger::domain::testing {
namespace {

// permission -> {admin, member, billing_manager}, copied from SPEC §1.8.
const std::map<std::string, std::array<std::string, 3>>& SpecTable() {
  static const std::map<std::string, std::array<std::string, 3>> table = {
      {"members.list", {"full", "full", "api_only"}},
      {"members.count", {"full", "full", "full"}},
      {"members.invite", {"full", "denied", "denied"}},
      {"members.remove", {"full", "denied", "denied"}},
      {"members.change_role", {"full", "denied", "denied"}},
      {"teams.list", {"full", "full", "api_only"}},
      {"teams.manage", {"full", "denied", "denied"}},
      {"tokens.view", {"full", "denied", "denied"}},
      {"tokens.manage", {"full", "denied", "denied"}},
      {"policy_groups.view", {"full", "full", "denied"}},
      {"policy_packs.view", {"full", "full", "denied"}},
      {"policy_groups.manage", {"full", "denied", "denied"}},
      {"policy_packs.manage", {"full", "denied", "denied"}},
      {"stacks.view", {"full", "full", "denied"}},
      {"stacks.update", {"full", "full", "denied"}},
      {"audit_logs.view", {"full", "denied", "denied"}},
      {"org_settings.view", {"full", "denied", "denied"}},
      {"org_settings.update", {"full", "denied", "denied"}},
      {"billing.credit_card.view", {"full", "denied", "full"}},
      {"billing.credit_card.update", {"full", "denied", "full"}},
      {"billing.subscription.view", {"full", "denied", "full"}},
      {"billing.subscription.update", {"full", "denied", "full"}},
      {"billing.payments.view", {"full", "denied", "full"}},
      {"billing.billing_managers.view", {"full", "denied", "names_only"}},
      {"billing.billing_managers.invite", {"full", "denied", "denied"}},
      {"billing.billing_managers.remove", {"full", "denied", "denied"}},
      {"billing.invites.view", {"full", "denied", "denied"}},
      {"rum.summary.view", {"full", "denied", "full"}},
  };
  return table;
}

TEST(Authorization, EveryPermissionOfTheSpecExists) {
  EXPECT_EQ(AllPermissions().size(), SpecTable().size());
  for (const auto& [name, scopes] : SpecTable()) {
    EXPECT_TRUE(PermissionFromName(name).has_value()) << name;
  }
}

TEST(Authorization, MatrixForEveryRoleAndOutsider) {
  std::vector<Event> h = TeamOrg("enterprise");
  h.push_back(EmailInvite("inv-e", Role::kBillingManager, "erin@example.com"));
  h.push_back(Joined("inv-e", Erin(), Role::kBillingManager));
  h.push_back(BillingManagerRemoved{"u-erin", "u-alice", false});
  const OrgState state = Given(h).state();
  struct Who {
    std::string label;
    Actor actor;
    int column;  // -1: denied everything
  };
  const std::vector<Who> who = {
      {"admin", Alice(), 0},           {"member", Bob(), 1},
      {"billing_manager", Carol(), 2}, {"removed person", Erin(), -1},
      {"stranger", Dave(), -1},        {"system actor", Payments(), -1},
  };
  int checked = 0;
  for (const auto& [name, scopes] : SpecTable()) {
    const Permission p = *PermissionFromName(name);
    for (const Who& w : who) {
      const std::string expected = w.column < 0 ? "denied" : scopes[w.column];
      const Authorization got = Authorize(state, w.actor, p);
      EXPECT_EQ(ScopeName(got.scope), expected) << name << " for " << w.label;
      EXPECT_EQ(got.allowed, expected != "denied")
          << name << " for " << w.label;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 28 * 6);
}

TEST(Authorization, NobodyHasRightsInAnOrganizationThatDoesNotExist) {
  const OrgState none;
  for (Permission p : AllPermissions()) {
    EXPECT_FALSE(Authorize(none, Alice(), p).allowed);
  }
}

}  // namespace
}  // namespace orgledger::domain::testing
