// The engine on a PostgreSQL store shared by several engines (SPEC §7): one
// edition catalog for all, a server stopped under load (unavailable while
// it is down, nothing acknowledged that was not committed, reconnection by
// itself), a lost commit answered by a retry with the idempotency key.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "commands/engine.h"
#include "domain/codec/codec.h"
#include "tests/commands/engine_fixture.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/tcp_proxy.h"
#include "tests/testing/test_dir.h"

namespace orgledger::commands::testing {
namespace {

using namespace std::chrono_literals;

Result<std::unique_ptr<Engine>> OpenOn(
    const std::string& url,
    domain::EditionCatalog editions = domain::EditionCatalog::Default()) {
  EngineOptions options;
  options.postgres.url = url;
  options.postgres.timeout = 2s;
  options.editions = std::move(editions);
  options.context = std::make_shared<TestContext>(options.editions);
  options.threads = 2;
  return Engine::Open(std::move(options));
}

// What one engine's outbox sent: invitation ids.
struct Mailbox {
  std::mutex mu;
  std::vector<std::string> sent;
  std::size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return sent.size();
  }
};

Result<std::unique_ptr<Engine>> OpenMailing(const std::string& url,
                                            Mailbox* box) {
  EngineOptions options;
  options.postgres.url = url;
  options.editions = domain::EditionCatalog::Default();
  options.context = std::make_shared<TestContext>(options.editions);
  options.threads = 2;
  options.outbox_lease_ttl = 600ms;
  options.invite_email_sender = [box](const projections::InviteEmail& e) {
    std::lock_guard<std::mutex> lock(box->mu);
    box->sent.push_back(e.invite_id);
    return true;
  };
  return Engine::Open(std::move(options));
}

// How many times each "org/team" is created in the whole log (a read or
// decode failure fails the test).
std::map<std::string, int> TeamsInLog(eventstore::EventStore& store) {
  std::map<std::string, int> in_log;
  for (eventstore::Position p = 1;;) {
    auto batch = store.ReadAll(p, 1000);
    EXPECT_TRUE(batch.ok()) << batch.status().ToString();
    if (!batch.ok() || batch->empty()) break;
    for (const auto& e : *batch) {
      if (e.type != "TeamCreated") continue;
      auto event = codec::DecodeEvent(e.type, e.payload);
      EXPECT_TRUE(event.ok());
      if (!event.ok()) continue;
      in_log[e.stream + "/" + std::get<domain::TeamCreated>(*event).team] += 1;
    }
    p = batch->back().position + 1;
  }
  return in_log;
}

bool WaitUntil(const std::function<bool()>& done) {
  for (int i = 0; i < 200 && !done(); ++i) std::this_thread::sleep_for(25ms);
  return done();
}

// SPEC §7: one replica's outbox delivers at a time; when it stops, another
// takes the lease over and delivers what it had not, so every invitation
// is emailed at least once overall, and none twice while the holder lives.
TEST(EnginePostgres, OneOutboxDeliversAndAnotherTakesOver) {
  auto* server = orgledger::testing::PostgresServer::Shared();
  ASSERT_NE(server, nullptr);
  const std::string url = server->NewDatabase();
  Mailbox first_box, second_box;
  auto first = OpenMailing(url, &first_box);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = OpenMailing(url, &second_box);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_TRUE((*first)
                  ->Execute(Request("acme", Admin("acme"),
                                    domain::CreateOrganization{"enterprise"}))
                  .ok());
  std::set<std::string> invited;
  auto invite = [&](Engine& engine, int i) {
    CommandOutcome o = engine.Execute(
        Request("acme", Admin("acme"),
                domain::InviteMember{"p" + std::to_string(i) + "@acme.example",
                                     "member"}));
    ASSERT_TRUE(o.ok()) << o.error.ToString();
    invited.insert(o.invite_id.value_or(""));
  };
  // Commands through both engines; only the first (the lease's holder)
  // sends, for a few renewals of the lease.
  for (int i = 0; i < 10; ++i) invite(i % 2 == 0 ? **first : **second, i);
  ASSERT_TRUE(WaitUntil([&] { return first_box.size() >= 10; }));
  std::this_thread::sleep_for(700ms);
  EXPECT_EQ(first_box.size(), 10u);
  EXPECT_EQ(second_box.size(), 0u) << "two outboxes delivered at once";

  // The holder goes away; the second takes over within the lease's time
  // and delivers what is sent after.
  first->reset();
  for (int i = 10; i < 15; ++i) invite(**second, i);
  ASSERT_TRUE(WaitUntil([&] { return second_box.size() >= 5; }));
  std::set<std::string> delivered(first_box.sent.begin(), first_box.sent.end());
  {
    std::lock_guard<std::mutex> lock(second_box.mu);
    delivered.insert(second_box.sent.begin(), second_box.sent.end());
  }
  EXPECT_EQ(delivered, invited);
}

TEST(EnginePostgres, EveryEngineOnAStoreHasTheSameCatalog) {
  auto* server = orgledger::testing::PostgresServer::Shared();
  ASSERT_NE(server, nullptr);
  const std::string url = server->NewDatabase();
  auto first = OpenOn(url);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto same = OpenOn(url);
  EXPECT_TRUE(same.ok()) << same.status().ToString();
  auto editions = domain::EditionCatalog::Default().editions();
  editions["team"].billing_managers = 3;
  auto other = OpenOn(url, domain::EditionCatalog(editions));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), Code::kInvalidArgument);
  EXPECT_NE(other.status().message().find("team=3/10"), std::string::npos)
      << other.status().message();
}

