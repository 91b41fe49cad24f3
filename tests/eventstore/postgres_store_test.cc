// The PostgreSQL backend passes the event-store and state-store contracts
// on a real server, and holds what only several writers on one database
// can break: positions in commit order for every subscriber, the server's
// settings checked at open, the schema's version.
#include <gtest/gtest.h>

#include <thread>

#include "eventstore/postgres/pg.h"
#include "eventstore/postgres/postgres_event_store.h"
#include "tests/eventstore/conformance_suite.h"
#include "tests/eventstore/postgres_factory.h"
#include "tests/eventstore/property_suite.h"
#include "tests/eventstore/state_store_suite.h"
#include "tests/testing/tcp_proxy.h"
#include "tests/testing/test_dir.h"

namespace orgledger::eventstore::conformance {

INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, EventStoreConformance,
                               PostgresStoreFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, StateStoreConformance,
                               PostgresStoreFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, EventStoreProperty,
                               PostgresStoreFactory);

namespace {

using namespace std::chrono_literals;

Result<std::unique_ptr<EventStore>> OpenAt(const std::string& url,
                                           PostgresOptions p = {},
                                           StoreOptions o = {}) {
  p.url = url;
  return OpenPostgresEventStore(o, p);
}

// What a subscriber saw while one append held its transaction open and a
// later one, from another connection, committed first.
struct Race {
  std::vector<Position> delivered;
  std::vector<Position> in_log;
};

// With `expected_versions`, each store appends once before the race and
// the racing appends expect their stream to be new, so that the slow one
// is planned on its remembered head and locks it in orgledger_guard (one
// round trip), not in the two-trip path's SELECT ... FOR UPDATE.
Race SlowAppendRace(bool positions_from_sequence,
                    bool expected_versions = false) {
  testing::PostgresServer* server = testing::PostgresServer::Shared();
  EXPECT_NE(server, nullptr);
  if (server == nullptr) return {};
  const std::string url = server->NewDatabase();
  PostgresOptions slow;
  slow.TEST_positions_from_sequence = positions_from_sequence;
  PostgresOptions fast = slow;
  slow.TEST_commit_delay = 1500ms;
  auto slow_store = OpenAt(url, slow);
  auto fast_store = OpenAt(url, fast);
  auto reader = OpenAt(url, fast);
  EXPECT_TRUE(slow_store.ok() && fast_store.ok() && reader.ok());
  if (!slow_store.ok() || !fast_store.ok() || !reader.ok()) return {};

  Race race;
  std::mutex mu;
  auto subscription = (*reader)->Subscribe(1, [&](const RecordedEvent& e) {
    std::lock_guard<std::mutex> lock(mu);
    race.delivered.push_back(e.position);
  });
  const ExpectedVersion expected =
      expected_versions ? ExpectedVersion::NoStream() : ExpectedVersion::Any();
  if (expected_versions) {
    EXPECT_TRUE((*fast_store)
                    ->Append(Request("warm-fast", expected, {Event("W", "")}))
                    .ok());
    EXPECT_TRUE((*slow_store)
                    ->Append(Request("warm-slow", expected, {Event("W", "")}))
                    .ok());
  }
  std::thread first([&] {
    EXPECT_TRUE((*slow_store)
                    ->Append(Request("slow", expected, {Event("E", "1")}))
                    .ok());
  });
  std::this_thread::sleep_for(300ms);  // the slow one holds its position
  EXPECT_TRUE(
      (*fast_store)->Append(Request("fast", expected, {Event("E", "2")})).ok());
  first.join();
  if (expected_versions) {
    EXPECT_EQ((*slow_store)->Stats().Gauge(kPostgresOneTripGroups), 1.0)
        << "the slow append was not planned on its remembered head";
  }
  // Long enough for the follower and the subscription to see both.
  std::this_thread::sleep_for(1500ms);
  subscription.reset();
  auto all = (*reader)->ReadAll(1, 100);
  auto c = pg::Connection::Open({url});
  EXPECT_TRUE(c.ok());
  auto rows =
      (*c)->Exec("SELECT position FROM orgledger_log ORDER BY position");
  EXPECT_TRUE(rows.ok());
  for (int i = 0; rows.ok() && i < rows->size(); ++i) {
    race.in_log.push_back(static_cast<Position>(rows->Int(i, 0)));
  }
  return race;
}

// SPEC §7: a subscriber never skips an event whose append committed after a
// later position's. The head row's lock makes the later append wait.
TEST(PostgresOrdering, ASubscriberNeverPassesAnAppendStillOpen) {
  Race race = SlowAppendRace(false);
  EXPECT_EQ(race.in_log, (std::vector<Position>{1, 2}));
  EXPECT_EQ(race.delivered, race.in_log)
      << "the subscriber skipped, doubled or reordered an event";
}

// The same race when the slow append holds the head's lock from
// orgledger_guard, the one-round-trip path (docs/postgres.md).
TEST(PostgresOrdering, AnAppendPlannedOnTheRememberedHeadHoldsTheOrderToo) {
  Race race = SlowAppendRace(false, /*expected_versions=*/true);
  EXPECT_EQ(race.in_log, (std::vector<Position>{1, 2, 3, 4}));
  EXPECT_EQ(race.delivered, race.in_log)
      << "the subscriber skipped, doubled or reordered an event";
}

// The same race on positions from a plain sequence (the design of the
// stores that shipped the bug): the later append commits first, the
// subscriber moves past the open one's position and never sees it. This
// is what shows the test above can fail.
TEST(PostgresOrdering, PositionsFromAPlainSequenceLoseTheOpenAppend) {
  Race race = SlowAppendRace(true);
  EXPECT_EQ(race.in_log, (std::vector<Position>{1, 2}));
  EXPECT_NE(race.delivered, race.in_log);
  EXPECT_EQ(race.delivered, (std::vector<Position>{2}));
}

TEST(PostgresOpen, SyncDurabilityRefusesAServerThatWouldNotFlush) {
  testing::PostgresServer* server = testing::PostgresServer::Shared();
  ASSERT_NE(server, nullptr);
  const std::string url = server->NewDatabase();
  auto c = pg::Connection::Open({url});
  ASSERT_TRUE(c.ok());
  const std::string db = url.substr(url.rfind('/') + 1);
  ASSERT_TRUE(
      (*c)->Exec("ALTER DATABASE " + db + " SET synchronous_commit = off")
          .ok());
  auto refused = OpenAt(url);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable);
  EXPECT_NE(refused.status().message().find("synchronous_commit = off"),
            std::string::npos)
      << refused.status().message();
  StoreOptions buffered;
  buffered.durability = Durability::kBuffered;
  auto accepted = OpenAt(url, {}, buffered);
  ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();
  const StoreStats stats = (*accepted)->Stats();
  EXPECT_EQ(stats.Gauge(kPostgresFsync), 1);
  EXPECT_EQ(stats.Gauge(kPostgresSynchronousCommit), 0);
  EXPECT_TRUE(
      (*accepted)
          ->Append(Request("s", ExpectedVersion::NoStream(), {Event("E", "1")}))
          .ok());
}

