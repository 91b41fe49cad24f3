// Rebuild and verification of projections on a real RocksDB store: verify
// names the first differing row; a rebuild swaps in a new generation while
// views and commands go on; a changed projection version is rebuilt on
// open; and (property) projections maintained incrementally across
// restarts equal a rebuild from scratch.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <map>
#include <random>

#include "commands/engine.h"
#include "projections/builtin.h"
#include "tests/commands/engine_fixture.h"
#include "tests/testing/test_dir.h"
#include "tools/wire/view_json.h"

namespace orgledger::projections {
namespace {

namespace json = boost::json;
using commands::CommandOutcome;
using commands::testing::Request;
using commands::testing::TestContext;
using domain::Actor;

class RebuildTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    engine_.reset();
    commands::EngineOptions options;
    options.data_dir = dir_.Sub("db");
    options.context = context_;
    options.threads = 2;
    options.rebuild_memory_bytes = rebuild_memory_;
    auto e = commands::Engine::Open(std::move(options));
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
  }

  CommandOutcome Run(const std::string& org, const Actor& actor,
                     domain::Command c) {
    CommandOutcome o = engine_->Execute(Request(org, actor, std::move(c)));
    last_ = std::max(last_, o.position);
    return o;
  }

  // A few organizations with members, billing managers and teams.
  void Populate(int orgs) {
    using namespace domain;
    for (int i = 0; i < orgs; ++i) {
      const std::string org = "org-" + std::to_string(i);
      const Actor admin = commands::testing::Admin(org);
      ASSERT_TRUE(Run(org, admin, CreateOrganization{"team"}).ok());
      auto invite =
          Run(org, admin, InviteBillingManager{"billing@" + org + ".example"});
      ASSERT_TRUE(Run(org, commands::testing::Biller(org),
                      AcceptInvite{invite.invite_id, {}})
                      .ok());
      ASSERT_TRUE(Run(org, admin, CreateTeam{"core", "Core"}).ok());
    }
  }

  std::string ViewText(const std::string& view, const std::string& org) {
    ViewRequest r;
    r.view = view;
    r.org = org;
    r.viewer = commands::testing::Admin(org);
    Result<View> o = engine_->Query(r, last_);
    EXPECT_TRUE(o.ok()) << o.status().ToString();
    return o.ok() ? json::serialize(wire::ViewJson(*o)) : "";
  }

  void ExpectVerified() {
    ASSERT_TRUE(
        engine_->projections().WaitFor(last_, std::chrono::seconds(10)));
    auto reports = engine_->projections().Verify();
    ASSERT_TRUE(reports.ok()) << reports.status().ToString();
    for (const ProjectionVerifyReport& r : *reports) {
      EXPECT_TRUE(r.ok) << r.projection << ": " << r.problem << " at "
                        << r.first_difference;
      EXPECT_EQ(r.checkpoint, engine_->store().CommittedPosition());
    }
  }

  ProjectionVerifyReport VerifyOrganizations() {
    auto r = engine_->projections().Find(kOrganizations)->Verify();
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : ProjectionVerifyReport{};
  }

  std::string LivePrefix(std::string_view name) {
    auto snap = engine_->store().state().Snapshot();
    auto p = engine_->projections().Find(name)->LivePrefix(*snap);
    EXPECT_TRUE(p.ok());
    return p.ok() ? *p : "";
  }

  orgledger::testing::TestDir dir_;
  std::shared_ptr<TestContext> context_ = std::make_shared<TestContext>();
  std::unique_ptr<commands::Engine> engine_;
  eventstore::Position last_ = 0;
  std::size_t rebuild_memory_ = std::size_t{64} << 20;
};

TEST_F(RebuildTest, VerifyNamesTheFirstDifferingRow) {
  Populate(3);
  ExpectVerified();
  eventstore::StateStore& state = engine_->store().state();
  const std::string prefix = LivePrefix(kOrganizations);

  // A changed row.
  auto original = state.Get(prefix + "oorg-1");
  ASSERT_TRUE(original.ok() && original->has_value());
  eventstore::StateBatch change;
  change.Put(prefix + "oorg-1", **original + "x");
  ASSERT_TRUE(state.Write(change).ok());
  ProjectionVerifyReport r = VerifyOrganizations();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_difference, "oorg-1");
  EXPECT_EQ(r.problem, "stored row differs from the rebuilt one");

  // A missing row.
  eventstore::StateBatch missing;
  missing.Put(prefix + "oorg-1", **original);
  missing.Delete(prefix + "oorg-0");
  ASSERT_TRUE(state.Write(missing).ok());
  r = VerifyOrganizations();
  EXPECT_EQ(r.first_difference, "oorg-0");
  EXPECT_EQ(r.problem, "row missing from the stored projection");

  // An extra row.
  ASSERT_TRUE(engine_->projections().Rebuild(kOrganizations, nullptr).ok());
  eventstore::StateBatch extra;
  extra.Put(LivePrefix(kOrganizations) + "oorg-10", "forged");
  ASSERT_TRUE(state.Write(extra).ok());
  r = VerifyOrganizations();
  EXPECT_EQ(r.first_difference, "oorg-10");
  EXPECT_EQ(r.problem, "stored row that a rebuild does not produce");
}

