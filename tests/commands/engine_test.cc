// The engine over a real RocksDB store: outcomes, rejections that leave the
// log as it was, the recorded acceptance failure, no-ops, idempotency keys
// (also across restarts), snapshots, retries and restarts.
#include "commands/engine.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "domain/codec/codec.h"
#include "privacy/person_keys.h"
#include "privacy/sealing.h"
#include "tests/commands/engine_fixture.h"
#include "tests/testing/test_dir.h"

namespace orgledger::commands::testing {
namespace {

using domain::AcceptInvite;
using domain::ChangeSubscription;
using domain::CreateBillingManagerInviteLink;
using domain::CreateOrganization;
using domain::CreateTeam;
using domain::InviteBillingManager;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open(EngineOptions options = {}) {
    engine_.reset();
    options.data_dir = dir_.Sub("db");
    options.context = context_;
    options.threads = 2;
    Result<std::unique_ptr<Engine>> e = Engine::Open(std::move(options));
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
  }

  CommandOutcome Run(CommandRequest r) {
    return engine_->Execute(std::move(r));
  }

  eventstore::Position Committed() {
    return engine_->store().CommittedPosition();
  }

  // acme (team edition) with a pending billing-manager invitation.
  std::string CreateWithInvite(const std::string& org = "acme") {
    EXPECT_TRUE(Run(Request(org, Admin(org), CreateOrganization{"team"})).ok());
    CommandOutcome invited = Run(Request(
        org, Admin(org), InviteBillingManager{"billing@" + org + ".example"}));
    EXPECT_TRUE(invited.ok()) << invited.error.ToString();
    return invited.invite_id.value_or("");
  }

