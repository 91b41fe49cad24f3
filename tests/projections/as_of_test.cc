// Views as of a moment (SPEC §10) against the log itself: for random
// histories over two organizations, every view as of a cut answers what a
// second log, given only the commands before the cut, answers today. Cuts
// are given as positions and as times. Then the edges: a position past the
// head, a time in the future, an organization not yet created, authorize,
// and the viewer's permissions, which are today's.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <random>
#include <string>
#include <vector>

#include "domain/events.h"
#include "projections/marks.h"
#include "tests/projections/projected_log.h"
#include "tools/wire/view_json.h"

namespace orgledger::projections {
namespace {

using testing::ProjectedLog;

domain::Actor Person(int n) {
  return domain::Actor::Person("u-" + std::to_string(n),
                               "p" + std::to_string(n) + "@example.com",
                               "Person " + std::to_string(n));
}
domain::Actor Admin(int org) { return Person(1000 + org); }
std::string Org(int org) { return "org-" + std::to_string(org); }

struct Step {
  std::string org;
  domain::Actor actor;
  domain::Command command;
  domain::Micros at = 0;
};

// A random history: the commands, each at its own second.
class History {
 public:
  explicit History(std::uint64_t seed) : rng_(seed) {}

  std::vector<Step> Make(ProjectedLog& log, int steps) {
    std::vector<Step> out;
    for (int o = 0; o < 2; ++o) {
      out.push_back(
          Run(log,
              {Org(o), Admin(o),
               domain::CreateOrganization{o == 0 ? "team" : "enterprise"}, 0}));
    }
    for (int i = 0; i < steps; ++i) out.push_back(Run(log, Next()));
    return out;
  }

  // Runs `step` at the next second; keeps what the book needs.
  Step Run(ProjectedLog& log, Step step) {
    now_ += 1000000;
    step.at = now_;
    log.context().now = now_;
    domain::Decision d = log.Run(step.org, step.actor, step.command);
    const int o = step.org == Org(0) ? 0 : 1;
    for (const domain::Event& e : d.events) {
      if (const auto* sent = std::get_if<domain::InviteSent>(&e)) {
        pending_[o].push_back({sent->invite_id, invited_[o]});
      }
      if (const auto* accepted = std::get_if<domain::InviteAccepted>(&e)) {
        joined_[o].push_back(accepted->user_id);
      }
    }
    return step;
  }

 private:
  Step Next() {
    const int o = static_cast<int>(rng_() % 2);
    Step s{Org(o), Admin(o), domain::RevokeInvite{"inv-none"}, 0};
    switch (rng_() % 11) {
      case 0:
        invited_[o] = next_person_++;
        s.command = domain::InviteBillingManager{Person(invited_[o]).email};
        break;
      case 1:
        invited_[o] = next_person_++;
        s.command = domain::InviteMember{Person(invited_[o]).email, "member"};
        break;
      case 2:
      case 3:
        if (!pending_[o].empty()) {
          auto [id, who] = pending_[o][rng_() % pending_[o].size()];
          // Now and then the wrong person tries (a failed acceptance).
          s.actor = Person(rng_() % 5 == 0 ? who + 1 : who);
          s.command = domain::AcceptInvite{id, std::nullopt};
        }
        break;
      case 4:
        if (!pending_[o].empty()) {
          s.command = domain::RevokeInvite{pending_[o].front().first};
          pending_[o].erase(pending_[o].begin());
        }
        break;
      case 5:
        if (!joined_[o].empty()) {
          const std::size_t k = rng_() % joined_[o].size();
          const std::string id = joined_[o][k];
          joined_[o].erase(joined_[o].begin() + static_cast<long>(k));
          // One of the two commands fits the person's role; the other is
          // a rejection, which appends nothing.
          if (rng_() % 2) {
            s.command = domain::RemoveBillingManager{id};
          } else {
            s.command = domain::RemoveMember{id};
          }
        }
        break;
      case 6:
        s.command = domain::UpdateCreditCard{domain::CreditCard{
            "tok_" + std::to_string(rng_() % 100), "visa",
            std::to_string(1000 + rng_() % 9000), 12, 2035, "Holder"}};
        break;
      case 7:
        s.actor = domain::Actor::System("payments");
        s.command = domain::RecordPayment{
            "pay-" + std::to_string(rng_() % 8),
            static_cast<std::int64_t>(100 * (1 + rng_() % 3)), "USD",
            rng_() % 2 ? "succeeded" : "refunded", now_};
        break;
      case 8:
        s.actor = domain::Actor::System("metering");
        s.command = domain::RecordResourceCount{
            static_cast<std::int64_t>(rng_() % 300), now_ + 1000000};
        break;
      case 9:
        s.command =
            domain::ChangeSubscription{rng_() % 2 ? "enterprise" : "team"};
        break;
      default:
        s.command =
            domain::CreateTeam{"t" + std::to_string(rng_() % 6), "Team"};
        break;
    }
    return s;
  }