TEST(PostgresOpen, ANewerSchemaIsRefusedByName) {
  testing::PostgresServer* server = testing::PostgresServer::Shared();
  ASSERT_NE(server, nullptr);
  const std::string url = server->NewDatabase();
  ASSERT_TRUE(OpenAt(url).ok());
  auto c = pg::Connection::Open({url});
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Exec("UPDATE orgledger_meta SET value = '99'::bytea "
                         "WHERE key = 'schema_version'")
                  .ok());
  auto refused = OpenAt(url);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("schema version 99"),
            std::string::npos)
      << refused.status().message();
}

// A replica's state directory is of one database: pointed at another, the
// store refuses to open rather than follow that log from positions that
// mean something else there; its own database opens it again.
TEST(PostgresOpen, AStateDirectoryOfAnotherDatabaseIsRefused) {
  testing::PostgresServer* server = testing::PostgresServer::Shared();
  ASSERT_NE(server, nullptr);
  const std::string first = server->NewDatabase();
  const std::string second = server->NewDatabase();
  orgledger::testing::TestDir dir;
  PostgresOptions p;
  p.state_dir = dir.Sub("state");
  {
    auto store = OpenAt(first, p);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
  }
  auto other = OpenAt(second, p);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), Code::kInvalidArgument);
  EXPECT_NE(other.status().message().find("another PostgreSQL database"),
            std::string::npos)
      << other.status().message();
  auto again = OpenAt(first, p);
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

