// W5's book of an organization, driven against a real engine (RocksDB in a
// temporary directory): the commands it chooses name real invitations and
// people, so removals and revocations succeed, and what it believes joined
// is what the engine's views count.
#include "bench/org_book.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "bench/people.h"
#include "commands/engine.h"
#include "tests/commands/engine_fixture.h"
#include "tests/testing/test_dir.h"

namespace orgledger::bench {
namespace {

using Kind = OrgBook::Step::Kind;

// An engine on RocksDB under `dir`, with the tests' clock; null (and a
// failure) when it does not open.
std::unique_ptr<commands::Engine> OpenEngine(
    const orgledger::testing::TestDir& dir) {
  commands::EngineOptions options;
  options.data_dir = dir.Sub("db");
  options.context = std::make_shared<commands::testing::TestContext>();
  auto opened = commands::Engine::Open(std::move(options));
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  return opened.ok() ? std::move(*opened) : nullptr;
}

TEST(OrgBook, NamesRealInvitationsAndPeopleAndAgreesWithTheViews) {
  orgledger::testing::TestDir dir;
  std::unique_ptr<commands::Engine> opened = OpenEngine(dir);
  ASSERT_NE(opened, nullptr);
  commands::Engine& engine = *opened;

  constexpr long kOrgs = 3;  // org 0 on the team edition, with its limits
  for (long i = 0; i < kOrgs; ++i) {
    commands::CommandOutcome o = engine.Execute(
        Request(i, Admin(i),
                domain::CreateOrganization{i == 0 ? "team" : "enterprise"}));
    ASSERT_TRUE(o.ok()) << o.error.ToString();
  }
  std::vector<OrgBook> books(kOrgs);
  std::mt19937_64 rng(7);
  std::map<Kind, int> succeeded;
  eventstore::Position last = 0;
  for (int n = 0; n < 3000; ++n) {
    const long i = static_cast<long>(rng() % kOrgs);
    OrgBook::Step step = books[i].Next(i, *engine.options().context, rng);
    commands::CommandOutcome o = engine.Execute(std::move(step.request));
    if (o.ok()) {
      last = std::max(last, o.position);
      if (step.targeted) ++succeeded[step.kind];
    } else if (step.kind == Kind::kOther) {
      ADD_FAILURE() << "step " << n << ": " << o.error.ToString();
    } else if (step.targeted) {
      // Only a team's limit may refuse a command that names something real.
      EXPECT_EQ(CodeName(o.error.code()), "limit_reached")
          << "step " << n << " on org " << i << ": " << o.error.ToString();
    }
    books[i].Settle(step, o);
  }
  EXPECT_GT(succeeded[Kind::kInvite], 400);
  EXPECT_GT(succeeded[Kind::kAccept], 200);
  EXPECT_GT(succeeded[Kind::kRevoke], 50);
  EXPECT_GT(succeeded[Kind::kRemove], 200);

  for (long i = 0; i < kOrgs; ++i) {
    projections::ViewRequest q;
    q.org = Org(i);
    q.viewer = Admin(i);
    q.view = "member_count";
    auto members = engine.Query(q, last);
    ASSERT_TRUE(members.ok()) << members.status().ToString();
    q.view = "billing_managers";
    auto billers = engine.Query(q, last);
    ASSERT_TRUE(billers.ok()) << billers.status().ToString();
    const std::uint64_t people =
        std::get<projections::MemberCountView>(*members).member_count +
        std::get<projections::BillingManagersView>(*billers)
            .billing_managers.size();
    EXPECT_EQ(people, 1 + books[i].joined()) << "org " << i;  // 1: the admin
  }
}

// W5 --steady: however long it runs, an organization holds at most
// kSteadyPeople people (pending or joined) and kSteadyPayments payments.
TEST(OrgBook, ASteadyBookKeepsItsOrganizationsSize) {
  orgledger::testing::TestDir dir;
  std::unique_ptr<commands::Engine> opened = OpenEngine(dir);
  ASSERT_NE(opened, nullptr);
  commands::Engine& engine = *opened;
  constexpr long kOrgs = 2;
  for (long i = 0; i < kOrgs; ++i) {
    ASSERT_TRUE(engine
                    .Execute(Request(i, Admin(i),
                                     domain::CreateOrganization{"enterprise"}))
                    .ok());
  }
  std::vector<OrgBook> books(kOrgs);
  for (OrgBook& book : books) book.SetSteady(true);
  std::mt19937_64 rng(11);
  eventstore::Position last = 0;
  std::size_t most = 0;
  for (int n = 0; n < 6000; ++n) {
    const long i = static_cast<long>(rng() % kOrgs);
    OrgBook::Step step = books[i].Next(i, *engine.options().context, rng);
    commands::CommandOutcome o = engine.Execute(std::move(step.request));
    if (o.ok()) {
      last = std::max(last, o.position);
    } else if (step.kind == Kind::kOther || step.kind == Kind::kCount) {
      ADD_FAILURE() << "step " << n << ": " << o.error.ToString();
    }
    books[i].Settle(step, o);
    most = std::max(most, books[i].pending() + books[i].joined());
  }
  EXPECT_LE(most, OrgBook::kSteadyPeople);
  EXPECT_GE(most, OrgBook::kSteadyPeople - 2) << "the cap was reached";
  for (long i = 0; i < kOrgs; ++i) {
    projections::ViewRequest q;
    q.org = Org(i);
    q.viewer = Admin(i);
    q.view = "payments";
    q.limit = 1000;
    auto payments = engine.Query(q, last);
    ASSERT_TRUE(payments.ok()) << payments.status().ToString();
    const std::size_t n =
        std::get<projections::PaymentsView>(*payments).payments.size();
    EXPECT_LE(n, static_cast<std::size_t>(OrgBook::kSteadyPayments));
    EXPECT_GT(n, 50u);
  }
}

}  // namespace
}  // namespace orgledger::bench
