// `orgledger serve` over a real socket: every status code of SPEC §3.3's
// HTTP table, the bearer check, the body limit, a slow client timing out,
// admin rebuild and backup, metrics, and a graceful shutdown under load that
// loses no acknowledged command.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "tests/testing/child_process.h"
#include "tests/testing/files.h"
#include "tests/testing/test_dir.h"
#include "tests/tools/serve_fixture.h"
#include "tests/tools/tool_runner.h"

namespace orgledger::testing {
namespace {

TEST(Serve, StatusCodesBearerAndLimits) {
  TestDir dir;
  Server server(dir);
  Client c(server.port());
  EXPECT_EQ(c.Get("/healthz").status, 200);
  // 401: no bearer, a wrong one of the right length.
  EXPECT_EQ(
      c.Post("/v1/commands",
             Command("create_organization", "ann", {{"edition", "team"}}), "")
          .status,
      401);
  std::string wrong = std::string("Bearer ") + kSecret;
  wrong.back() = wrong.back() == 'f' ? 'e' : 'f';
  Reply r = c.Post("/v1/commands",
                   Command("create_organization", "ann", {{"edition", "team"}}),
                   wrong);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.code(), "unauthenticated");
  // 200 and 409.
  r = c.Post("/v1/commands",
             Command("create_organization", "ann", {{"edition", "team"}}));
  EXPECT_EQ(r.status, 200) << r.body;
  r = c.Post("/v1/commands",
             Command("create_organization", "ann", {{"edition", "team"}}));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.code(), "already_exists");
  // 400: shape and value.
  EXPECT_EQ(c.Post("/v1/commands", "{nope").status, 400);
  r = c.Post("/v1/commands", Command("create_organization", "ann",
                                     {{"edition", "gold"}}, "beta"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.code(), "invalid_argument");
  // 403, 404.
  // Views wait for the organization's creation (position 1): without it a
  // slow projection answers not_found (seen under TSan).
  EXPECT_EQ(
      c.Post("/v1/views", View("billing", "stranger", {{"min_position", 1}}))
          .status,
      403);
  EXPECT_EQ(c.Post("/v1/commands",
                   Command("accept_invite", "bob", {{"invite_id", "inv-x"}}))
                .status,
            404);
  EXPECT_EQ(
      c.Post("/v1/views", View("member_count", "ann", {{"min_position", 1}}))
          .status,
      200);
  EXPECT_EQ(c.Get("/nowhere").status, 404);
  // 503 not_caught_up.
  r = c.Post("/v1/views",
             View("member_count", "ann", {{"min_position", 99999}}));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.code(), "not_caught_up");
  // 413: a body over the limit.
  Client big(server.port());
  r = big.Post("/v1/commands", std::string(2 << 20, ' '));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.code(), "too_large");
  // 413: headers over the limit.
  {
    asio::io_context io;
    tcp::socket raw(io);
    raw.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                              static_cast<unsigned short>(server.port())));
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                std::string(64 << 10, 'a') + "\r\n\r\n";
    beast::error_code ignored;
    asio::write(raw, asio::buffer(request), ignored);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(raw, buffer, res, ignored);
    EXPECT_EQ(res.result_int(), 413u) << res.body();
  }
  // 400: not HTTP at all.
  {
    asio::io_context io;
    tcp::socket raw(io);
    raw.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                              static_cast<unsigned short>(server.port())));
    beast::error_code ignored;
    asio::write(raw, asio::buffer(std::string("GARBAGE\x01\r\n\r\n")), ignored);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(raw, buffer, res, ignored);
    EXPECT_EQ(res.result_int(), 400u) << res.body();
  }
  // Metrics count commands by op and outcome, views by name and outcome,
  // and responses by status, the parser's refusals included.
  Reply metrics = Client(server.port()).Get("/metrics", kAdminBearer);
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("orgledger_commands_total{op=\"create_"
                              "organization\",outcome=\"already_exists\"} 1"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("orgledger_log_position 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("orgledger_projection_lag"), std::string::npos);
  for (const char* line : {
           "orgledger_views_total{view=\"billing\",outcome=\"forbidden\"} 1",
           "orgledger_views_total{view=\"member_count\",outcome=\"ok\"} 1",
           "orgledger_views_total{view=\"member_count\",outcome=\"not_"
           "caught_up\"} 1",
           "orgledger_http_responses_total{status=\"413\"} 2",
           "orgledger_http_responses_total{status=\"401\"} 2",
           "orgledger_http_responses_total{status=\"503\"} 1",
       }) {
    EXPECT_NE(metrics.body.find(line), std::string::npos) << line << " not in\n"
                                                          << metrics.body;
  }
  // Refused by the parser, and still in the access log.
  const std::string log = ReadText(dir.Sub("server.log"));
  EXPECT_NE(log.find("method=POST target=/v1/commands status=413 "
                     "refused=too_large"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("status=400 refused=invalid_request"), std::string::npos)
      << log;
}

// Boost.JSON keeps the last of two equal keys: without the check a request
// with two actors would run as the second.
TEST(Serve, AKeyTwiceInARequestIsRefusedAndNothingRuns) {
  TestDir dir;
  Server server(dir);
  Client c(server.port());
  const std::string twice =
      R"({"op": "create_organization", "org": "acme", "edition": "team", )"
      R"("actor": {"id": "ann", "email": "ann@example.com", "name": "Ann"}, )"
      R"("actor": {"id": "eve", "email": "eve@example.com", "name": "Eve"}})";
  Reply r = c.Post("/v1/commands", twice);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.code(), "invalid_request");
  EXPECT_NE(r.body.find(R"(duplicate key \"actor\")"), std::string::npos)
      << r.body;
  Reply metrics = Client(server.port()).Get("/metrics", kAdminBearer);
  EXPECT_NE(metrics.body.find("orgledger_log_position 0"), std::string::npos)
      << metrics.body;
}

// One raw request: its status, its Allow header and its body.
struct RawReply {
  int status = 0;
  std::string allow;
  std::string content_length;
  std::string body;
};
RawReply Raw(int port, http::verb verb, const std::string& target,
             const std::string& auth) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                               static_cast<unsigned short>(port)));
  http::request<http::string_body> req(verb, target, 11);
  req.set(http::field::host, "localhost");
  if (!auth.empty()) req.set(http::field::authorization, auth);
  req.prepare_payload();
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.skip(verb == http::verb::head);  // a HEAD answer has no body
  http::read(socket, buffer, parser);
  const auto& res = parser.get();
  return {static_cast<int>(res.result_int()),
          std::string(res[http::field::allow]),
          std::string(res[http::field::content_length]), res.body()};
}