TEST_F(RebuildTest, RebuildSwapsInANewGenerationWhileViewsAndCommandsGoOn) {
  Populate(20);
  const std::string before = ViewText("billing_managers", "org-3");
  const std::string old_prefix = LivePrefix(kOrganizations);

  int progress_calls = 0;
  int during = 0;
  Status s = engine_->projections().Rebuild(
      kOrganizations, [&](eventstore::Position, eventstore::Position) {
        ++progress_calls;
        // Views keep answering from the old rows; commands keep going.
        EXPECT_EQ(ViewText("billing_managers", "org-3"), before);
        const std::string team = "during-" + std::to_string(during++);
        EXPECT_TRUE(Run("org-5", commands::testing::Admin("org-5"),
                        domain::CreateTeam{team, "During"})
                        .ok());
      });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_GT(progress_calls, 0);
  EXPECT_NE(LivePrefix(kOrganizations), old_prefix);
  // The old generation is gone.
  auto old_rows = engine_->store().state().Scan(
      old_prefix, eventstore::PrefixEnd(old_prefix), 1, false);
  ASSERT_TRUE(old_rows.ok());
  EXPECT_TRUE(old_rows->empty());
  EXPECT_EQ(ViewText("billing_managers", "org-3"), before);
  EXPECT_NE(ViewText("teams", "org-5").find("during-0"), std::string::npos);
  ExpectVerified();
}

// With a budget a few rows large, a rebuild writes its generation as many
// sorted files (BulkGeneration), each ingested with its checkpoint; the
// rows are the same as those the projections followed, and views answer
// alike after the swap.
TEST_F(RebuildTest, ARebuildInManySortedFilesGivesTheSameRows) {
  rebuild_memory_ = 8 << 10;
  Open();
  Populate(30);
  ExpectVerified();
  const std::string members = ViewText("members", "org-7");
  const std::string billing = ViewText("billing_managers", "org-29");
  ASSERT_TRUE(engine_->projections().Rebuild("", nullptr).ok());
  ExpectVerified();
  EXPECT_EQ(ViewText("members", "org-7"), members);
  EXPECT_EQ(ViewText("billing_managers", "org-29"), billing);
  // And a rebuild of one projection alone.
  ASSERT_TRUE(engine_->projections().Rebuild(kAuditLog, nullptr).ok());
  ExpectVerified();
}

TEST_F(RebuildTest, ChangedVersionIsRebuiltOnOpen) {
  Populate(5);
  ExpectVerified();
  const std::string before = ViewText("members", "org-2");
  const std::string old_prefix = LivePrefix(kOrganizations);
  // Pretend the stored rows were written by version 0 of the projection.
  std::string meta_key("m");
  meta_key.push_back('\0');
  meta_key += kOrganizations;
  auto meta = engine_->store().state().Get(meta_key);
  ASSERT_TRUE(meta.ok() && meta->has_value());
  std::string old_meta = **meta;
  old_meta[3] = 0;  // version:fixed32 is first
  eventstore::StateBatch b;
  b.Put(meta_key, old_meta);
  ASSERT_TRUE(engine_->store().state().Write(b).ok());

  Open();
  EXPECT_NE(LivePrefix(kOrganizations), old_prefix);
  EXPECT_EQ(ViewText("members", "org-2"), before);
  ExpectVerified();
}