  orgledger::testing::TestDir dir_;
  std::shared_ptr<TestContext> context_ = std::make_shared<TestContext>();
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, AcceptedCommandReturnsPositionVersionAndEvents) {
  CommandOutcome created =
      Run(Request("acme", Admin("acme"), CreateOrganization{"team"}));
  ASSERT_TRUE(created.ok()) << created.error.ToString();
  EXPECT_EQ(created.position, 1u);
  EXPECT_EQ(created.version, 1u);
  EXPECT_EQ(created.events,
            (std::vector<EventRef>{{"OrganizationCreated", 1}}));
  EXPECT_FALSE(created.replayed);

  CommandOutcome invited = Run(Request(
      "acme", Admin("acme"), InviteBillingManager{"billing@acme.example"}));
  ASSERT_TRUE(invited.ok());
  EXPECT_EQ(invited.invite_id, "inv-1");
  EXPECT_EQ(invited.position, 2u);
  EXPECT_EQ(invited.version, 2u);

  CommandOutcome accepted =
      Run(Request("acme", Biller("acme"), AcceptInvite{invited.invite_id, {}}));
  ASSERT_TRUE(accepted.ok()) << accepted.error.ToString();
  EXPECT_EQ(accepted.events, (std::vector<EventRef>{{"InviteAccepted", 3}}));
  EXPECT_EQ(Committed(), 3u);
}

TEST_F(EngineTest, EventsCarryTheirMetadata) {
  CommandRequest r = Request("acme", Admin("acme"), CreateOrganization{"team"});
  r.idempotency_key = "create-acme";
  r.correlation_id = "corr-42";
  ASSERT_TRUE(Run(r).ok());
  Result<std::vector<eventstore::RecordedEvent>> events =
      engine_->store().ReadAll(1, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  const eventstore::RecordedEvent& e = (*events)[0];
  EXPECT_EQ(e.stream, "acme");
  EXPECT_EQ(e.type, "OrganizationCreated");
  Result<codec::EventMetadata> meta = codec::DecodeMetadata(e.metadata);
  ASSERT_TRUE(meta.ok());
  // The actor's email and name are sealed in the record (SPEC §10) and
  // open with their key.
  EXPECT_NE(meta->actor, Admin("acme"));
  EXPECT_EQ(meta->actor.id, Admin("acme").id);
  ASSERT_TRUE(
      privacy::OpenActor(privacy::KeysOf(engine_->store()), meta->actor).ok());
  EXPECT_EQ(meta->actor, Admin("acme"));
  EXPECT_EQ(meta->recorded_at, kT0);
  EXPECT_EQ(meta->correlation_id, "corr-42");
  EXPECT_FALSE(meta->causation_id.empty());
  EXPECT_EQ(meta->idempotency_key, "create-acme");
  EXPECT_EQ(meta->schema_version, 2u);
}

TEST_F(EngineTest, RejectionLeavesTheLogAsItWas) {
  CreateWithInvite();
  const eventstore::Position before = Committed();
  CommandOutcome o =
      Run(Request("acme", Stranger(), InviteBillingManager{"x@example.com"}));
  EXPECT_EQ(o.error.code(), Code::kForbidden);
  EXPECT_EQ(o.position, 0u);
  EXPECT_TRUE(o.events.empty());
  o = Run(Request("nowhere", Admin("acme"), CreateTeam{"core", "Core"}));
  EXPECT_EQ(o.error.code(), Code::kNotFound);
  o = Run(Request("acme", Admin("acme"), CreateTeam{"core", ""}));
  EXPECT_EQ(o.error.code(), Code::kInvalidArgument);
  o = Run(Request("bad org!", Admin("acme"), CreateOrganization{"team"}));
  EXPECT_EQ(o.error.code(), Code::kInvalidArgument);
  EXPECT_EQ(Committed(), before);
}

TEST_F(EngineTest, FailedAcceptanceIsRecordedOnceWithItsPosition) {
  const std::string invite = CreateWithInvite();
  CommandOutcome o =
      Run(Request("acme", Stranger(), AcceptInvite{invite, std::nullopt}));
  EXPECT_EQ(o.error.code(), Code::kEmailMismatch);
  EXPECT_EQ(o.position, 3u);
  EXPECT_EQ(Committed(), 3u);
  Result<std::vector<eventstore::RecordedEvent>> events =
      engine_->store().ReadAll(3, 1);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ((*events)[0].type, "InviteAcceptFailed");

  // The same code by the same actor is not recorded again.
  o = Run(Request("acme", Stranger(), AcceptInvite{invite, std::nullopt}));
  EXPECT_EQ(o.error.code(), Code::kEmailMismatch);
  EXPECT_EQ(o.position, 0u);
  EXPECT_EQ(Committed(), 3u);

  // The invitation stayed pending: its owner accepts it.
  o = Run(Request("acme", Biller("acme"), AcceptInvite{invite, std::nullopt}));
  EXPECT_TRUE(o.ok()) << o.error.ToString();
}

TEST_F(EngineTest, NoOpSucceedsWithTheCurrentHead) {
  CreateWithInvite();
  CommandOutcome o =
      Run(Request("acme", Admin("acme"), ChangeSubscription{"team"}));
  ASSERT_TRUE(o.ok()) << o.error.ToString();
  EXPECT_TRUE(o.events.empty());
  EXPECT_EQ(o.version, 2u);
  EXPECT_EQ(o.position, 2u);
  EXPECT_EQ(Committed(), 2u);
}

TEST_F(EngineTest, LimitExceededListsEveryViolation) {
  ASSERT_TRUE(
      Run(Request("acme", Admin("acme"), CreateOrganization{"enterprise"}))
          .ok());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(Run(Request("acme", Admin("acme"),
                            InviteBillingManager{"b" + std::to_string(i) +
                                                 "@example.com"}))
                    .ok());
  }
  CommandOutcome o =
      Run(Request("acme", Admin("acme"), ChangeSubscription{"individual"}));
  EXPECT_EQ(o.error.code(), Code::kLimitExceeded);
  EXPECT_EQ(o.violations,
            (std::vector<domain::Violation>{{"billing_managers", 2, 0}}));
}

TEST_F(EngineTest, CallersExpectedVersionIsCheckedAndNeverRetried) {
  CreateWithInvite();
  CommandRequest r = Request("acme", Admin("acme"), CreateTeam{"core", "Core"});
  r.envelope.expected_version = 1;
  CommandOutcome o = Run(r);
  EXPECT_EQ(o.error.code(), Code::kConcurrencyConflict);
  EXPECT_EQ(Committed(), 2u);
  r.envelope.expected_version = 2;
  EXPECT_TRUE(Run(r).ok());
}

// Another writer appends to the organization's stream behind the engine's
// back: the cached state is stale, the append conflicts, and the engine
// reloads and decides again.
TEST_F(EngineTest, RetriesWhenAnotherWriterGotThereFirst) {
  CreateWithInvite();
  auto sneak_in = [&](const std::string& team) {
    domain::Event e = domain::TeamCreated{team, "Sneaky"};
    eventstore::AppendRequest a;
    a.stream = "acme";
    a.events.push_back(
        {"TeamCreated", codec::EncodeMetadata({}), codec::EncodeEvent(e)});
    ASSERT_TRUE(engine_->store().Append(std::move(a)).ok());
  };
  sneak_in("sneaky");
  CommandOutcome o =
      Run(Request("acme", Admin("acme"), CreateTeam{"sneaky", "Again"}));
  // Decided on the reloaded state: the team exists now.
  EXPECT_EQ(o.error.code(), Code::kAlreadyExists) << o.error.ToString();

  sneak_in("other");
  o = Run(Request("acme", Admin("acme"), CreateTeam{"core", "Core"}));
  ASSERT_TRUE(o.ok()) << o.error.ToString();
  EXPECT_EQ(o.version, 5u);

  EngineOptions no_retries;
  no_retries.max_retries = 0;
  Open(no_retries);
  ASSERT_TRUE(Run(Request("acme", Admin("acme"), CreateTeam{"t1", "T1"})).ok());
  sneak_in("t2");
  o = Run(Request("acme", Admin("acme"), CreateTeam{"t3", "T3"}));
  EXPECT_EQ(o.error.code(), Code::kConcurrencyConflict);
}

// A create of an organization not in the cache is decided without reading
// the store; when the organization exists after all, the answer is the one
// a read would have given (also with no retries, and with the caller's
// expected version), and the log is as it was.
TEST_F(EngineTest, ACreateDecidedUnreadIsAnsweredAsIfRead) {
  CreateWithInvite();
  for (int retries : {3, 0}) {
    EngineOptions options;
    options.max_retries = retries;
    Open(options);  // an empty cache
    CommandOutcome o =
        Run(Request("acme", Admin("acme"), CreateOrganization{"team"}));
    EXPECT_EQ(o.error.code(), Code::kAlreadyExists) << o.error.ToString();
    Open(options);
    CommandRequest r =
        Request("acme", Admin("acme"), CreateOrganization{"team"});
    r.envelope.expected_version = 2;
    o = Run(r);
    EXPECT_EQ(o.error.code(), Code::kAlreadyExists) << o.error.ToString();
    EXPECT_EQ(Committed(), 2u);
  }
  CommandOutcome fresh =
      Run(Request("beta", Admin("beta"), CreateOrganization{"team"}));
  ASSERT_TRUE(fresh.ok()) << fresh.error.ToString();
  EXPECT_EQ(fresh.version, 1u);
}

TEST_F(EngineTest, IdempotentRetryReturnsTheFirstOutcome) {
  CreateWithInvite();
  CommandRequest link = WithKey(
      Request("acme", Admin("acme"), CreateBillingManagerInviteLink{}), "k1");
  // The team slot is used by the pending invitation: a kept rejection.
  CommandOutcome first = Run(link);
  EXPECT_EQ(first.error.code(), Code::kLimitReached);
  CommandOutcome again = Run(link);
  EXPECT_EQ(again.error.code(), Code::kLimitReached);
  EXPECT_TRUE(again.replayed);

  ASSERT_TRUE(
      Run(Request("acme", Admin("acme"), ChangeSubscription{"enterprise"}))
          .ok());
  // Still the first outcome, although the command would pass now.
  EXPECT_EQ(Run(link).error.code(), Code::kLimitReached);

  link.idempotency_key = "k2";
  first = Run(link);
  ASSERT_TRUE(first.ok()) << first.error.ToString();
  ASSERT_TRUE(first.token.has_value());
  const eventstore::Position head = Committed();
  again = Run(link);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.invite_id, first.invite_id);
  EXPECT_EQ(again.position, first.position);
  EXPECT_EQ(again.version, first.version);
  EXPECT_EQ(again.events, first.events);
  EXPECT_FALSE(again.token.has_value()) << "a token is returned once";
  EXPECT_EQ(Committed(), head);

