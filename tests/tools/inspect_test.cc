// The auditor's and operator's subcommands on databases written by the
// test: head and verify (also a tampered log: exit 1 naming the position;
// a cut-off tail against an anchor; damaged projection rows), replay
// (filters, JSON, no token, while a writer runs), rebuild, backup and
// erase.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <sstream>

#include "tests/testing/files.h"
#include "tests/testing/raw_db.h"
#include "tests/testing/test_dir.h"
#include "tests/tools/tool_runner.h"

namespace orgledger::testing {
namespace {

namespace json = boost::json;

std::string Line(const std::string& op, const std::string& org,
                 const std::string& user, json::object fields = {}) {
  fields["op"] = op;
  fields["org"] = org;
  fields["actor"] = json::object{
      {"id", user}, {"email", user + "@example.com"}, {"name", user}};
  return json::serialize(fields) + "\n";
}

// Two organizations, a link (whose token must never be printed again).
std::string Populate(const std::string& db) {
  std::string in =
      Line("create_organization", "acme", "ann", {{"edition", "enterprise"}}) +
      Line("create_organization", "beta", "bea", {{"edition", "team"}}) +
      Line("invite_billing_manager", "acme", "ann",
           {{"email", "bill@example.com"}}) +
      Line("create_team", "beta", "bea", {{"team", "core"}, {"name", "Core"}}) +
      Line("create_billing_manager_invite_link", "acme", "ann");
  ToolResult r = RunOrgledger({"exec", "--data", db}, in);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::size_t at = r.out.find("\"token\":\"");
  EXPECT_NE(at, std::string::npos) << r.out;
  return r.out.substr(at + 9, r.out.find('"', at + 9) - at - 9);
}

TEST(Inspect, HeadVerifyAndAnchor) {
  TestDir dir;
  const std::string db = dir.Sub("db");
  Populate(db);
  ToolResult head = RunOrgledger({"head", "--data", db});
  ASSERT_EQ(head.exit_code, 0) << head.err;
  json::value h = json::parse(head.out);
  EXPECT_EQ(h.at("position"), 5);
  const std::string anchor = "5:" + std::string(h.at("hash").as_string());

  ToolResult verify = RunOrgledger(
      {"verify", "--data", db, "--projections", "--anchor", anchor});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("log ok, 5 records"), std::string::npos);
  EXPECT_NE(verify.out.find("projection organizations ok"), std::string::npos);

  // A forged anchor hash, and an anchor past the end (a cut-off tail).
  std::string forged = anchor;
  forged.back() = forged.back() == '0' ? '1' : '0';
  EXPECT_EQ(
      RunOrgledger({"verify", "--data", db, "--anchor", forged}).exit_code, 1);
  ToolResult cut = RunOrgledger(
      {"verify", "--data", db, "--anchor", "9:" + std::string(64, 'a')});
  EXPECT_EQ(cut.exit_code, 1);
  EXPECT_NE(cut.out.find("position 9"), std::string::npos) << cut.out;
  EXPECT_EQ(
      RunOrgledger({"verify", "--data", db, "--anchor", "junk"}).exit_code, 2);
  EXPECT_EQ(RunOrgledger({"verify", "--data", dir.Sub("none")}).exit_code, 2);
}

TEST(Inspect, VerifyNamesTheTamperedPosition) {
  TestDir dir;
  const std::string db = dir.Sub("db");
  Populate(db);
  {
    RawDb raw(db);
    std::string record = raw.Get(3);
    record[record.size() - 2] ^= 0x01;
    raw.Put(3, record);
  }
  ToolResult r = RunOrgledger({"verify", "--data", db});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("FAILED at position 3"), std::string::npos) << r.out;
  ToolResult replay = RunOrgledger({"replay", "--data", db, "--verify"});
  EXPECT_EQ(replay.exit_code, 1);
  EXPECT_NE(replay.err.find("position 3"), std::string::npos) << replay.err;
}

