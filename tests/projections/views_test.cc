// The views of SPEC §2 for every viewer role, on a log in memory and its
// projections (no engine, no RocksDB: tests/projections/projected_log.h): what
// each role may see, that fields it may not see are absent (searched in the
// serialized view), pagination, and the contents.
#include "projections/views.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <map>

#include "commands/system_context.h"
#include "tests/projections/projected_log.h"
#include "tools/wire/view_json.h"

namespace orgledger::projections {
namespace {

namespace json = boost::json;
using domain::Actor;

const Actor kAlice = Actor::Person("u-alice", "Alice@Example.com", "Alice");
const Actor kBob = Actor::Person("u-bob", "bob@example.com", "Bob");
const Actor kCarol = Actor::Person("u-carol", "carol@example.com", "Carol");
const Actor kFrank = Actor::Person("u-frank", "frank@example.com", "Frank");
const Actor kErin = Actor::Person("u-erin", "erin@example.com", "Erin");
const Actor kPayments = Actor::System("payments");

enum Viewer { kAdmin, kMember, kBillingManager, kRemoved, kStranger, kSystem };
const char* const kViewerNames[] = {"admin",   "member",   "billing_manager",
                                    "removed", "stranger", "system"};
Actor ViewerActor(Viewer v) {
  switch (v) {
    case kAdmin:
      return kAlice;
    case kMember:
      return kBob;
    case kBillingManager:
      return kCarol;
    case kRemoved:
      return kFrank;
    case kStranger:
      return kErin;
    case kSystem:
      return kPayments;
  }
  return kErin;
}

class ViewsTest : public ::testing::Test {
 protected:
  void SetUp() override { BuildAcme(); }

  domain::Decision Run(const Actor& actor, domain::Command c) {
    return log_.Run("acme", actor, std::move(c));
  }

  // The seed's organization: 1 admin, 2 members... here Alice (admin), Bob
  // (member), Carol (billing manager), Frank (billing manager, removed);
  // a pending email invitation for dave with a recorded error by Erin, a
  // pending link, a team, a card, payments and resource counts.
  void BuildAcme() {
    using namespace domain;
    ASSERT_TRUE(Run(kAlice, CreateOrganization{"enterprise"}).accepted());
    auto bob = Run(kAlice, InviteMember{"Bob@example.com", "member"});
    ASSERT_TRUE(Run(kBob, AcceptInvite{bob.invite_id, {}}).accepted());
    auto carol = Run(kAlice, InviteBillingManager{"carol@example.com"});
    ASSERT_TRUE(Run(kCarol, AcceptInvite{carol.invite_id, {}}).accepted());
    auto frank = Run(kAlice, InviteBillingManager{"frank@example.com"});
    ASSERT_TRUE(Run(kFrank, AcceptInvite{frank.invite_id, {}}).accepted());
    ASSERT_TRUE(Run(kAlice, RemoveBillingManager{"u-frank"}).accepted());
    dave_invite_ =
        *Run(kAlice, InviteBillingManager{"dave@example.com"}).invite_id;
    EXPECT_EQ(Run(kErin, AcceptInvite{dave_invite_, {}}).error.code(),
              Code::kEmailMismatch);
    auto link = Run(kAlice, CreateBillingManagerInviteLink{});
    ASSERT_TRUE(link.token.has_value());
    token_ = *link.token;
    token_hash_ = commands::Sha256Hex(token_);
    ASSERT_TRUE(Run(kAlice, CreateTeam{"core", "Core Team"}).accepted());
    ASSERT_TRUE(Run(kCarol, UpdateCreditCard{CreditCard{"tok_secret_processor",
                                                        "visa", "4242", 12,
                                                        2030, "Carol Smith"}})
                    .accepted());
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(Run(kPayments,
                      RecordPayment{"pay-" + std::to_string(i), 1000 + i, "USD",
                                    "succeeded", orgledger::testing::kT0})
                      .accepted());
    }
    ASSERT_TRUE(Run(kPayments, RecordPayment{"pay-0", 1000, "USD", "refunded",
                                             orgledger::testing::kT0})
                    .accepted());
    ASSERT_TRUE(Run(kPayments, RecordResourceCount{10, orgledger::testing::kT0})
                    .accepted());
  }

  Result<json::object> View(const std::string& view, const Actor& viewer,
                            std::optional<std::int64_t> limit = {},
                            std::optional<std::uint64_t> before = {}) {
    ViewRequest r;
    r.view = view;
    r.org = "acme";
    r.viewer = viewer;
    r.limit = limit;
    r.before = before;
    if (view == "authorize") r.permission = "billing.credit_card.view";
    Result<projections::View> v = log_.Query(r);
    if (!v.ok()) return v.status();
    return wire::ViewJson(*v);
  }