  CommandRequest other =
      WithKey(Request("acme", Admin("acme"), CreateTeam{"core", "Core"}), "k2");
  EXPECT_EQ(Run(other).error.code(), Code::kIdempotencyConflict);
  EXPECT_EQ(Committed(), head);
}

// The key is checked by the store with the append, or looked up when the
// decision writes nothing: each way answers a used key alike.
TEST_F(EngineTest, AUsedKeyIsAnsweredWhateverTheNewDecision) {
  CommandRequest create =
      WithKey(Request("acme", Admin("acme"), CreateOrganization{"team"}), "c");
  CommandOutcome first = Run(create);
  ASSERT_TRUE(first.ok()) << first.error.ToString();
  // Decided again as a rejection (it exists) that is not kept: looked up.
  CommandOutcome again = Run(create);
  ASSERT_TRUE(again.ok()) << again.error.ToString();
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.position, first.position);

  // Another request with the key, decided as an acceptance: the store's
  // check answers, naming the key.
  CommandRequest other =
      WithKey(Request("acme", Admin("acme"), CreateTeam{"core", "Core"}), "c");
  CommandOutcome conflict = Run(other);
  EXPECT_EQ(conflict.error.code(), Code::kIdempotencyConflict);
  EXPECT_NE(conflict.error.message().find("idempotency key c "),
            std::string::npos)
      << conflict.error.message();
  // The same, decided as a rejection that is not kept.
  other.envelope.expected_version = 7;
  EXPECT_EQ(Run(other).error.code(), Code::kIdempotencyConflict);
  EXPECT_EQ(Committed(), 1u);

  // A new process decides the create on a guessed empty state: the store's
  // check replays it, and the guess is not cached as the state.
  Open();
  again = Run(create);
  ASSERT_TRUE(again.ok()) << again.error.ToString();
  EXPECT_TRUE(again.replayed);
  CommandOutcome team =
      Run(Request("acme", Admin("acme"), CreateTeam{"core", "Core"}));
  ASSERT_TRUE(team.ok()) << team.error.ToString();
  EXPECT_EQ(team.version, 2u);
}