TEST(Serve, WrongMethodsGet405WithAllowAndHeadWorksWhereGetDoes) {
  TestDir dir;
  Server server(dir, {"--listen", "localhost:0"});  // localhost is loopback
  const std::string host = std::string("Bearer ") + kSecret;
  RawReply r = Raw(server.port(), http::verb::get, "/v1/commands", host);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.allow, "POST");
  EXPECT_NE(r.body.find("invalid_request"), std::string::npos) << r.body;
  r = Raw(server.port(), http::verb::delete_, "/v1/views", host);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.allow, "POST");
  r = Raw(server.port(), http::verb::post, "/healthz", "");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.allow, "GET, HEAD");
  r = Raw(server.port(), http::verb::put, "/metrics", kAdminBearer);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.allow, "GET, HEAD");

  const RawReply got = Raw(server.port(), http::verb::get, "/healthz", "");
  r = Raw(server.port(), http::verb::head, "/healthz", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.content_length, std::to_string(got.body.size()));
  r = Raw(server.port(), http::verb::head, "/metrics", kAdminBearer);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(Raw(server.port(), http::verb::head, "/metrics", "").status, 401);
  const std::string text = ReadText(dir.Sub("server.log"));
  EXPECT_EQ(text.find("not a loopback"), std::string::npos) << text;
}

TEST(Serve, ANonLoopbackAddressIsWarnedAbout) {
  TestDir dir;
  WriteSecret(dir.Sub("secret"), kSecret);
  ChildProcess server("orgledger",
                      {"serve", "--data", dir.Sub("db"), "--listen",
                       "0.0.0.0:0", "--secret-file", dir.Sub("secret")},
                      dir.Sub("serve.log"));
  ASSERT_TRUE(server.WaitFor("listening on", std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::string text = ReadText(dir.Sub("serve.log"));
  EXPECT_NE(text.find("not a loopback address"), std::string::npos) << text;
}

TEST(Serve, SlowClientTimesOut) {
  TestDir dir;
  Server server(dir, {"--timeout", "0.5"});
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                          static_cast<unsigned short>(server.port())));
  const std::string partial = "POST /v1/commands HTTP/1.1\r\nHost: x\r\n";
  asio::write(s, asio::buffer(partial));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  char buf[64];
  beast::error_code ec;
  s.read_some(asio::buffer(buf), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset)
      << ec.message();
  // The server still serves others.
  EXPECT_EQ(Client(server.port()).Get("/healthz").status, 200);
}