TEST(PostgresOpen, AnUnreachableServerIsUnavailableWithoutCredentials) {
  PostgresOptions p;
  p.timeout = 1s;
  auto refused =
      OpenAt("postgresql://someone:s3cret-word@127.0.0.1:1/nowhere", p);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable);
  EXPECT_EQ(refused.status().message().find("s3cret-word"), std::string::npos)
      << refused.status().message();
}

// Several stores (as several replicas) append to the same streams at once:
// every acknowledged append is in the log once, positions are gapless, and
// the chain verifies.
TEST(PostgresWriters, FourStoresRacingKeepOneGaplessChain) {
  testing::PostgresServer* server = testing::PostgresServer::Shared();
  ASSERT_NE(server, nullptr);
  const std::string url = server->NewDatabase();
  std::vector<std::unique_ptr<EventStore>> stores;
  for (int i = 0; i < 4; ++i) {
    auto s = OpenAt(url);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    stores.push_back(std::move(*s));
  }
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      EventStore& store = *stores[t % 4];
      for (int i = 0; i < 25; ++i) {
        AppendRequest r = Request(
            "s" + std::to_string(i % 3), ExpectedVersion::Any(),
            {Event("E", std::to_string(t)), Event("F", std::to_string(i))});
        if (store.Append(std::move(r)).ok()) ++acknowledged;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(acknowledged.load(), 16 * 25);
  auto head = stores[0]->Head();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->position, 2u * 16 * 25);
  auto report = stores[1]->Verify(0, 0);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->records, 2u * 16 * 25);
}

// A store plans a group on the head it committed last and the versions its
// appends expect (one round trip); when the log, a stream or a key is not
// as planned, the guard refuses the plan and the group is planned again
// under the lock: conflicts, replays and the chain come out as if it had
// been planned there first. The store `a` has no follower, so it never
// learns of b's commits other than through the guard.
TEST(PostgresRemembered, APlanOnAMovedStateIsRefusedAndPlannedAgain) {
  testing::PostgresServer* server = testing::PostgresServer::Shared();
  ASSERT_NE(server, nullptr);
  const std::string url = server->NewDatabase();
  PostgresOptions blind;
  blind.TEST_no_follower = true;
  auto a = OpenAt(url, blind);
  auto b = OpenAt(url);
  ASSERT_TRUE(a.ok() && b.ok());
  auto expect_code = [](const Result<AppendResult>& r, Code code) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), code) << r.status().ToString();
  };
  constexpr int kRounds = 10;
  std::uint64_t appended = 0;
  for (int i = 0; i < kRounds; ++i) {
    const std::string s = "s" + std::to_string(i);
    ASSERT_TRUE(
        (*a)->Append(Request(s, ExpectedVersion::NoStream(), {Event("E", "")}))
            .ok());
    AppendRequest own =
        Request(s, ExpectedVersion::Exact(1), {Event("E", "a2")});
    own.idempotency = IdempotencyInput{"own", "fp", "a's"};
    Result<AppendResult> kept = (*a)->Append(own);
    ASSERT_TRUE(kept.ok());
    appended += 2;
    // A stream not at the expected version (guard: versions).
    expect_code(
        (*a)->Append(Request(s, ExpectedVersion::Exact(7), {Event("E", "")})),
        Code::kConcurrencyConflict);
    // A retry of a's own keyed append (guard: keys).
    Result<AppendResult> again = (*a)->Append(own);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->replayed);
    EXPECT_EQ(again->first_position, kept->first_position);

    // Another process moves s and the log, and uses a key.
    ASSERT_TRUE(
        (*b)->Append(Request(s, ExpectedVersion::Exact(2), {Event("E", "b")}))
            .ok());
    AppendRequest keyed =
        Request(s + "-k", ExpectedVersion::NoStream(), {Event("K", "b")});
    keyed.idempotency = IdempotencyInput{"k", "fp", "b's"};
    Result<AppendResult> first = (*b)->Append(keyed);
    ASSERT_TRUE(first.ok());
    appended += 2;
    // a still remembers version 2 of s and its own head (guard: head).
    expect_code(
        (*a)->Append(Request(s, ExpectedVersion::Exact(2), {Event("E", "")})),
        Code::kConcurrencyConflict);
    Result<AppendResult> replay = (*a)->Append(keyed);
    ASSERT_TRUE(replay.ok()) << replay.status().ToString();
    EXPECT_TRUE(replay->replayed);
    EXPECT_EQ(replay->first_position, first->first_position);
    EXPECT_EQ(replay->outcome, "b's");
    // A new stream on a continues the log past b's appends.
    ASSERT_TRUE((*b)->Append(Request(s + "-m", ExpectedVersion::NoStream(),
                                     {Event("M", "")}))
                    .ok());
    appended += 1;
    Result<AppendResult> next =
        (*a)->Append(Request(s + "-n", ExpectedVersion::NoStream(),
                             {Event("N", ""), Event("N", "")}));
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    EXPECT_EQ(next->first_position, appended + 1);
    appended += 2;
  }
  // Per round: three plans refused by the guard's checks of versions, keys
  // and head, and the last append's plan on a head b moved; one one-trip
  // commit (a's keyed append). A miss on a head another writer moved makes
  // a contended: its next group (the replay of b's key; the next round's
  // first append) goes straight to the locked read, without a doomed trip.
  const StoreStats stats = (*a)->Stats();
  EXPECT_EQ(stats.Gauge(kPostgresGuardMisses), 4.0 * kRounds);
  EXPECT_EQ(stats.Gauge(kPostgresOneTripGroups), 1.0 * kRounds);
  auto head = (*b)->Head();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->position, appended);
  auto report = (*b)->Verify(0, 0);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
}