  orgledger::testing::ProjectedLog log_;
  std::string dave_invite_;
  std::string token_;
  std::string token_hash_;
};

// view -> {admin, member, billing_manager, removed, stranger, system}, from
// SPEC §1.8 and §2 (this test's own copy).
const std::map<std::string, std::array<bool, 6>>& Visible() {
  static const std::map<std::string, std::array<bool, 6>> table = {
      {"member_count", {true, true, true, false, false, false}},
      {"members", {true, true, false, false, false, false}},
      {"billing_managers", {true, false, true, false, false, false}},
      {"invites", {true, false, false, false, false, false}},
      {"billing", {true, false, true, false, false, false}},
      {"payments", {true, false, true, false, false, false}},
      {"rum", {true, false, true, false, false, false}},
      {"teams", {true, true, false, false, false, false}},
      {"audit_log", {true, false, false, false, false, false}},
      {"authorize", {true, true, true, true, true, true}},
  };
  return table;
}

TEST_F(ViewsTest, EveryViewForEveryViewer) {
  for (const auto& [view, visible] : Visible()) {
    for (int v = kAdmin; v <= kSystem; ++v) {
      Result<json::object> r = View(view, ViewerActor(Viewer(v)));
      if (visible[v]) {
        EXPECT_TRUE(r.ok()) << view << " as " << kViewerNames[v] << ": "
                            << r.status().ToString();
      } else {
        EXPECT_EQ(r.status().code(), Code::kForbidden)
            << view << " as " << kViewerNames[v];
      }
    }
  }
}

// Nothing secret reaches a viewer who may not see it: no token or its hash
// for anyone, no email, pending invitation or acceptance error for billing
// managers and members, never the card processor's token.
TEST_F(ViewsTest, NothingLeaksToWhoMayNotSeeIt) {
  for (const auto& [view, visible] : Visible()) {
    for (int v = kAdmin; v <= kSystem; ++v) {
      Result<json::object> r = View(view, ViewerActor(Viewer(v)));
      if (!r.ok()) continue;
      const std::string text = json::serialize(*r);
      const std::string where = view + " as " + kViewerNames[v] + ": " + text;
      EXPECT_EQ(text.find(token_), std::string::npos) << where;
      EXPECT_EQ(text.find(token_hash_), std::string::npos) << where;
      EXPECT_EQ(text.find("tok_secret_processor"), std::string::npos) << where;
      if (v == kAdmin) continue;
      EXPECT_EQ(text.find("dave@example.com"), std::string::npos) << where;
      EXPECT_EQ(text.find("email_mismatch"), std::string::npos) << where;
      EXPECT_EQ(text.find(dave_invite_), std::string::npos) << where;
      EXPECT_EQ(text.find("pending"), std::string::npos) << where;
      if (v == kBillingManager) {
        EXPECT_EQ(text.find('@'), std::string::npos) << where;
      }
    }
  }
}

TEST_F(ViewsTest, MemberCountIsAdminsAndMembers) {
  Result<json::object> r = View("member_count", kCarol);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(json::serialize(*r), R"({"member_count":2})");
}

TEST_F(ViewsTest, BillingManagersForAdminsAndForBillingManagers) {
  Result<json::object> admin = View("billing_managers", kAlice);
  ASSERT_TRUE(admin.ok());
  const json::array& managers = admin->at("billing_managers").as_array();
  ASSERT_EQ(managers.size(), 1u);
  EXPECT_EQ(managers[0].at("user_id"), "u-carol");
  EXPECT_EQ(managers[0].at("email"), "carol@example.com");
  const json::array& pending = admin->at("pending").as_array();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].at("invite_id").as_string(), dave_invite_);
  EXPECT_EQ(pending[0].at("channel"), "email");
  EXPECT_EQ(pending[0].at("email"), "dave@example.com");
  EXPECT_EQ(pending[0].at("invited_by"), "u-alice");
  const json::object& error = pending[0].at("last_error").as_object();
  EXPECT_EQ(error.at("code"), "email_mismatch");
  EXPECT_EQ(error.at("actor_email"), "erin@example.com");
  EXPECT_EQ(pending[1].at("channel"), "link");
  EXPECT_FALSE(pending[1].as_object().contains("email"));
  EXPECT_TRUE(pending[1].at("last_error").is_null());

  Result<json::object> bm = View("billing_managers", kCarol);
  ASSERT_TRUE(bm.ok());
  EXPECT_EQ(json::serialize(*bm), R"({"billing_managers":[{"name":"Carol"}]})");
}