// The server stops at once (SIGQUIT, as `pg_ctl -m immediate`) while 8
// writers run: commands answer unavailable while it is down, every
// acknowledged one is in the log once, and the engine goes on by itself
// once the server is back.
TEST(EnginePostgres, ServerStoppedUnderLoadLosesNothingAcknowledged) {
  auto* server = orgledger::testing::PostgresServer::Shared();
  ASSERT_NE(server, nullptr);
  const std::string url = server->NewDatabase();
  auto engine = OpenOn(url);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  for (int w = 0; w < 8; ++w) {
    const std::string org = "org-" + std::to_string(w);
    ASSERT_TRUE((*engine)
                    ->Execute(Request(org, Admin(org),
                                      domain::CreateOrganization{"enterprise"}))
                    .ok());
  }
  std::atomic<bool> stop{false};
  std::atomic<int> unavailable{0};
  std::mutex mu;
  std::set<std::string> acknowledged;  // team ids
  std::vector<std::thread> writers;
  for (int w = 0; w < 8; ++w) {
    writers.emplace_back([&, w] {
      const std::string org = "org-" + std::to_string(w);
      for (int i = 0; !stop.load(); ++i) {
        const std::string team =
            "t" + std::to_string(w) + "-" + std::to_string(i);
        CommandOutcome o = (*engine)->Execute(
            Request(org, Admin(org), domain::CreateTeam{team, "T"}));
        if (o.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.insert(org + "/" + team);
        } else if (o.error.code() == Code::kUnavailable) {
          ++unavailable;
          std::this_thread::sleep_for(20ms);
        } else {
          ADD_FAILURE() << o.error.ToString();
        }
      }
    });
  }
  std::this_thread::sleep_for(500ms);
  server->StopImmediately();
  std::this_thread::sleep_for(1s);
  server->Start();
  // Until commands succeed again on their own.
  const std::size_t before = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return acknowledged.size();
  }();
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(50ms);
    std::lock_guard<std::mutex> lock(mu);
    if (acknowledged.size() > before + 50) break;
  }
  stop.store(true);
  for (auto& t : writers) t.join();
  EXPECT_GT(unavailable.load(), 0) << "the server's stop was not noticed";
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_GT(acknowledged.size(), before + 50) << "no recovery";
  }

  // Every acknowledged team is in the log, exactly once; the chain holds.
  eventstore::EventStore& store = (*engine)->store();
  std::map<std::string, int> in_log = TeamsInLog(store);
  ASSERT_FALSE(::testing::Test::HasFailure()) << "the log could not be read";
  for (const std::string& team : acknowledged) {
    EXPECT_EQ(in_log[team], 1) << team;
  }
  for (const auto& [team, n] : in_log) EXPECT_EQ(n, 1) << team;
  auto report = store.Verify(0, 0);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok) << report->problem;
}

