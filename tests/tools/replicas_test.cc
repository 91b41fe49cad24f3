// Two `orgledger serve` replicas over one PostgreSQL store (SPEC §7), as a
// host behind a load balancer runs them: commands sent alternately to each,
// read-your-writes across replicas through min_position, a race for the
// same organization decided once, an idempotent retry answered by the other
// replica with the first outcome; a RocksDB database migrated to the store
// keeps its head and its idempotency keys.
#include <gtest/gtest.h>

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
  Reply metrics = cb.Get("/metrics");
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

  // A replica on the store answers the key's retry with the first outcome.
  TestDir replica;
  Server server(replica, {"--store", url});
  Reply r = Client(server.port()).Post("/v1/commands", team);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"replayed\":true"), std::string::npos) << r.body;
  EXPECT_EQ(PositionOf(r), 3u);
}

}  // namespace
}  // namespace orgledger::testing