TEST_F(EngineTest, ACorrelationIdIsValidatedAndNothingIsWritten) {
  CreateWithInvite();
  CommandRequest r = Request("acme", Admin("acme"), CreateTeam{"core", "Core"});
  for (const std::string& bad :
       {std::string(129, 'c'), std::string("tab\there"),
        std::string("4111-1111-1111-1111")}) {
    r.correlation_id = bad;
    EXPECT_EQ(Run(r).error.code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(Committed(), 2u);
  r.correlation_id = "checkout-42";
  EXPECT_TRUE(Run(r).ok());
}

TEST_F(EngineTest, IdempotencyKeyIsValidated) {
  CreateWithInvite();
  CommandRequest r =
      WithKey(Request("acme", Admin("acme"), CreateTeam{"core", "Core"}), "");
  EXPECT_EQ(Run(r).error.code(), Code::kInvalidArgument);
  r.idempotency_key = std::string(129, 'k');
  EXPECT_EQ(Run(r).error.code(), Code::kInvalidArgument);
  r.idempotency_key = "tab\there";
  EXPECT_EQ(Run(r).error.code(), Code::kInvalidArgument);
  EXPECT_EQ(Committed(), 2u);
}

TEST_F(EngineTest, ConcurrencyConflictIsNotKeptWithTheKey) {
  CreateWithInvite();
  CommandRequest r =
      WithKey(Request("acme", Admin("acme"), CreateTeam{"core", "Core"}), "k");
  r.envelope.expected_version = 1;
  EXPECT_EQ(Run(r).error.code(), Code::kConcurrencyConflict);
  // Not kept: a retry runs again (and still conflicts)...
  CommandOutcome again = Run(r);
  EXPECT_EQ(again.error.code(), Code::kConcurrencyConflict);
  EXPECT_FALSE(again.replayed);
}

TEST_F(EngineTest, RestartContinuesAndKeepsIdempotencyKeys) {
  const std::string invite = CreateWithInvite();
  CommandRequest accept = WithKey(
      Request("acme", Biller("acme"), AcceptInvite{invite, std::nullopt}),
      "accept-1");
  CommandOutcome first = Run(accept);
  ASSERT_TRUE(first.ok()) << first.error.ToString();

  Open();  // a new process would see the same
  CommandOutcome again = Run(accept);
  EXPECT_TRUE(again.ok());
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.position, first.position);
  EXPECT_EQ(Committed(), 3u);

  // The state was reloaded from the log: the slot is taken.
  CommandOutcome o = Run(
      Request("acme", Admin("acme"), InviteBillingManager{"b2@example.com"}));
  EXPECT_EQ(o.error.code(), Code::kLimitReached);
  o = Run(Request("acme", Admin("acme"), CreateTeam{"core", "Core"}));
  EXPECT_TRUE(o.ok());
  EXPECT_EQ(o.version, 4u);
}

TEST_F(EngineTest, SnapshotsAreWrittenAndUsedAfterRestart) {
  EngineOptions options;
  options.snapshot_every = 4;
  Open(options);
  CreateWithInvite();
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(Run(Request("acme", Admin("acme"),
                            CreateTeam{"t" + std::to_string(i), "Team"}))
                    .ok());
  }
  // The teams after the snapshot come from the log on a reload.
  ASSERT_TRUE(
      Run(Request("acme", Admin("acme"), CreateTeam{"t9", "Team"})).ok());
  Result<std::optional<eventstore::StoredSnapshot>> snap =
      engine_->store().GetSnapshot("acme");
  ASSERT_TRUE(snap.ok());
  ASSERT_TRUE(snap->has_value());
  EXPECT_EQ((*snap)->version, 8u);  // written at 4 and at 8
  Result<domain::OrgState> state = codec::DecodeState((*snap)->bytes);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->version, 8u);
  EXPECT_EQ(state->teams.size(), 6u);

  Open(options);
  CommandOutcome o =
      Run(Request("acme", Admin("acme"), CreateTeam{"t5", "Team"}));
  EXPECT_EQ(o.error.code(), Code::kAlreadyExists);
  o = Run(Request("acme", Admin("acme"), CreateTeam{"t9", "Team"}));
  EXPECT_EQ(o.error.code(), Code::kAlreadyExists);
  o = Run(Request("acme", Admin("acme"), CreateTeam{"t6", "Team"}));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o.version, 10u);
}