// The connection dies right after the commit was sent: the append is
// unavailable with its outcome unknown (it did commit), and a retry with the
// same idempotency key, on another connection, answers it exactly.
// `warm`: the store appended once before, so the lost commit is of a group
// planned on its remembered head (one round trip), not under the lock.
void LoseTheCommitsAnswer(bool warm) {
  testing::PostgresServer* server = testing::PostgresServer::Shared();
  ASSERT_NE(server, nullptr);
  const std::string url = server->NewDatabase();
  testing::TcpProxy proxy(server->port());
  std::string via = url;
  via.replace(via.find(":" + std::to_string(server->port())),
              std::to_string(server->port()).size() + 1,
              ":" + std::to_string(proxy.port()));
  auto store = OpenAt(via);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const Position before = warm ? 1 : 0;
  if (warm) {
    ASSERT_TRUE((*store)
                    ->Append(Request("w", ExpectedVersion::NoStream(),
                                     {Event("W", "")}))
                    .ok());
  }
  AppendRequest first = Request("s", ExpectedVersion::NoStream(),
                                {Event("E", "1"), Event("F", "2")});
  first.idempotency = IdempotencyInput{"k-1", "fp", "outcome"};
  AppendRequest retry = first;

  proxy.CutAfter("COMMIT");
  Result<AppendResult> lost = (*store)->Append(std::move(first));
  ASSERT_TRUE(proxy.cut());
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().code(), Code::kUnavailable);
  EXPECT_NE(lost.status().message().find("outcome is unknown"),
            std::string::npos)
      << lost.status().message();
  EXPECT_EQ((*store)->Stats().Gauge(kPostgresOneTripGroups), 0.0);

  // The retry, here through the same store (it reconnects) and through
  // another one: the first outcome, nothing appended again.
  Result<AppendResult> again = (*store)->Append(retry);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->first_position, before + 1);
  EXPECT_EQ(again->last_position, before + 2);
  EXPECT_EQ(again->outcome, "outcome");
  auto other = OpenAt(url);
  ASSERT_TRUE(other.ok());
  Result<AppendResult> elsewhere = (*other)->Append(retry);
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_TRUE(elsewhere->replayed);
  auto head = (*other)->Head();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->position, before + 2);
}

TEST(PostgresLostAnswer, ARetryWithTheKeyAnswersACommitWhoseAnswerWasLost) {
  LoseTheCommitsAnswer(/*warm=*/false);
}

TEST(PostgresLostAnswer, TheSameForAGroupPlannedOnTheRememberedHead) {
  LoseTheCommitsAnswer(/*warm=*/true);
}

}  // namespace
}  // namespace orgledger::eventstore::conformance