// A flipped byte in the projections' state files is damage like any other:
// exit 1 and one line naming the file, not a usage error with RocksDB's
// raw text.
TEST(Inspect, VerifyFailsOnDamagedProjectionState) {
  TestDir dir;
  const std::string db = dir.Sub("db");
  Populate(db);
  std::vector<std::string> files;
  {
    RawDb raw(db);
    raw.Flush();
    files = raw.SstFiles("state");
  }
  ASSERT_FALSE(files.empty());
  for (const std::string& f : files) {
    std::string bytes = ReadText(f);
    ASSERT_GT(bytes.size(), 20u);
    bytes[12] ^= 0x40;  // inside the first data block
    WriteText(f, bytes);
  }
  ToolResult r = RunOrgledger({"verify", "--data", db, "--projections"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const std::string all = r.out + r.err;
  EXPECT_NE(all.find("verify: FAILED"), std::string::npos) << all;
  EXPECT_NE(all.find(".sst"), std::string::npos) << "names the file: " << all;
}

TEST(Inspect, ReplayFiltersFormatsAndNeverPrintsTheToken) {
  TestDir dir;
  const std::string db = dir.Sub("db");
  const std::string token = Populate(db);
  ASSERT_FALSE(token.empty());

  ToolResult all = RunOrgledger({"replay", "--data", db});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(std::count(all.out.begin(), all.out.end(), '\n'), 5);
  EXPECT_EQ(all.out.find(token), std::string::npos);

  ToolResult beta = RunOrgledger({"replay", "--data", db, "--org", "beta"});
  EXPECT_EQ(std::count(beta.out.begin(), beta.out.end(), '\n'), 2);
  EXPECT_EQ(beta.out.find("acme"), std::string::npos);

  ToolResult sent =
      RunOrgledger({"replay", "--data", db, "--type", "InviteSent", "--format",
                    "json", "--actor", "ann"});
  ASSERT_EQ(sent.exit_code, 0);
  std::istringstream lines(sent.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    json::value e = json::parse(line);
    EXPECT_EQ(e.at("type"), "InviteSent");
    EXPECT_EQ(e.at("actor").at("id"), "ann");
    EXPECT_FALSE(e.at("data").as_object().contains("token_hash"));
    ++n;
  }
  EXPECT_EQ(n, 2);
  EXPECT_EQ(sent.out.find(token), std::string::npos);

  ToolResult range =
      RunOrgledger({"replay", "--data", db, "--from", "2", "--to", "3"});
  EXPECT_EQ(range.out.rfind("2 ", 0), 0u) << range.out;
  EXPECT_EQ(std::count(range.out.begin(), range.out.end(), '\n'), 2);
  ToolResult future =
      RunOrgledger({"replay", "--data", db, "--since", "2100-01-01T00:00:00Z"});
  EXPECT_TRUE(future.out.empty());
  EXPECT_EQ(
      RunOrgledger({"replay", "--data", db, "--since", "yesterday"}).exit_code,
      2);
}

TEST(Inspect, RebuildAndBackup) {
  TestDir dir;
  const std::string db = dir.Sub("db");
  Populate(db);
  ToolResult rebuild = RunOrgledger({"rebuild", "--data", db});
  EXPECT_EQ(rebuild.exit_code, 0) << rebuild.err;
  EXPECT_NE(rebuild.out.find("organizations rebuilt through position 5"),
            std::string::npos)
      << rebuild.out;
  EXPECT_NE(rebuild.err.find("events/s"), std::string::npos) << rebuild.err;
  EXPECT_EQ(
      RunOrgledger({"rebuild", "--data", db, "--projection", "nope"}).exit_code,
      2);

  ToolResult backup =
      RunOrgledger({"backup", "--data", db, "--to", dir.Sub("copy")});
  EXPECT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_NE(backup.out.find("5 records, verified"), std::string::npos);
  ToolResult verify =
      RunOrgledger({"verify", "--data", dir.Sub("copy"), "--projections"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
  EXPECT_EQ(
      RunOrgledger({"backup", "--data", db, "--to", dir.Sub("copy")}).exit_code,
      2);  // exists

  // A database in use: point to the server's admin endpoint.
  ExecSession holder(db);
  holder.Send(
      Line("create_team", "beta", "bea", {{"team", "x"}, {"name", "X"}}));
  ToolResult busy =
      RunOrgledger({"backup", "--data", db, "--to", dir.Sub("c2")});
  EXPECT_EQ(busy.exit_code, 2);
  EXPECT_NE(busy.err.find("/v1/admin/backup"), std::string::npos) << busy.err;
  ToolResult busy_rebuild = RunOrgledger({"rebuild", "--data", db});
  EXPECT_NE(busy_rebuild.err.find("/v1/admin/rebuild"), std::string::npos);
  EXPECT_EQ(holder.Close(), 0);
}

// `erase` as a process: one JSON line, the person erased in replay, a
// second erase not_found (exit 2), usage errors naming the choices, and a
// database in use pointing to the server's endpoint.
TEST(Inspect, EraseForgetsAPersonAndSaysSo) {
  TestDir dir;
  const std::string db = dir.Sub("db");
  Populate(db);
  ToolResult erase = RunOrgledger(
      {"erase", "--data", db, "--email", "BILL@example.com", "--by", "ops"});
  ASSERT_EQ(erase.exit_code, 0) << erase.err;
  json::value report = json::parse(erase.out);
  EXPECT_EQ(report.at("ok"), true);
  EXPECT_EQ(report.at("keys"), 1);
  EXPECT_EQ(report.at("organizations"), 1);
  EXPECT_TRUE(report.at("plaintext_positions").as_array().empty());
  ToolResult replay =
      RunOrgledger({"replay", "--data", db, "--format", "json"});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_EQ(replay.out.find("bill@example.com"), std::string::npos)
      << replay.out;
  EXPECT_NE(replay.out.find("PersonErased"), std::string::npos) << replay.out;
  EXPECT_NE(replay.out.find("ann@example.com"), std::string::npos)
      << "only that person is erased";
  EXPECT_EQ(RunOrgledger({"verify", "--data", db, "--projections"}).exit_code,
            0);
  ToolResult again = RunOrgledger(
      {"erase", "--data", db, "--email", "bill@example.com", "--by", "ops"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("no person with email"), std::string::npos)
      << again.err;
  ToolResult neither = RunOrgledger({"erase", "--data", db, "--by", "ops"});
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_NE(neither.err.find("--user-id"), std::string::npos) << neither.err;
  EXPECT_NE(neither.err.find("--email"), std::string::npos) << neither.err;
  EXPECT_EQ(RunOrgledger({"erase", "--data", db, "--user-id", "ann"}).exit_code,
            2);  // no --by

  ExecSession holder(db);
  holder.Send(
      Line("create_team", "beta", "bea", {{"team", "x"}, {"name", "X"}}));
  ToolResult busy =
      RunOrgledger({"erase", "--data", db, "--user-id", "ann", "--by", "ops"});
  EXPECT_EQ(busy.exit_code, 2);
  EXPECT_NE(busy.err.find("/v1/admin/erase"), std::string::npos) << busy.err;
  EXPECT_EQ(holder.Close(), 0);
}

TEST(Inspect, ReadersNeverCreateADatabase) {
  TestDir dir;
  const std::string none = dir.Sub("none");
  for (std::vector<std::string> args : {std::vector<std::string>{"head"},
                                        {"verify"},
                                        {"replay"},
                                        {"rebuild"},
                                        {"backup", "--to", dir.Sub("copy")}}) {
    args.insert(args.begin() + 1, {"--data", none});
    ToolResult r = RunOrgledger(args);
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_NE(r.err.find("no database at " + none), std::string::npos)
        << args[0] << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(none)) << args[0];
    EXPECT_FALSE(std::filesystem::exists(dir.Sub("copy"))) << args[0];
  }
  // A writer says when it makes one, and only then.
  ToolResult first = RunOrgledger({"exec", "--data", none}, "");
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("created a new database at " + none),
            std::string::npos)
      << first.err;
  EXPECT_EQ(RunOrgledger({"exec", "--data", none}, "").err, "");
}

TEST(Inspect, UsageErrorsNameTheValidChoices) {
  ToolResult unknown = RunOrgledger({"replya", "--data", "x"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find(
                "unknown subcommand \"replya\" (the "
                "subcommands: exec, serve, head, keygen, verify, replay"),
            std::string::npos)
      << unknown.err;
  TestDir dir;
  const std::string db = dir.Sub("db");
  Populate(db);
  ToolResult type = RunOrgledger({"replay", "--data", db, "--type", "Invite"});
  EXPECT_EQ(type.exit_code, 2);
  EXPECT_NE(type.err.find("OrganizationCreated,InviteSent,"), std::string::npos)
      << type.err;
}

}  // namespace
}  // namespace orgledger::testing