// A large organization is snapshotted once per eighth of its size in
// events, not every `snapshot_every`: encoding it costs O(its size).
TEST_F(EngineTest, LargeOrganizationsAreSnapshottedLessOften) {
  for (const std::uint64_t ratio : {0, 8}) {
    EngineOptions options;
    options.snapshot_every = 4;
    options.snapshot_entries_per_event = ratio;
    Open(options);
    const std::string org = "big-" + std::to_string(ratio);
    ASSERT_TRUE(Run(Request(org, Admin(org), CreateOrganization{"team"})).ok());
    std::set<std::uint64_t> written;
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(Run(Request(org, Admin(org),
                              CreateTeam{"t" + std::to_string(i), "Team"}))
                      .ok());
      Result<std::optional<eventstore::StoredSnapshot>> snap =
          engine_->store().GetSnapshot(org);
      ASSERT_TRUE(snap.ok());
      // Those written during the last 100 events (versions 102-201).
      if (snap->has_value() && (*snap)->version >= 102) {
        written.insert((*snap)->version);
      }
    }
    if (ratio == 0) {
      EXPECT_EQ(written.size(), 25u);  // every 4 of the last 100 events
    } else {
      // 100-200 teams: one every 12 to 25 events.
      EXPECT_GE(written.size(), 4u);
      EXPECT_LE(written.size(), 9u);
    }
  }
}

