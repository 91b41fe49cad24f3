// Erasure on the PostgreSQL store (SPEC §10), two replicas on one
// database: one erases, the other, whose projections hold the person in
// its own state directory, folds and purges the erasure when it reaches
// it. Afterwards no live row of any table holds the person's email, name
// or key, and neither replica's files do.
#include <gtest/gtest.h>

#include "tests/privacy/erasure_story.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/test_dir.h"

namespace orgledger::commands::testing {
namespace {

using namespace std::chrono_literals;

Result<std::unique_ptr<Engine>> OpenReplica(
    const std::string& url, const std::string& dir,
    const std::shared_ptr<TestContext>& context) {
  EngineOptions options;
  options.postgres.url = url;
  options.data_dir = dir;
  options.context = context;
  options.threads = 2;
  options.snapshot_every = 1;
  return Engine::Open(std::move(options));
}

std::string Hex(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

// Rows of every table whose bytes hold `text` (in any case) or the key
// with hex `key_hex`.
std::string RowsHolding(orgledger::testing::PostgresServer& server,
                        const std::string& db, const std::string& text,
                        const std::string& key_hex) {
  std::string found;
  const std::vector<std::pair<std::string, std::string>> columns = {
      {"orgledger_log", "record"},      {"orgledger_outcomes", "value"},
      {"orgledger_snapshots", "bytes"}, {"orgledger_keys", "key"},
      {"orgledger_keys", "value"},      {"orgledger_meta", "value"}};
  for (const auto& [table, column] : columns) {
    const std::string n = server.Query(
        "SELECT count(*) FROM " + table + " WHERE lower(encode(" + column +
            ", 'escape')) LIKE '%" + text + "%' OR position(decode('" +
            key_hex + "', 'hex') in " + column + ") > 0",
        db);
    if (n != "0") found += table + "." + column + ": " + n + " rows; ";
  }
  return found;
}

TEST(ErasurePostgres, NoLiveRowAndNoReplicaFileHoldsTheErasedPerson) {
  auto* server = orgledger::testing::PostgresServer::Shared();
  ASSERT_NE(server, nullptr);
  const std::string url = server->NewDatabase();
  const std::string db = url.substr(url.rfind('/') + 1);
  orgledger::testing::TestDir dir;
  auto context = std::make_shared<TestContext>();
  Result<std::unique_ptr<Engine>> a = OpenReplica(url, dir.Sub("a"), context);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  Result<std::unique_ptr<Engine>> b = OpenReplica(url, dir.Sub("b"), context);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ErasureStory story(a->get(), context.get());
  story.WriteZeldaEverywhere();
  const std::vector<std::string> keys = story.ZeldaKeys();
  ASSERT_EQ(keys.size(), 1u);
  ASSERT_TRUE(
      (*b)->projections().WaitFor((*a)->store().CommittedPosition(), 30s));
  ASSERT_FALSE(RowsHolding(*server, db, "quixote", Hex(keys[0])).empty())
      << "the search finds her key before the erasure";
  ASSERT_FALSE(FilesHolding(dir.Sub("b"), {"quixote"}, {}).empty())
      << "replica b's views hold her before the erasure";

  EraseRequest erase;
  erase.email = kEmail;
  erase.by = "ops-alice";
  Result<EraseReport> report = (*a)->Erase(erase);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->keys, 1u);
  ASSERT_TRUE((*b)->projections().WaitFor(report->position, 30s));

  EXPECT_EQ(RowsHolding(*server, db, "zelda", Hex(keys[0])), "");
  EXPECT_EQ(RowsHolding(*server, db, "quixote", Hex(keys[0])), "");
  for (const char* replica : {"a", "b"}) {
    for (const std::string& f :
         FilesHolding(dir.Sub(replica), {"zelda", "quixote"}, keys)) {
      ADD_FAILURE() << "replica " << replica << ": " << f;
    }
  }
  ErasureStory on_b(b->get(), context.get());
  EXPECT_NE(on_b.View("members", "acme").find("[erased]"), std::string::npos);
  EXPECT_EQ(Lower(on_b.View("members", "acme")).find("zelda"),
            std::string::npos);
  Result<eventstore::VerifyReport> verified = (*b)->store().Verify(1, 0);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->problem;
}

}  // namespace
}  // namespace orgledger::commands::testing
