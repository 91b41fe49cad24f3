// `orgledger exec` end to end, on real processes: the seed's scenarios as
// JSON Lines (invite by email and by link, accept, the recorded error,
// views by role, remove), every error code a request can reach through the
// wire, malformed lines (one response each, no crash), and a second process
// on the same database.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "tests/testing/test_dir.h"
#include "tests/tools/tool_runner.h"

namespace orgledger::testing {
namespace {

namespace json = boost::json;

json::object Person(const std::string& id, const std::string& email,
                    const std::string& name) {
  return {{"id", id}, {"email", email}, {"name", name}};
}
const json::object kAlice = Person("u-alice", "alice@example.com", "Alice");
const json::object kBob = Person("u-bob", "bob@example.com", "Bob");
const json::object kBill = Person("u-bill", "Bill@Example.com", "Bill");
const json::object kMallory = Person("u-mal", "mallory@example.com", "Mallory");

std::string Command(const std::string& op, const json::object& actor,
                    json::object fields = {}, const std::string& org = "acme") {
  fields["op"] = op;
  fields["org"] = org;
  fields["actor"] = actor;
  return json::serialize(fields);
}

std::string View(const std::string& view, const json::object& viewer,
                 json::object fields = {}, const std::string& org = "acme") {
  fields["view"] = view;
  fields["org"] = org;
  fields["viewer"] = viewer;
  return json::serialize(fields);
}

std::string Code(const json::object& r) {
  if (r.contains("ok") && r.at("ok").as_bool()) return "ok";
  if (!r.contains("error")) return "<no response>";
  return std::string(r.at("error").at("code").as_string());
}

TEST(Exec, SeedScenarios) {
  TestDir dir;
  ExecSession exec(dir.Sub("db"));
  ASSERT_EQ(Code(exec.Send(
                Command("create_organization", kAlice, {{"edition", "team"}}))),
            "ok");
  ASSERT_EQ(Code(exec.Send(
                Command("invite_member", kAlice,
                        {{"email", "bob@example.com"}, {"role", "member"}}))),
            "ok");
  // Bob accepts his email invitation.
  json::object invites = exec.Send(View("invites", kAlice));
  ASSERT_EQ(Code(invites), "ok");
  const std::string bob_invite(
      invites.at("invites").as_array()[0].at("invite_id").as_string());
  ASSERT_EQ(Code(exec.Send(
                Command("accept_invite", kBob, {{"invite_id", bob_invite}}))),
            "ok");

  // A billing manager by email: a stranger's try is recorded, then Bill
  // accepts (emails compared without case).
  json::object invited = exec.Send(Command("invite_billing_manager", kAlice,
                                           {{"email", "bill@example.com"}}));
  ASSERT_EQ(Code(invited), "ok");
  const std::string bill_invite(invited.at("invite_id").as_string());
  json::object failed = exec.Send(
      Command("accept_invite", kMallory, {{"invite_id", bill_invite}}));
  EXPECT_EQ(Code(failed), "email_mismatch");
  EXPECT_TRUE(failed.contains("position"));
  json::object managers = exec.Send(View("billing_managers", kAlice));
  const json::object& pending =
      managers.at("pending").as_array()[0].as_object();
  EXPECT_EQ(pending.at("last_error").at("code"), "email_mismatch");
  EXPECT_EQ(pending.at("last_error").at("actor_email"), "mallory@example.com");
  ASSERT_EQ(Code(exec.Send(
                Command("accept_invite", kBill, {{"invite_id", bill_invite}}))),
            "ok");

  // The seed's count: 1 admin + 1 member (+ 1 billing manager) -> 2.
  json::object count = exec.Send(View("member_count", kBill));
  EXPECT_EQ(count.at("member_count"), 2);
  EXPECT_EQ(json::serialize(exec.Send(View("billing_managers", kBill))),
            R"({"ok":true,"billing_managers":[{"name":"Bill"}]})");
  EXPECT_EQ(Code(exec.Send(View("billing", kBob))), "forbidden");
  EXPECT_EQ(Code(exec.Send(View("members", kBill))), "forbidden");

  // By link: the token comes once; Team's single slot is taken by Bill.
  EXPECT_EQ(
      Code(exec.Send(Command("create_billing_manager_invite_link", kAlice))),
      "limit_reached");
  ASSERT_EQ(Code(exec.Send(Command("change_subscription", kBill,
                                   {{"edition", "enterprise"}}))),
            "ok");
  json::object link = exec.Send(Command("create_billing_manager_invite_link",
                                        kAlice, {{"idempotency_key", "l1"}}));
  ASSERT_EQ(Code(link), "ok");
  const std::string token(link.at("token").as_string());
  json::object again = exec.Send(Command("create_billing_manager_invite_link",
                                         kAlice, {{"idempotency_key", "l1"}}));
  EXPECT_EQ(again.at("replayed"), true);
  EXPECT_FALSE(again.contains("token"));
  ASSERT_EQ(
      Code(exec.Send(Command("accept_invite", kMallory, {{"token", token}}))),
      "ok");
  EXPECT_EQ(Code(exec.Send(Command("accept_invite", kBob, {{"token", token}}))),
            "invite_already_used");

  // Remove: Mallory leaves, Bill is removed by Alice.
  EXPECT_EQ(Code(exec.Send(Command("remove_billing_manager", kMallory,
                                   {{"user_id", "u-mal"}}))),
            "ok");
  EXPECT_EQ(Code(exec.Send(Command("remove_billing_manager", kAlice,
                                   {{"user_id", "u-bill"}}))),
            "ok");
  EXPECT_EQ(json::serialize(exec.Send(View("billing_managers", kAlice))),
            R"({"ok":true,"billing_managers":[],"pending":[],"version":11})");
  EXPECT_EQ(exec.Close(), 0);
}

// Every error code a request can reach through `exec`.
TEST(Exec, EveryErrorCodeThroughTheWire) {
  TestDir dir;
  ExecSession exec(dir.Sub("db"));
  std::set<std::string> seen;
  auto expect = [&](const std::string& line, const std::string& code) {
    json::object r = exec.Send(line);
    EXPECT_EQ(Code(r), code) << line << " -> " << json::serialize(r);
    seen.insert(Code(r));
    return r;
  };
  expect("{", "invalid_request");
  expect(Command("create_organization", kAlice, {{"edition", "gold"}}),
         "invalid_argument");
  expect(Command("create_team", kAlice, {{"team", "t"}, {"name", "T"}}),
         "not_found");
  expect(Command("create_organization", kAlice, {{"edition", "individual"}}),
         "ok");
  expect(Command("create_organization", kAlice, {{"edition", "team"}}),
         "already_exists");
  expect(Command("create_team", kBob, {{"team", "t"}, {"name", "T"}}),
         "forbidden");
  expect(
      Command("invite_billing_manager", kAlice, {{"email", "b@example.com"}}),
      "not_available_on_edition");
  expect(Command("invite_member", kAlice,
                 {{"email", "bob@example.com"}, {"role", "member"}}),
         "limit_reached");
  expect(Command("change_subscription", kAlice, {{"edition", "team"}}), "ok");
  json::object inv =
      expect(Command("invite_member", kAlice,
                     {{"email", "bob@example.com"}, {"role", "member"}}),
             "ok");
  expect(Command("invite_member", kAlice,
                 {{"email", "BOB@example.com"}, {"role", "admin"}}),
         "invite_pending");
  expect(
      Command("accept_invite", kMallory, {{"invite_id", inv.at("invite_id")}}),
      "email_mismatch");
  expect(Command("accept_invite", kBob, {{"invite_id", inv.at("invite_id")}}),
         "ok");
  expect(Command("accept_invite", kBob, {{"invite_id", inv.at("invite_id")}}),
         "invite_already_used");
  expect(Command("invite_member", kAlice,
                 {{"email", "bob@example.com"}, {"role", "member"}}),
         "already_in_organization");
  json::object bm = expect(
      Command("invite_billing_manager", kAlice, {{"email", "x@example.com"}}),
      "ok");
  expect(Command("revoke_invite", kAlice, {{"invite_id", bm.at("invite_id")}}),
         "ok");
  expect(Command("accept_invite", kBill, {{"invite_id", bm.at("invite_id")}}),
         "invite_revoked");
  expect(Command("accept_invite", kBill, {{"invite_id", "inv-nothing"}}),
         "invite_not_found");
  expect(Command("remove_member", kAlice, {{"user_id", "u-alice"}}),
         "last_admin");
  // Team allows 10 members: 1 admin + 1 member, 9 pending would exceed.
  expect(
      Command("invite_billing_manager", kAlice, {{"email", "y@example.com"}}),
      "ok");
  json::object exceeded = expect(
      Command("change_subscription", kAlice, {{"edition", "individual"}}),
      "limit_exceeded");
  EXPECT_EQ(exceeded.at("error").at("violations").as_array().size(), 2u);
  expect(Command("create_team", kAlice,
                 {{"team", "t"}, {"name", "T"}, {"expected_version", 1}}),
         "concurrency_conflict");
  expect(Command("create_team", kAlice,
                 {{"team", "t"}, {"name", "T"}, {"idempotency_key", "k"}}),
         "ok");
  expect(Command("create_team", kAlice,
                 {{"team", "u"}, {"name", "U"}, {"idempotency_key", "k"}}),
         "idempotency_conflict");
  // A correlation id has the key's syntax and holds no card number.
  for (const char* bad : {"", "4111 1111 1111 1111", "tab\tin"}) {
    expect(Command("create_team", kAlice,
                   {{"team", "v"}, {"name", "V"}, {"correlation_id", bad}}),
           "invalid_argument");
  }
  expect(View("member_count", kAlice, {{"min_position", 1000000}}),
         "not_caught_up");
  // unavailable needs a failing disk (tests/commands/engine_faults_test.cc);
  // unauthenticated and too_large are the server's (tests/tools/serve_test).
  EXPECT_EQ(seen.size(), 19u);
  EXPECT_EQ(exec.Close(), 0);
}

// A few thousand malformed lines: one invalid_request response each, in
// order, and the process keeps going.
TEST(Exec, MalformedLinesEachGetAnAnswer) {
  TestDir dir;
  std::mt19937 rng(TestSeed());
  const std::vector<std::string> templates = {
      Command("create_organization", kAlice, {{"edition", "team"}}),
      View("member_count", kAlice),
      Command("update_credit_card", kAlice,
              {{"card", json::object{{"processor_token", "t"},
                                     {"brand", "visa"},
                                     {"last4", "4242"},
                                     {"exp_month", 1},
                                     {"exp_year", 2030},
                                     {"holder_name", "A"}}}})};
  std::string input;
  int lines = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string line = templates[rng() % templates.size()];
    switch (rng() % 6) {
      case 0:  // truncated
        line = line.substr(0, rng() % line.size());
        break;
      case 1:  // a byte changed
        line[rng() % line.size()] = static_cast<char>(rng() % 256);
        break;
      case 2:  // invalid UTF-8 inside a string
        line.insert(line.find("alice"), "\xC3\x28");
        break;
      case 3:  // a wrong type
        line.replace(line.find("\"org\":\"acme\""), 12, "\"org\":42");
        break;
      case 4:  // an unknown field
        line.insert(1, "\"extra\":true,");
        break;
      default:  // not an object
        line = "[" + line + "]";
        break;
    }
    std::erase(line, '\n');
    if (line.find_first_not_of(" \t\r") == std::string::npos) line = "x";
    input += line + "\n";
    ++lines;
  }
  input += std::string(1 << 20, ' ') + "{}\n";  // over 1 MiB
  ++lines;
  ToolResult r = RunOrgledger({"exec", "--data", dir.Sub("db")}, input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::istringstream out(r.out);
  std::string line;
  int answered = 0, ok = 0;
  while (std::getline(out, line)) {
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    ASSERT_FALSE(ec) << line;
    ++answered;
    if (v.at("ok").as_bool())
      ++ok;
    else
      EXPECT_FALSE(v.at("error").at("message").as_string().empty());
  }
  EXPECT_EQ(answered, lines);
  std::printf("[exec] %d lines, %d answered, %d accepted by chance\n", lines,
              answered, ok);
}

TEST(Exec, SecondProcessOnTheSameDatabaseExitsTwoNamingTheHolder) {
  TestDir dir;
  ExecSession first(dir.Sub("db"));
  ASSERT_EQ(Code(first.Send(
                Command("create_organization", kAlice, {{"edition", "team"}}))),
            "ok");
  ToolResult second = RunOrgledger({"exec", "--data", dir.Sub("db")}, "");
  EXPECT_EQ(second.exit_code, 2);
  EXPECT_NE(second.err.find("in use by pid"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("orgledger exec"), std::string::npos) << second.err;
  // Readers work meanwhile.
  ToolResult replay = RunOrgledger({"replay", "--data", dir.Sub("db")});
  EXPECT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_NE(replay.out.find("OrganizationCreated"), std::string::npos);
  EXPECT_EQ(first.Close(), 0);
}

// A full disk: commands are refused as unavailable with one line that
// names the cause and the file, the process does not crash (RocksDB's own
// log file used to abort it), and every acknowledged command is in the log
// once there is room again. Needs a small tmpfs (root, as in CI).
TEST(Exec, AFullDiskRefusesCommandsNamingTheCauseAndLosesNothing) {
  TestDir dir;
  const std::string mnt = dir.Sub("small");
  std::filesystem::create_directories(mnt);
  if (std::system(("mount -t tmpfs -o size=1m tmpfs " + mnt).c_str()) != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  }
  struct Unmount {
    std::string path;
    ~Unmount() { (void)std::system(("umount " + path).c_str()); }
  } unmount{mnt};
  std::string in;
  for (int i = 0; i < 3000; ++i) {
    in += Command("create_organization",
                  Person("u-" + std::to_string(i), "a@example.com",
                         std::string(190, 'n')),
                  {{"edition", "team"}}, "org-" + std::to_string(i)) +
          "\n";
  }
  ToolResult r = RunOrgledger({"exec", "--data", mnt + "/db"}, in);
  EXPECT_EQ(r.exit_code, 0) << r.err.substr(0, 2000);
  EXPECT_EQ(r.err.find("Assertion"), std::string::npos)
      << r.err.substr(0, 2000);
  std::istringstream lines(r.out);
  std::string line;
  int ok = 0;
  std::string last_error;
  while (std::getline(lines, line)) {
    json::object o = json::parse(line).as_object();
    if (o.at("ok").as_bool()) {
      ++ok;
    } else {
      EXPECT_EQ(o.at("error").at("code"), "unavailable") << line;
      last_error = std::string(o.at("error").at("message").as_string());
    }
  }
  EXPECT_GT(ok, 0);
  EXPECT_NE(last_error.find("the disk is full"), std::string::npos)
      << last_error;
  EXPECT_NE(last_error.find(mnt), std::string::npos) << last_error;
  // Room again: what was acknowledged is there, and the log verifies.
  ASSERT_EQ(std::system(("mount -o remount,size=64m " + mnt).c_str()), 0);
  ToolResult head = RunOrgledger({"head", "--data", mnt + "/db"});
  EXPECT_EQ(head.exit_code, 0) << head.err;
  if (head.exit_code == 0) {
    EXPECT_GE(json::parse(head.out).at("position").as_int64(), ok);
  }
  ToolResult verify = RunOrgledger({"verify", "--data", mnt + "/db"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

TEST(Exec, EditionsFileReplacesTheCatalog) {
  TestDir dir;
  ToolResult r;
  {
    std::ofstream f(dir.Sub("editions.json"));
    f << R"({"starter": {"billing_managers": 2, "members": 3}, "pro": {"billing_managers": null, "members": null}})";
  }
  r = RunOrgledger(
      {"exec", "--data", dir.Sub("db"), "--editions", dir.Sub("editions.json")},
      Command("create_organization", kAlice, {{"edition", "team"}}) + "\n" +
          Command("create_organization", kAlice, {{"edition", "starter"}}) +
          "\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("invalid_argument"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"ok\":true"), std::string::npos) << r.out;
  r = RunOrgledger(
      {"exec", "--data", dir.Sub("db2"), "--editions", dir.Sub("nope.json")});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace orgledger::testing