// Billing managers are listed in order of acceptance, and are gone from
// the list and the count once removed.
TEST_F(ViewsTest, BillingManagersAreListedInOrderOfAcceptance) {
  const Actor grace = Actor::Person("u-grace", "grace@example.com", "Grace");
  const Actor henry = Actor::Person("u-henry", "henry@example.com", "Henry");
  auto g = Run(kAlice, domain::InviteBillingManager{"grace@example.com"});
  auto h = Run(kAlice, domain::InviteBillingManager{"henry@example.com"});
  ASSERT_TRUE(Run(henry, domain::AcceptInvite{h.invite_id, {}}).accepted());
  ASSERT_TRUE(Run(grace, domain::AcceptInvite{g.invite_id, {}}).accepted());
  ASSERT_TRUE(Run(kAlice, domain::RemoveBillingManager{"u-carol"}).accepted());
  Result<json::object> r = View("billing_managers", kAlice);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const json::array& managers = r->at("billing_managers").as_array();
  ASSERT_EQ(managers.size(), 2u);
  EXPECT_EQ(managers[0].at("user_id"), "u-henry");
  EXPECT_EQ(managers[1].at("user_id"), "u-grace");
  Result<json::object> billing = View("billing", kAlice);
  ASSERT_TRUE(billing.ok());
  // Two, and the pending invitations: dave's and the link.
  EXPECT_EQ(billing->at("billing_managers_used"), 4);
}

TEST_F(ViewsTest, BillingShowsEditionLimitsCardPaymentsAndRum) {
  Result<json::object> r = View("billing", kCarol);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->at("edition"), "enterprise");
  EXPECT_TRUE(r->at("limits").at("billing_managers").is_null());
  EXPECT_EQ(r->at("billing_managers_used"), 3);  // Carol + 2 pending
  EXPECT_EQ(r->at("member_count"), 2);
  EXPECT_EQ(r->at("credit_card").at("last4"), "4242");
  EXPECT_EQ(r->at("credit_card").at("holder_name"), "Carol Smith");
  const json::array& payments = r->at("payments").as_array();
  ASSERT_EQ(payments.size(), 3u);
  EXPECT_EQ(payments[0].at("payment_id"), "pay-2");  // newest first
  EXPECT_EQ(payments[2].at("payment_id"), "pay-0");
  EXPECT_EQ(payments[2].at("status"), "refunded");
  EXPECT_EQ(r->at("rum").at("current"), 10);
}

TEST_F(ViewsTest, ListsArePaged) {
  Result<json::object> first = View("audit_log", kAlice, 5);
  ASSERT_TRUE(first.ok());
  const json::array& events = first->at("events").as_array();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].at("position").as_uint64(), log_.last_position());
  ASSERT_TRUE(first->contains("next"));
  const std::uint64_t next = first->at("next").as_uint64();
  EXPECT_EQ(next, log_.last_position() - 4);
  std::uint64_t seen = 5;
  std::optional<std::uint64_t> before = next;
  while (before.has_value()) {
    Result<json::object> page = View("audit_log", kAlice, 5, before);
    ASSERT_TRUE(page.ok());
    const json::array& e = page->at("events").as_array();
    EXPECT_LT(e[0].at("position").as_uint64(), *before);
    seen += e.size();
    before.reset();
    if (page->contains("next")) before = page->at("next").as_uint64();
  }
  EXPECT_EQ(seen, log_.last_position());  // every event of acme, once
  Result<json::object> members = View("members", kBob, 1);
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(members->at("members").as_array()[0].at("user_id"), "u-bob");
  EXPECT_TRUE(members->contains("next"));
  EXPECT_EQ(View("members", kBob, 0).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(View("members", kBob, 1001).status().code(),
            Code::kInvalidArgument);
}

TEST_F(ViewsTest, AuditLogNamesWhoDidWhat) {
  Result<json::object> r = View("audit_log", kAlice, 1000);
  ASSERT_TRUE(r.ok());
  const json::array& events = r->at("events").as_array();
  const json::object& first = events.back().as_object();
  EXPECT_EQ(first.at("type"), "OrganizationCreated");
  EXPECT_EQ(first.at("actor"), "u-alice");
  EXPECT_EQ(first.at("position").as_uint64(), 1u);
  EXPECT_NE(first.at("summary").as_string().find("created the organization"),
            json::string::npos);
}

TEST_F(ViewsTest, AuthorizeAnswersAboutTheViewer) {
  EXPECT_EQ(json::serialize(*View("authorize", kCarol)),
            R"({"allowed":true,"scope":"full"})");
  EXPECT_EQ(json::serialize(*View("authorize", kBob)),
            R"({"allowed":false,"scope":"denied"})");
  EXPECT_EQ(json::serialize(*View("authorize", kFrank)),
            R"({"allowed":false,"scope":"denied"})");
}

TEST_F(ViewsTest, UnknownOrganizationAndBadFields) {
  ViewRequest r;
  r.view = "member_count";
  r.org = "nowhere";
  r.viewer = kAlice;
  EXPECT_EQ(log_.Query(r).status().code(), Code::kNotFound);
  r.org = "bad org";
  EXPECT_EQ(log_.Query(r).status().code(), Code::kInvalidArgument);
  r.org = "acme";
  r.view = "no_such_view";
  EXPECT_EQ(log_.Query(r).status().code(), Code::kInvalidRequest);
  r.view = "rum";
  r.month = "2026-13";
  EXPECT_EQ(log_.Query(r).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace orgledger::projections
