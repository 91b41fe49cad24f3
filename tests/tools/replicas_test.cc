// Two `orgledger serve` replicas over one PostgreSQL store (SPEC §7), as a
// host behind a load balancer runs them: commands sent alternately to each,
// read-your-writes across replicas through min_position, a race for the
// same organization decided once, an idempotent retry answered by the other
// replica with the first outcome; a RocksDB database migrated to the store
// keeps its head and its idempotency keys.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "commands/engine.h"
#include "tests/commands/engine_fixture.h"
#include "tests/testing/postgres_server.h"
#include "tests/tools/serve_fixture.h"
#include "tests/tools/tool_runner.h"

namespace orgledger::testing {
namespace {

std::uint64_t PositionOf(const Reply& r) {
  json::value v = json::parse(r.body);
  return v.at("position").to_number<std::uint64_t>();
}

TEST(Replicas, TwoServersOnOneStoreAnswerAlternately) {
  PostgresServer* pg = PostgresServer::Shared();
  ASSERT_NE(pg, nullptr);
  const std::string url = pg->NewDatabase();
  TestDir dir_a, dir_b;
  Server a(dir_a, {"--store", url});
  Server b(dir_b, {"--store", url});
  Client ca(a.port());
  Client cb(b.port());

  Reply r = ca.Post("/v1/commands", Command("create_organization", "ann",
                                            {{"edition", "team"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  // The same organization created on the other replica: decided on the new
  // state, not on a stale one.
  r = cb.Post("/v1/commands",
              Command("create_organization", "ann", {{"edition", "team"}}));
  EXPECT_EQ(r.code(), "already_exists") << r.body;

  r = cb.Post("/v1/commands", Command("invite_billing_manager", "ann",
                                      {{"email", "bill@example.com"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string invite(json::parse(r.body).at("invite_id").as_string());
  r = ca.Post("/v1/commands",
              Command("accept_invite", "bill", {{"invite_id", invite}}));
  ASSERT_EQ(r.status, 200) << r.body;
  const std::uint64_t accepted = PositionOf(r);

  // Read-your-writes across replicas: B waits until its views include the
  // acceptance A returned.
  r = cb.Post("/v1/views",
              View("billing_managers", "ann", {{"min_position", accepted}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("bill@example.com"), std::string::npos) << r.body;

  // A retry with the key, sent to the other replica, answers the first
  // outcome and appends nothing.
  const std::string team = Command(
      "create_team", "ann",
      {{"team", "core"}, {"name", "Core"}, {"idempotency_key", "k-team-1"}});
  Reply first = ca.Post("/v1/commands", team);
  ASSERT_EQ(first.status, 200) << first.body;
  Reply again = cb.Post("/v1/commands", team);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(PositionOf(again), PositionOf(first));
  EXPECT_NE(again.body.find("\"replayed\":true"), std::string::npos)
      << again.body;
  r = ca.Post("/v1/views",
              View("teams", "ann", {{"min_position", PositionOf(first)}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).at("teams").as_array().size(), 1u) << r.body;

  // The server's durability settings, and never the store's URL.
  Reply metrics = cb.Get("/metrics", kAdminBearer);
  EXPECT_NE(metrics.body.find("orgledger_store_postgres_fsync 1"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("orgledger_store_postgres_synchronous_commit 1"),
            std::string::npos);
  EXPECT_EQ(metrics.body.find("postgresql://"), std::string::npos);
}

TEST(Migrate, ARocksDbLogMovesWithItsHeadAndKeys) {
  PostgresServer* pg = PostgresServer::Shared();
  ASSERT_NE(pg, nullptr);
  const std::string url = pg->NewDatabase();
  TestDir dir;
  const std::string team =
      Command("create_team", "ann",
              {{"team", "core"}, {"name", "Core"}, {"idempotency_key", "k-1"}});
  ToolResult exec = RunOrgledger(
      {"exec", "--data", dir.Sub("db")},
      Command("create_organization", "ann", {{"edition", "team"}}) + "\n" +
          Command("invite_billing_manager", "ann",
                  {{"email", "bill@example.com"}}) +
          "\n" + team + "\n");
  ASSERT_EQ(exec.exit_code, 0) << exec.err;
  ToolResult before = RunOrgledger({"head", "--data", dir.Sub("db")});
  ASSERT_EQ(before.exit_code, 0) << before.err;

  ToolResult moved =
      RunOrgledger({"migrate", "--data", dir.Sub("db"), "--store", url});
  ASSERT_EQ(moved.exit_code, 0) << moved.out << moved.err;
  EXPECT_NE(moved.out.find("3 records and 1 idempotency keys"),
            std::string::npos)
      << moved.out;
  ToolResult after = RunOrgledger({"head", "--store", url});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(after.out, before.out);
  // Twice is refused: the store is no longer empty.
  ToolResult again =
      RunOrgledger({"migrate", "--data", dir.Sub("db"), "--store", url});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already holds a log"), std::string::npos)
      << again.err;

  // The person keys moved too: the sealed fields read as they were written.
  ToolResult replay =
      RunOrgledger({"replay", "--store", url, "--format", "json"});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_NE(replay.out.find("bill@example.com"), std::string::npos)
      << replay.out;
  EXPECT_EQ(replay.out.find("[erased]"), std::string::npos) << replay.out;

  // A replica on the store answers the key's retry with the first outcome.
  TestDir replica;
  Server server(replica, {"--store", url});
  Reply r = Client(server.port()).Post("/v1/commands", team);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"replayed\":true"), std::string::npos) << r.body;
  EXPECT_EQ(PositionOf(r), 3u);
}

// The outbox's checkpoint moves too: replicas on the store do not send
// again the invitations the old database's outbox had delivered, and send
// the new ones.
TEST(Migrate, TheOutboxGoesOnWhereTheOldDatabaseHadDelivered) {
  using namespace std::chrono_literals;
  PostgresServer* pg = PostgresServer::Shared();
  ASSERT_NE(pg, nullptr);
  const std::string url = pg->NewDatabase();
  TestDir dir;
  std::mutex mu;
  std::vector<std::string> sent;
  auto open = [&](bool postgres) {
    commands::EngineOptions o;
    if (postgres) {
      o.postgres.url = url;
      o.outbox_lease_ttl = 300ms;
    } else {
      o.data_dir = dir.Sub("db");
    }
    o.context = std::make_shared<commands::testing::TestContext>();
    o.invite_email_sender = [&](const projections::InviteEmail& e) {
      std::lock_guard<std::mutex> lock(mu);
      sent.push_back(e.email);
      return true;
    };
    auto e = commands::Engine::Open(std::move(o));
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? std::move(*e) : nullptr;
  };
  auto invite = [](commands::Engine& engine, const std::string& email) {
    commands::CommandOutcome o = engine.Execute(
        commands::testing::Request("acme", commands::testing::Admin("acme"),
                                   domain::InviteMember{email, "member"}));
    EXPECT_TRUE(o.ok()) << o.error.ToString();
  };
  auto delivered = [&](std::size_t n) {
    for (int i = 0; i < 200; ++i) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (sent.size() >= n) return true;
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  };
  {
    auto before = open(false);
    ASSERT_NE(before, nullptr);
    ASSERT_TRUE(before
                    ->Execute(commands::testing::Request(
                        "acme", commands::testing::Admin("acme"),
                        domain::CreateOrganization{"enterprise"}))
                    .ok());
    invite(*before, "old@acme.example");
    ASSERT_TRUE(delivered(1));
  }
  ToolResult moved =
      RunOrgledger({"migrate", "--data", dir.Sub("db"), "--store", url});
  ASSERT_EQ(moved.exit_code, 0) << moved.out << moved.err;
  EXPECT_NE(moved.out.find("delivered up to position 2"), std::string::npos)
      << moved.out;

  auto after = open(true);
  ASSERT_NE(after, nullptr);
  invite(*after, "new@acme.example");
  ASSERT_TRUE(delivered(2));
  std::this_thread::sleep_for(300ms);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(sent,
            (std::vector<std::string>{"old@acme.example", "new@acme.example"}));
}

}  // namespace
}  // namespace orgledger::testing