// Random histories over a few organizations, with the engine restarted at
// random points: the projections maintained incrementally equal a rebuild
// from scratch (Verify), and a rebuild changes no view.
TEST_F(RebuildTest, IncrementalEqualsRebuildAcrossRestarts) {
  using namespace domain;
  const unsigned seed = orgledger::testing::TestSeed();
  std::mt19937 rng(seed);
  auto pick = [&](int n) {
    return std::uniform_int_distribution<int>(0, n - 1)(rng);
  };
  std::vector<Actor> people;
  for (const char* n :
       {"ann", "ben", "cat", "dan", "eve", "fay", "gus", "hal"}) {
    people.push_back(Actor::Person(std::string("u-") + n,
                                   std::string(n) + "@example.com", n));
  }
  // Ann creates every organization, so half the commands come from an
  // admin; acceptances mostly come from the invitee.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>>
      invites_of;  // org -> (id, email)
  int accepted = 0;
  for (int step = 0; step < 1000; ++step) {
    if (pick(100) == 0) Open();  // a restart
    context_->now += 60'000'000;
    const std::string org = "org-" + std::to_string(pick(3));
    auto& invites = invites_of[org];
    Actor actor = pick(2) ? people[0] : people[pick(8)];
    Command c;
    switch (pick(10)) {
      case 0:
        actor = people[0];
        c = CreateOrganization{pick(2) ? "team" : "enterprise"};
        break;
      case 1:
        c = InviteMember{people[pick(8)].email, pick(3) ? "member" : "admin"};
        break;
      case 2:
        c = InviteBillingManager{people[pick(8)].email};
        break;
      case 3:
      case 4:
        if (!invites.empty()) {
          const auto& [id, email] =
              invites[pick(static_cast<int>(invites.size()))];
          for (const Actor& p : people) {
            if (p.email == email && pick(5) != 0) actor = p;
          }
          c = AcceptInvite{id, {}};
        } else {
          c = AcceptInvite{"inv-0", {}};
        }
        break;
      case 5:
        c = ChangeRole{
            people[pick(8)].id,
            std::array{"admin", "member", "billing_manager"}[pick(3)]};
        break;
      case 6:
        c = pick(2) ? Command(RemoveMember{people[pick(8)].id})
                    : Command(RemoveBillingManager{people[pick(8)].id});
        break;
      case 7:
        c = pick(2) ? Command(CreateTeam{"t" + std::to_string(pick(5)), "Team"})
                    : Command(RevokeInvite{
                          invites.empty() ? "inv-0" : invites.back().first});
        break;
      case 8:
        actor = Actor::System("metering");
        c = RecordResourceCount{pick(100), context_->now.load()};
        break;
      default:
        actor = Actor::System("payments");
        c = RecordPayment{"pay-" + std::to_string(pick(4)), 100, "USD",
                          pick(2) ? "succeeded" : "refunded",
                          commands::testing::kT0};
        break;
    }
    CommandOutcome o = Run(org, actor, c);
    if (o.ok()) ++accepted;
    if ((o.ok() || o.error.code() == Code::kInviteAlreadyUsed ||
         o.error.code() == Code::kInviteRevoked) &&
        (std::holds_alternative<AcceptInvite>(c) ||
         std::holds_alternative<RevokeInvite>(c))) {
      const std::string id = std::holds_alternative<AcceptInvite>(c)
                                 ? *std::get<AcceptInvite>(c).invite_id
                                 : std::get<RevokeInvite>(c).invite_id;
      std::erase_if(invites, [&](const auto& i) { return i.first == id; });
    }
    if (o.invite_id.has_value() &&
        (std::holds_alternative<InviteMember>(c) ||
         std::holds_alternative<InviteBillingManager>(c))) {
      const std::string email = std::holds_alternative<InviteMember>(c)
                                    ? std::get<InviteMember>(c).email
                                    : std::get<InviteBillingManager>(c).email;
      invites.emplace_back(*o.invite_id, email);
    }
  }
  ExpectVerified();
  std::vector<std::string> before;
  auto views = [&] {
    std::vector<std::string> out;
    for (int i = 0; i < 3; ++i) {
      for (const char* v :
           {"members", "billing_managers", "billing", "teams", "audit_log"}) {
        ViewRequest r;
        r.view = v;
        r.org = "org-" + std::to_string(i);
        r.viewer = people[0];
        auto o = engine_->Query(r, last_);
        out.push_back(o.ok() ? json::serialize(wire::ViewJson(*o))
                             : std::string(CodeName(o.status().code())));
      }
    }
    return out;
  };
  before = views();
  ASSERT_TRUE(engine_->projections().Rebuild("", nullptr).ok());
  ExpectVerified();
  EXPECT_EQ(views(), before);
  std::printf("[property] seed %u: %d commands accepted, %llu events\n", seed,
              accepted, static_cast<unsigned long long>(last_));
}

}  // namespace
}  // namespace orgledger::projections