  std::mt19937_64 rng_;
  domain::Micros now_ = 1798761600000000;  // 2027-01-01
  int next_person_ = 0;
  int invited_[2] = {0, 0};
  std::vector<std::pair<std::string, int>> pending_[2];
  std::vector<std::string> joined_[2];
};

// Every view an admin can ask, some with pages and months.
std::vector<ViewRequest> Requests(int org) {
  std::vector<ViewRequest> out;
  for (std::string_view name : ViewNames()) {
    if (name == "authorize") continue;
    ViewRequest r;
    r.view = std::string(name);
    r.org = Org(org);
    r.viewer = Admin(org);
    out.push_back(r);
    if (name == "members" || name == "payments" || name == "audit_log") {
      r.limit = 3;
      out.push_back(r);
    }
  }
  ViewRequest rum;
  rum.view = "rum";
  rum.org = Org(org);
  rum.viewer = Admin(org);
  rum.month = "2027-01";
  out.push_back(rum);
  return out;
}

std::string Answer(const Result<View>& v) {
  if (!v.ok()) return std::string(CodeName(v.status().code()));
  return boost::json::serialize(wire::ViewJson(*v));
}

TEST(AsOf, EveryViewAsOfACutIsTheViewOfTheLogCutThere) {
  int answered = 0;  // views answered (not an error) as of a cut
  int past = 0;      // of those, the ones that differ from today's view
  for (std::uint64_t seed : {1, 2, 3}) {
    ProjectedLog log;
    History history(seed);
    const std::vector<Step> steps = history.Make(log, 160);
    std::mt19937_64 rng(seed);
    for (int cut_round = 0; cut_round < 6; ++cut_round) {
      // The log of the first `cut` commands only, made the same way; the
      // moment of the cut is the time of its last event.
      const std::size_t cut = 1 + rng() % steps.size();
      ProjectedLog prefix;
      History again(seed);
      domain::Micros moment = 0;
      for (std::size_t i = 0; i < cut; ++i) {
        const eventstore::Position before = prefix.last_position();
        again.Run(prefix, steps[i]);
        if (prefix.last_position() != before) moment = steps[i].at;
      }
      const eventstore::Position position = prefix.last_position();
      // A time anywhere from the last event's second to the next command's.
      const domain::Micros time = moment + (cut_round % 2) * 500000;
      for (int o = 0; o < 2; ++o) {
        for (ViewRequest r : Requests(o)) {
          // "Now" is the moment (rum): the prefix's clock is set to it.
          prefix.context().now = moment;
          const std::string at_position = Answer(prefix.Query(r));
          prefix.context().now = time;
          const std::string at_time = Answer(prefix.Query(r));
          ViewRequest by_position = r;
          by_position.as_of = AsOf{position, std::nullopt};
          EXPECT_EQ(Answer(log.Query(by_position)), at_position)
              << "seed " << seed << ", " << r.view << " of " << r.org
              << " as of position " << position;
          ViewRequest by_time = r;
          by_time.as_of = AsOf{std::nullopt, time};
          EXPECT_EQ(Answer(log.Query(by_time)), at_time)
              << "seed " << seed << ", " << r.view << " of " << r.org
              << " as of " << time;
          if (at_position.front() == '{') {
            ++answered;
            if (at_position != Answer(log.Query(r))) ++past;
          }
        }
      }
    }
  }
  // The cuts compared real pasts, not errors or today.
  EXPECT_GT(answered, 300);
  EXPECT_GT(past, 150);
}

// An organization of more events than one read of its stream (512): the
// fold reads on, and stops at the cut.
TEST(AsOf, AFoldLongerThanOneReadOfTheStream) {
  ProjectedLog log;
  ProjectedLog prefix;
  const domain::Actor admin = Admin(0);
  log.Run(Org(0), admin, domain::CreateOrganization{"enterprise"});
  prefix.Run(Org(0), admin, domain::CreateOrganization{"enterprise"});
  constexpr int kTeams = 1200;
  constexpr int kCut = 1100;
  for (int t = 0; t < kTeams; ++t) {
    domain::CreateTeam team{"t" + std::to_string(t), "Team"};
    log.Run(Org(0), admin, team);
    if (t < kCut) prefix.Run(Org(0), admin, team);
  }
  ViewRequest r;
  r.view = "teams";
  r.org = Org(0);
  r.viewer = admin;
  const std::string expected = Answer(prefix.Query(r));
  r.as_of = AsOf{prefix.last_position(), std::nullopt};
  EXPECT_EQ(Answer(log.Query(r)), expected);
  Result<View> v = log.Query(r);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(std::get<TeamsView>(*v).teams.size(),
            static_cast<std::size_t>(kCut));
}

// A moment long after the organization began starts from an as-of mark:
// the fold reads only the events since the mark, and answers as the whole
// fold does (the test above).
TEST(AsOf, AMomentFarIntoAStreamFoldsOnlyTheEventsSinceAMark) {
  ProjectedLog log;
  const domain::Actor admin = Admin(0);
  log.Run(Org(0), admin, domain::CreateOrganization{"enterprise"});
  constexpr int kTeams = 1000;
  for (int t = 0; t < kTeams; ++t) {
    log.Run(Org(0), admin, domain::CreateTeam{"t" + std::to_string(t), "T"});
  }
  ViewRequest r;
  r.view = "teams";
  r.org = Org(0);
  r.viewer = admin;
  ASSERT_TRUE(log.Query(r).ok());  // the projections reached the end
  for (eventstore::Position at :
       {std::uint64_t{1}, std::uint64_t{15}, std::uint64_t{16},
        std::uint64_t{17}, std::uint64_t{500}, log.last_position()}) {
    Result<FoldedOrg> folded = FoldAsOf(
        log.projections(), Org(0), AsOf{at, std::nullopt}, log.context().Now());
    ASSERT_TRUE(folded.ok()) << folded.status().ToString();
    EXPECT_EQ(folded->events, at) << "as of " << at;
    if (at >= kMarkEvery) {
      EXPECT_GT(folded->live_audit_until, 0u) << "as of " << at;
      // The marks of 1,000 teams are at most a few hundred bytes per
      // event apart.
      EXPECT_LT(folded->folded, 200u) << "as of " << at;
    } else {
      EXPECT_EQ(folded->folded, at);
    }
  }
}

TEST(AsOf, TheEdgesAreRefusedInWords) {
  ProjectedLog log;
  History history(9);
  const std::vector<Step> steps = history.Make(log, 20);
  ViewRequest r;
  r.view = "billing";
  r.org = Org(1);
  r.viewer = Admin(1);
  const eventstore::Position head = log.last_position();

  r.as_of = AsOf{head + 1, std::nullopt};
  Result<View> v = log.Query(r);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kInvalidArgument);
  EXPECT_NE(v.status().message().find("is not in the log"), std::string::npos)
      << v.status().message();
  r.as_of = AsOf{0, std::nullopt};
  EXPECT_EQ(log.Query(r).status().code(), Code::kInvalidArgument);