// A snapshot that does not decode (a damaged one, or one of an older state
// schema) is discarded: the state is rebuilt from the log.
TEST_F(EngineTest, UnreadableSnapshotIsRebuiltFromTheLog) {
  CreateWithInvite();
  ASSERT_TRUE(
      engine_->store().PutSnapshot("acme", 2, "not a snapshot at all").ok());
  Open();
  CommandOutcome o = Run(
      Request("acme", Admin("acme"), InviteBillingManager{"b2@example.com"}));
  EXPECT_EQ(o.error.code(), Code::kLimitReached);
  EXPECT_TRUE(
      Run(Request("acme", Admin("acme"), CreateTeam{"core", "Core"})).ok());
}

TEST_F(EngineTest, SmallCacheEvictsAndReloads) {
  EngineOptions options;
  options.state_cache_entries = 2;
  options.snapshot_every = 0;
  Open(options);
  for (int i = 0; i < 5; ++i) CreateWithInvite("org-" + std::to_string(i));
  for (int i = 0; i < 5; ++i) {
    const std::string org = "org-" + std::to_string(i);
    CommandOutcome o = Run(Request(org, Admin(org), CreateTeam{"core", "C"}));
    ASSERT_TRUE(o.ok()) << o.error.ToString();
    EXPECT_EQ(o.version, 3u);
  }
}

TEST(EngineOpen, SecondEngineOnTheSameDirectoryIsUnavailable) {
  orgledger::testing::TestDir dir;
  EngineOptions options;
  options.data_dir = dir.Sub("db");
  Result<std::unique_ptr<Engine>> first = Engine::Open(options);
  ASSERT_TRUE(first.ok());
  Result<std::unique_ptr<Engine>> second = Engine::Open(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kUnavailable);
  EXPECT_NE(second.status().message().find("in use"), std::string::npos)
      << second.status().message();
  EXPECT_FALSE(Engine::Open(EngineOptions{}).ok());
}

// An edition catalog lacking an edition some organization is on is refused
// at open, naming the edition and the organizations (their limits would
// silently vanish); a change of subscription moves an organization off its
// old edition.
TEST_F(EngineTest, ACatalogLackingAnEditionInUseIsRefusedAtOpen) {
  for (const char* org : {"acme", "beta", "gamma"}) {
    ASSERT_TRUE(Run(Request(org, Admin(org), CreateOrganization{"team"})).ok());
  }
  ASSERT_TRUE(
      Run(Request("gamma", Admin("gamma"), ChangeSubscription{"enterprise"}))
          .ok());
  engine_.reset();
  auto without = [](std::initializer_list<const char*> names) {
    std::map<std::string, domain::EditionLimits> editions =
        domain::EditionCatalog::Default().editions();
    for (const char* n : names) editions.erase(n);
    EngineOptions options;
    options.editions = domain::EditionCatalog(std::move(editions));
    return options;
  };
  auto open = [&](EngineOptions options) {
    options.data_dir = dir_.Sub("db");
    options.context = context_;
    return Engine::Open(std::move(options));
  };
  Result<std::unique_ptr<Engine>> e = open(without({"team"}));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_NE(e.status().message().find("\"team\" (organizations acme, beta)"),
            std::string::npos)
      << e.status().message();
  e = open(without({"enterprise"}));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("\"enterprise\" (organizations gamma)"),
            std::string::npos)
      << e.status().message();
  EXPECT_EQ(e.status().message().find("\"team\""), std::string::npos)
      << e.status().message();
  // Editions no organization is on may go.
  e = open(without({"individual", "business_critical"}));
  EXPECT_TRUE(e.ok()) << e.status().ToString();
}

}  // namespace
}  // namespace orgledger::commands::testing
