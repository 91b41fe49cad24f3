// Random command sequences against several organizations (STYLE.md §21),
// with the invariants of SPEC §1 checked after every step:
//   - an organization always has at least one admin (§1.2);
//   - active + pending billing managers and members stay within the
//     edition's limits (§1.3);
//   - a person holds one role, and an email belongs to one person (§1.2);
//   - member count = admins + members (§1.2);
//   - a rejection appends nothing but the one recorded failure (§1.4);
//   - no link token and no card number anywhere in the encoded log (§1.4,
//     §1.7);
//   - folding the decoded log from scratch gives the same state.
// The seed is printed; ORGLEDGER_SEED=N replays a run.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "domain/codec/codec.h"
#include "domain/validation.h"
#include "tests/domain/scenario.h"
#include "tests/testing/test_dir.h"

namespace orgledger::domain::testing {
namespace {

constexpr int kOrgs = 3;
constexpr int kSteps = 20000;
const char* const kCard = "4111 1111-1111 1111";  // passes Luhn

struct World {
  std::map<std::string, OrgState> states;
  std::map<std::string, std::vector<std::pair<std::string, std::string>>>
      log;                          // org -> (type, encoded payload)
  std::vector<std::string> tokens;  // every token handed out
};

class Generator {
 public:
  explicit Generator(unsigned seed) : rng_(seed) {
    const char* names[] = {"ann", "ben", "cat", "dan", "eve", "fay"};
    for (const char* n : names) {
      people_.push_back(Actor::Person(std::string("u-") + n,
                                      std::string(n) + "@Example.com",
                                      std::string("Person ") + n));
    }
  }

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool Chance(int percent) { return Pick(100) < percent; }

  // Half the time someone who holds a role in the organization (often an
  // admin), so that commands get past `forbidden`.
  Actor AnyActor(const OrgState& s) {
    if (Chance(5)) return Actor::System("payments");
    if (!s.people.empty() && Chance(60)) {
      auto it = s.people.begin();
      std::advance(it, Pick(static_cast<int>(s.people.size())));
      for (const Actor& p : people_) {
        if (p.id == it->first) return p;
      }
    }
    return people_[Pick(static_cast<int>(people_.size()))];
  }
  std::string AnyEmail() {
    const Actor& p = people_[Pick(static_cast<int>(people_.size()))];
    return Chance(50) ? p.email : NormalizeEmail(p.email);
  }
  std::string AnyUserId() {
    return people_[Pick(static_cast<int>(people_.size()))].id;
  }
  std::string AnyRole() {
    const char* roles[] = {"admin", "member", "billing_manager"};
    return roles[Pick(3)];
  }
  std::string AnyEdition() {
    const char* e[] = {"individual", "team", "enterprise", "business_critical"};
    return e[Pick(4)];
  }
  // Pending and closed alike (a closed one answers revoked or used).
  std::string AnyInviteId(const OrgState& s) {
    const auto n = static_cast<int>(s.invites.size() + s.closed_invites.size());
    if (n == 0 || Chance(10)) return "inv-unknown";
    const int i = Pick(n);
    if (i < static_cast<int>(s.invites.size())) {
      return std::next(s.invites.begin(), i)->first;
    }
    return s.closed_invites.Ids()[i - static_cast<int>(s.invites.size())];
  }
  std::string FreeText(const std::string& plain) {
    return Chance(5) ? plain + " " + kCard : plain;
  }

  Command AnyCommand(const OrgState& s, const World& w) {
    switch (Pick(17)) {
      case 0:
        return CreateOrganization{AnyEdition()};
      case 1:
        return InviteMember{AnyEmail(), Chance(70) ? "member" : "admin"};
      case 2:
        return CreateMemberInviteLink{Chance(70) ? "member" : "admin"};
      case 3:
        return InviteBillingManager{AnyEmail()};
      case 4:
        return CreateBillingManagerInviteLink{};
      case 5:
        return ResendInvite{AnyInviteId(s)};
      case 6:
        return RevokeInvite{AnyInviteId(s)};
      case 7:
      case 8:
        if (!w.tokens.empty() && Chance(50)) {
          std::string token = w.tokens[Pick(static_cast<int>(w.tokens.size()))];
          if (Chance(10)) token.back() = token.back() == 'x' ? 'y' : 'x';
          return AcceptInvite{std::nullopt, token};
        }
        return AcceptInvite{AnyInviteId(s), std::nullopt};
      case 9:
        return RemoveMember{AnyUserId()};
      case 10:
        return ChangeRole{AnyUserId(), AnyRole()};
      case 11:
        return RemoveBillingManager{AnyUserId()};
      case 12:
        return Chance(60)
                   ? Command(CreateTeam{"team-" + std::to_string(Pick(4)),
                                        FreeText("Team")})
                   : Command(DeleteTeam{"team-" + std::to_string(Pick(4))});
      case 13:
        return UpdateCreditCard{CreditCard{"tok_" + std::to_string(Pick(9)),
                                           "visa", "4242", 1 + Pick(12), 2030,
                                           FreeText("Holder")}};
      case 14:
        return ChangeSubscription{AnyEdition()};
      case 15: {
        const char* statuses[] = {"succeeded", "failed", "refunded"};
        return RecordPayment{"pay-" + std::to_string(Pick(5)), 100 * Pick(3),
                             "USD", statuses[Pick(3)], kT0};
      }
      default:
        return RecordResourceCount{Pick(50), now_ + 0};
    }
  }