  r.as_of = AsOf{std::nullopt, log.context().now + 60000000};
  v = log.Query(r);
  EXPECT_EQ(v.status().code(), Code::kInvalidArgument);
  EXPECT_NE(v.status().message().find("in the future"), std::string::npos);

  // Position 1 is org-0's creation: org-1 did not exist yet.
  r.as_of = AsOf{1, std::nullopt};
  v = log.Query(r);
  EXPECT_EQ(v.status().code(), Code::kNotFound);
  EXPECT_NE(v.status().message().find("did not exist as of position 1"),
            std::string::npos)
      << v.status().message();

  ViewRequest authorize = r;
  authorize.view = "authorize";
  authorize.permission = "members.list";
  EXPECT_EQ(log.Query(authorize).status().code(), Code::kInvalidArgument);
}

TEST(AsOf, TheViewersPermissionsAreTodays) {
  ProjectedLog log;
  History history(5);
  history.Make(log, 0);
  // Bill becomes a billing manager of org-1, then is removed.
  const domain::Actor bill = Person(7);
  history.Run(log,
              {Org(1), Admin(1), domain::InviteBillingManager{bill.email}, 0});
  history.Run(log,
              {Org(1), bill, domain::AcceptInvite{"inv-1", std::nullopt}, 0});
  const eventstore::Position while_billing = log.last_position();
  history.Run(log,
              {Org(1), Admin(1), domain::RemoveBillingManager{bill.id}, 0});
  ViewRequest r;
  r.view = "billing_managers";
  r.org = Org(1);
  r.viewer = bill;
  r.as_of = AsOf{while_billing, std::nullopt};
  EXPECT_EQ(log.Query(r).status().code(), Code::kForbidden);
  // The admin sees Bill as of then, and not today.
  r.viewer = Admin(1);
  Result<View> then = log.Query(r);
  ASSERT_TRUE(then.ok()) << then.status().ToString();
  EXPECT_EQ(std::get<BillingManagersView>(*then).billing_managers.size(), 1u);
  r.as_of.reset();
  Result<View> now = log.Query(r);
  ASSERT_TRUE(now.ok());
  EXPECT_TRUE(std::get<BillingManagersView>(*now).billing_managers.empty());
}

}  // namespace
}  // namespace orgledger::projections