// SPEC §7 "Faults": a partition between a replica and the database (a
// proxy that holds every byte). The replica's commands end unavailable
// within its timeout rather than waiting on a silent socket; when the link
// comes back it reconnects by itself, and the commands it had sent, which
// the server may run late (their bytes were held, not lost), are applied at
// most once: a retry with the key answers them, nothing is in the log twice.
TEST(EnginePostgres, APartitionTimesOutAndHealsWithoutDoubling) {
  auto* server = orgledger::testing::PostgresServer::Shared();
  ASSERT_NE(server, nullptr);
  const std::string url = server->NewDatabase();
  orgledger::testing::TcpProxy proxy(server->port());
  std::string via = url;
  const std::string port = ":" + std::to_string(server->port());
  via.replace(via.find(port), port.size(), ":" + std::to_string(proxy.port()));
  // libpq waits at least 2 s for a connection whatever its
  // connect_timeout, so 2 s is the least timeout that bounds every step.
  constexpr auto kTimeout = 2s;
  constexpr auto kPartition = 5s;
  EngineOptions options;
  options.postgres.url = via;
  options.postgres.timeout = kTimeout;
  options.editions = domain::EditionCatalog::Default();
  options.context = std::make_shared<TestContext>(options.editions);
  options.threads = 2;
  auto engine = Engine::Open(std::move(options));
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  constexpr int kWriters = 4;
  for (int w = 0; w < kWriters; ++w) {
    const std::string org = "org-" + std::to_string(w);
    ASSERT_TRUE((*engine)
                    ->Execute(Request(org, Admin(org),
                                      domain::CreateOrganization{"enterprise"}))
                    .ok());
  }
  auto command = [](const std::string& org, const std::string& team) {
    return WithKey(Request(org, Admin(org), domain::CreateTeam{team, "T"}),
                   team);
  };
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::set<std::string> acknowledged;             // org/team
  std::map<std::string, std::string> unanswered;  // team -> org
  std::chrono::milliseconds slowest_unavailable{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      const std::string org = "org-" + std::to_string(w);
      for (int i = 0; !stop.load(); ++i) {
        const std::string team =
            "t" + std::to_string(w) + "-" + std::to_string(i);
        const auto start = std::chrono::steady_clock::now();
        CommandOutcome o = (*engine)->Execute(command(org, team));
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - start);
        std::lock_guard<std::mutex> lock(mu);
        if (o.ok()) {
          acknowledged.insert(org + "/" + team);
        } else if (o.error.code() == Code::kUnavailable) {
          unanswered[team] = org;
          slowest_unavailable = std::max(slowest_unavailable, took);
        } else {
          ADD_FAILURE() << o.error.ToString();
        }
      }
    });
  }
  auto acked = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return acknowledged.size();
  };
  std::this_thread::sleep_for(300ms);
  proxy.Partition(true);
  std::this_thread::sleep_for(kPartition - 500ms);
  const std::size_t during = acked();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(acked(), during) << "acknowledged through a partition";
  proxy.Partition(false);
  const std::size_t healed = acked();
  for (int i = 0; i < 200 && acked() < healed + 50; ++i) {
    std::this_thread::sleep_for(50ms);
  }
  stop.store(true);
  for (auto& t : writers) t.join();
  EXPECT_GT(acked(), healed + 50) << "no recovery after the partition";
  ASSERT_FALSE(unanswered.empty()) << "the partition was not noticed";
  // Within the timeout (what a command queued behind a failed group waited
  // is answered with that group); the margin is for a loaded machine.
  EXPECT_LE(slowest_unavailable, kTimeout + 1s);
  std::printf(
      "[partition] %zu acknowledged, %zu unavailable during %d ms of "
      "partition, slowest unavailable answer %lld ms (timeout %lld ms)\n",
      acknowledged.size(), unanswered.size(),
      static_cast<int>(std::chrono::milliseconds(kPartition).count()),
      static_cast<long long>(slowest_unavailable.count()),
      static_cast<long long>(std::chrono::milliseconds(kTimeout).count()));

  // Every command without an answer, again with its key: applied once.
  for (const auto& [team, org] : unanswered) {
    CommandOutcome o = (*engine)->Execute(command(org, team));
    ASSERT_TRUE(o.ok()) << team << ": " << o.error.ToString();
    acknowledged.insert(org + "/" + team);
  }
  eventstore::EventStore& store = (*engine)->store();
  std::map<std::string, int> in_log = TeamsInLog(store);
  ASSERT_FALSE(::testing::Test::HasFailure()) << "the log could not be read";
  for (const std::string& team : acknowledged) {
    EXPECT_EQ(in_log[team], 1) << team;
  }
  for (const auto& [team, n] : in_log) EXPECT_EQ(n, 1) << team;
  EXPECT_EQ(in_log.size(), acknowledged.size());
  auto report = store.Verify(0, 0);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok) << report->problem;
}

}  // namespace
}  // namespace orgledger::commands::testing