  void Tick() { now_ += 1000000; }
  Micros now() const { return now_; }

 private:
  std::mt19937 rng_;
  std::vector<Actor> people_;
  Micros now_ = kT0;
};

void CheckInvariants(const OrgState& s, const Context& context,
                     const std::string& where) {
  if (!s.exists) return;
  EXPECT_GE(s.CountRole(Role::kAdmin), 1u) << where;
  std::uint64_t admins = 0, members = 0;
  std::set<std::string> emails;
  for (const auto& [id, p] : s.people) {
    EXPECT_EQ(id, p.user_id) << where;
    if (p.role == Role::kAdmin) ++admins;
    if (p.role == Role::kMember) ++members;
    EXPECT_TRUE(emails.insert(NormalizeEmail(p.email)).second)
        << where << ": " << p.email << " holds two roles";
  }
  EXPECT_EQ(s.MemberCount(), admins + members) << where;
  const EditionLimits* limits = context.editions().Find(s.edition);
  ASSERT_NE(limits, nullptr) << where;
  if (limits->billing_managers.has_value()) {
    EXPECT_LE(s.CountRole(Role::kBillingManager) + s.PendingInvites(true),
              *limits->billing_managers)
        << where;
  }
  if (limits->members.has_value()) {
    EXPECT_LE(s.MemberCount() + s.PendingInvites(false), *limits->members)
        << where;
  }
}

// The index Evolve keeps step by step equals one built from scratch
// (OrgState's equality ignores it, so compare its parts).
void CheckIndex(const OrgState& s, const std::string& where) {
  OrgState fresh = s;
  fresh.Reindex();
  EXPECT_EQ(s.index.people_by_email, fresh.index.people_by_email) << where;
  EXPECT_EQ(s.index.pending_by_email, fresh.index.pending_by_email) << where;
  EXPECT_EQ(s.index.people_by_role, fresh.index.people_by_role) << where;
  EXPECT_EQ(s.index.pending, fresh.index.pending) << where;
  EXPECT_EQ(s.index.links_by_token_hash, fresh.index.links_by_token_hash)
      << where;
}

TEST(DomainProperty, RandomHistoriesKeepTheInvariants) {
  const unsigned seed = orgledger::testing::TestSeed();
  Generator gen(seed);
  FakeContext context;
  World world;
  int accepted = 0, rejected = 0, recorded = 0;
  for (int step = 0; step < kSteps && !::testing::Test::HasFailure(); ++step) {
    gen.Tick();
    context.now = gen.now();
    const std::string org = "org-" + std::to_string(gen.Pick(kOrgs));
    OrgState& state = world.states[org];
    CommandEnvelope env{
        org, gen.AnyActor(state), gen.AnyCommand(state, world), {}};
    const std::string where = "seed " + std::to_string(seed) + " step " +
                              std::to_string(step) + " " +
                              std::string(CommandOpName(env.command));
    Decision d = Decide(state, env, context);
    if (d.accepted()) {
      ++accepted;
    } else if (d.recorded_failure()) {
      ++recorded;
      ASSERT_EQ(d.events.size(), 1u) << where;
      EXPECT_TRUE(std::holds_alternative<InviteAcceptFailed>(d.events[0]))
          << where;
    } else {
      ++rejected;
      EXPECT_TRUE(d.events.empty()) << where;
    }
    if (d.token.has_value()) world.tokens.push_back(*d.token);
    for (const Event& e : d.events) {
      state = Evolve(std::move(state), e);
      state.version += 1;
      world.log[org].emplace_back(std::string(EventTypeName(e)),
                                  codec::EncodeEvent(e));
    }
    CheckInvariants(state, context, where);
    CheckIndex(state, where);
  }

  // Secrets: no token and no card digits in any encoded event.
  std::string digits;
  for (char c : std::string(kCard)) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  for (const auto& [org, events] : world.log) {
    OrgState folded;
    for (const auto& [type, payload] : events) {
      for (const std::string& token : world.tokens) {
        EXPECT_EQ(payload.find(token), std::string::npos) << "token in log";
      }
      EXPECT_EQ(payload.find(kCard), std::string::npos) << "card in log";
      EXPECT_EQ(payload.find(digits), std::string::npos) << "card in log";
      Result<Event> e = codec::DecodeEvent(type, payload);
      ASSERT_TRUE(e.ok()) << e.status().ToString();
      folded = Evolve(std::move(folded), *e);
      folded.version += 1;
    }
    EXPECT_EQ(folded, world.states[org]) << org << ", seed " << seed;
  }
  std::printf(
      "[property] %d accepted, %d rejected, %d recorded failures, "
      "%zu tokens\n",
      accepted, rejected, recorded, world.tokens.size());
  // The generator reaches every kind of outcome.
  EXPECT_GT(accepted, kSteps / 10);
  EXPECT_GT(rejected, kSteps / 10);
  EXPECT_GT(recorded, 0);
  EXPECT_FALSE(world.tokens.empty());
}

}  // namespace
}  // namespace orgledger::domain::testing