// After a 413 the server reads and drops what the client still sends, but
// for one deadline: a client trickling a byte at a time is closed on time
// (it used to restart the wait with every byte, for ever).
TEST(Serve, AfterA413ATricklingClientIsClosedOnTime) {
  TestDir dir;
  Server server(dir, {"--timeout", "0.5", "--max-body", "1000"});
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                          static_cast<unsigned short>(server.port())));
  const std::string head = std::string(
                               "POST /v1/commands HTTP/1.1\r\nHost: x\r\n"
                               "Authorization: Bearer ") +
                           kSecret + "\r\nContent-Length: 100000\r\n\r\n";
  asio::write(s, asio::buffer(head));
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  beast::error_code ec;
  http::read(s, buffer, res, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result_int(), 413u);
  // One byte every 100 ms: the server must stop reading within seconds
  // (a write then fails); 10 s of trickling is the failure.
  const auto start = std::chrono::steady_clock::now();
  bool closed = false;
  while (!closed &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
    asio::write(s, asio::buffer("x", 1), ec);
    closed = static_cast<bool>(ec);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(closed) << "the server still reads a trickling client after 10 s";
}

// A keep-alive connection, however busy, closes after its age: its last
// answer says Connection: close.
TEST(Serve, AConnectionEndsAfterItsAge) {
  TestDir dir;
  Server server(dir, {"--max-connection-age", "1"});
  Client c(server.port());
  const auto start = std::chrono::steady_clock::now();
  int answered = 0;
  Reply last;
  do {
    last = c.Get("/healthz");
    if (last.status == 200) ++answered;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (last.status == 200 && last.keep_alive &&
           std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
  EXPECT_EQ(last.status, 200);
  EXPECT_FALSE(last.keep_alive) << "still open after 20 s";
  EXPECT_GT(answered, 1);
  EXPECT_EQ(c.Get("/healthz").status, 0) << "the connection is closed";
}

// Views waiting for a min_position far ahead wait on the engine's thread,
// not on the server's I/O threads (2 here): /healthz and a command are
// answered while 64 of them wait, and each then gets not_caught_up.
TEST(Serve, ViewsWaitingForAPositionHoldNoIOThread) {
  TestDir dir;
  Server server(dir, {"--threads", "2"});
  Client setup(server.port());
  ASSERT_EQ(setup
                .Post("/v1/commands", Command("create_organization", "ann",
                                              {{"edition", "team"}}))
                .code(),
            "ok");
  std::vector<std::unique_ptr<Client>> waiting;
  json::object ahead{{"min_position", 1000000000}};
  for (int i = 0; i < 64; ++i) {
    waiting.push_back(std::make_unique<Client>(server.port()));
    waiting.back()->PostOnly("/v1/views", View("member_count", "ann", ahead));
  }
  EXPECT_EQ(Client(server.port()).Get("/healthz").status, 200);
  EXPECT_EQ(setup
                .Post("/v1/commands", Command("create_organization", "bob",
                                              {{"edition", "team"}}, "bobco"))
                .code(),
            "ok");
  int answered_before = 0;
  for (auto& w : waiting) answered_before += w->Answered() ? 1 : 0;
  EXPECT_EQ(answered_before, 0)
      << "views answered before /healthz and a command: they held the "
         "I/O threads";
  for (auto& w : waiting) EXPECT_EQ(w->Receive().code(), "not_caught_up");
}

// POST /v1/admin/erase: the operator's only; the person erased in the
// views; a body it does not take names what it takes.
TEST(Serve, AdminEraseForgetsAPerson) {
  TestDir dir;
  Server server(dir);
  Client c(server.port());
  ASSERT_EQ(c.Post("/v1/commands",
                   Command("create_organization", "ann", {{"edition", "team"}}))
                .status,
            200);
  EXPECT_EQ(c.Post("/v1/admin/erase", R"({"user_id":"ann","by":"ops"})").status,
            401);  // the host's secret
  Reply bad = c.Post("/v1/admin/erase", R"({"id":"ann"})", kAdminBearer);
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("user_id"), std::string::npos) << bad.body;
  Reply erased = c.Post("/v1/admin/erase", R"({"user_id":"ann","by":"ops"})",
                        kAdminBearer);
  ASSERT_EQ(erased.status, 200) << erased.body;
  EXPECT_NE(erased.body.find("\"keys\":1"), std::string::npos) << erased.body;
  Reply members = c.Post("/v1/views", View("members", "ann"));
  ASSERT_EQ(members.status, 200) << members.body;
  EXPECT_NE(members.body.find("[erased]"), std::string::npos) << members.body;
  EXPECT_EQ(
      c.Post("/v1/admin/erase", R"({"user_id":"ann","by":"ops"})", kAdminBearer)
          .status,
      404);
}

// The operator's endpoints open with the operator's secret only, and the
// host's endpoints with the host's only; backups go under --backup-dir by
// a plain name, mode 0700.
TEST(Serve, AdminRebuildAndBackupWhileServing) {
  TestDir dir;
  Server server(dir);
  Client c(server.port());
  ASSERT_EQ(c.Post("/v1/commands",
                   Command("create_organization", "ann", {{"edition", "team"}}))
                .status,
            200);
  Reply r = c.Post("/v1/admin/rebuild", R"({"projection":"organizations"})",
                   kAdminBearer);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(
      c.Post("/v1/admin/rebuild", R"({"projection":"nope"})", kAdminBearer)
          .status,
      404);
  EXPECT_EQ(c.Post("/v1/admin/rebuild", "{}", "").status, 401);
  // The host's secret does not open the operator's endpoints, nor the
  // operator's the host's.
  EXPECT_EQ(c.Post("/v1/admin/rebuild", "{}").status, 401);
  EXPECT_EQ(c.Post("/v1/admin/backup", R"({"name":"x"})").status, 401);
  EXPECT_EQ(c.Get("/metrics").status, 401);
  EXPECT_EQ(c.Get("/metrics", std::string("Bearer ") + kSecret).status, 401);
  EXPECT_EQ(
      c.Post("/v1/views", View("member_count", "ann"), kAdminBearer).status,
      401);
  // The scheme's name in any case (RFC 7235).
  EXPECT_EQ(c.Get("/metrics", std::string("bEARER ") + kAdminSecret).status,
            200);

  // A backup is a plain name under --backup-dir: no path gets out of it.
  for (const std::string& name :
       {std::string("../escape"), std::string("a/b"), dir.Sub("copy"),
        std::string(".."), std::string("")}) {
    r = c.Post("/v1/admin/backup",
               json::serialize(json::object{{"name", name}}), kAdminBearer);
    EXPECT_EQ(r.status, 400) << name << " " << r.body;
    EXPECT_EQ(r.code(), "invalid_argument") << name;
  }
  r = c.Post("/v1/admin/backup",
             json::serialize(json::object{{"to", dir.Sub("copy")}}),
             kAdminBearer);
  EXPECT_EQ(r.code(), "invalid_request") << r.body;
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("copy")));
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("escape")));

  r = c.Post("/v1/admin/backup", R"({"name":"nightly-1"})", kAdminBearer);
  EXPECT_EQ(r.status, 200) << r.body;
  const std::string copy = dir.Sub("backups") + "/nightly-1";
  namespace fs = std::filesystem;
  for (const std::string& d : {dir.Sub("backups"), copy}) {
    EXPECT_EQ(fs::status(d).permissions() & fs::perms::all,
              fs::perms::owner_all)
        << d;
  }
  ToolResult verify = RunOrgledger({"verify", "--data", copy, "--projections"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_EQ(c.Post("/v1/views", View("member_count", "ann")).status, 200);
}

// Without --admin-secret-file the operator's endpoints are off, and
// without --backup-dir backups are; --metrics-public opens /metrics alone.
TEST(Serve, OperatorEndpointsAreOffUnlessConfigured) {
  TestDir dir;
  WriteSecret(dir.Sub("secret"), kSecret);
  ChildProcess server(
      "orgledger",
      {"serve", "--data", dir.Sub("db"), "--listen", "127.0.0.1:0",
       "--secret-file", dir.Sub("secret"), "--metrics-public"},
      dir.Sub("serve.log"));
  ASSERT_TRUE(server.WaitFor("listening on", std::chrono::seconds(30)));
  ASSERT_TRUE(server.WaitFor("\n", std::chrono::seconds(5)));
  Client c(std::atoi(server.output().c_str() + server.output().rfind(':') + 1));
  for (const char* target : {"/v1/admin/rebuild", "/v1/admin/backup"}) {
    Reply r = c.Post(target, "{}");
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_NE(r.body.find("\"forbidden\""), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("--admin-secret-file"), std::string::npos) << r.body;
  }
  EXPECT_EQ(c.Get("/metrics").status, 200);
}

// A new secret file is made in one step, 0600, and only when the server can
// start; an existing one others may read is refused.
TEST(Serve, SecretFilesAreTheOwnersOnly) {
  TestDir dir;
  namespace fs = std::filesystem;
  // The address is taken: serve fails, and no secret is left behind.
  Server holder(dir);
  ToolResult refused = RunOrgledger(
      {"serve", "--data", dir.Sub("db2"), "--listen",
       "127.0.0.1:" + std::to_string(holder.port()), "--secret-file",
       dir.Sub("new-secret"), "--admin-secret-file", dir.Sub("new-admin")});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_FALSE(fs::exists(dir.Sub("new-secret"))) << refused.err;
  EXPECT_FALSE(fs::exists(dir.Sub("new-admin")));

  // World-readable, or a symbolic link: refused, naming the file.
  WriteText(dir.Sub("open-secret"), std::string(kSecret) + "\n");
  fs::permissions(
      dir.Sub("open-secret"),
      fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read,
      fs::perm_options::replace);
  ToolResult readable =
      RunOrgledger({"serve", "--data", dir.Sub("db3"), "--listen",
                    "127.0.0.1:0", "--secret-file", dir.Sub("open-secret")});
  EXPECT_NE(readable.exit_code, 0);
  EXPECT_NE(readable.err.find("open-secret has mode 0604"), std::string::npos)
      << readable.err;
  fs::create_symlink(dir.Sub("secret"), dir.Sub("linked-secret"));
  ToolResult linked =
      RunOrgledger({"serve", "--data", dir.Sub("db3"), "--listen",
                    "127.0.0.1:0", "--secret-file", dir.Sub("linked-secret")});
  EXPECT_NE(linked.exit_code, 0);
  EXPECT_NE(linked.err.find("symbolic link"), std::string::npos) << linked.err;

  // A good start makes both, 0600, each printed once.
  TestDir fresh;
  ChildProcess server("orgledger",
                      {"serve", "--data", fresh.Sub("db"), "--listen",
                       "127.0.0.1:0", "--secret-file", fresh.Sub("secret"),
                       "--admin-secret-file", fresh.Sub("admin")},
                      fresh.Sub("serve.log"));
  ASSERT_TRUE(server.WaitFor("listening on", std::chrono::seconds(30)));
  for (const std::string& f : {fresh.Sub("secret"), fresh.Sub("admin")}) {
    EXPECT_EQ(fs::status(f).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write)
        << f;
  }
  EXPECT_NE(server.output().find("generated a new secret for --secret-file"),
            std::string::npos)
      << server.output();
  EXPECT_NE(
      server.output().find("generated a new secret for --admin-secret-file"),
      std::string::npos);
}

// SIGTERM while 16 clients send commands: the server finishes what is in
// flight and exits 0; every command it acknowledged is in the log.
TEST(Serve, GracefulShutdownUnderLoadLosesNothingAcknowledged) {
  TestDir dir;
  std::map<std::string, std::uint64_t> acked;  // org -> highest version
  {
    Server server(dir);
    std::mutex mu;
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int w = 0; w < 16; ++w) {
      clients.emplace_back([&, w] {
        const std::string org = "org-" + std::to_string(w);
        Client c(server.port());
        Reply r = c.Post("/v1/commands", Command("create_organization", "ann",
                                                 {{"edition", "team"}}, org));
        if (r.status != 200) return;
        for (int i = 0; !stop; ++i) {
          r = c.Post(
              "/v1/commands",
              Command("create_team", "ann",
                      {{"team", "t" + std::to_string(i)}, {"name", "T"}}, org));
          if (r.status != 200) return;  // the server went away
          json::value v = json::parse(r.body);
          std::lock_guard<std::mutex> lock(mu);
          acked[org] = v.at("version").to_number<std::uint64_t>();
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    server.process().Signal(SIGTERM);
    EXPECT_EQ(server.process().Wait(), 0);
    stop = true;
    for (auto& t : clients) t.join();
  }
  ASSERT_FALSE(acked.empty());
  ToolResult replay =
      RunOrgledger({"replay", "--data", dir.Sub("db"), "--format", "json"});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  std::map<std::string, std::uint64_t> stored;
  std::istringstream lines(replay.out);
  std::string line;
  while (std::getline(lines, line)) {
    json::value e = json::parse(line);
    stored[std::string(e.at("org").as_string())] =
        e.at("version").to_number<std::uint64_t>();
  }
  for (const auto& [org, version] : acked) {
    EXPECT_GE(stored[org], version) << org << " lost an acknowledged command";
  }
  ToolResult verify =
      RunOrgledger({"verify", "--data", dir.Sub("db"), "--projections"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
}

}  // namespace
}  // namespace orgledger::testing
