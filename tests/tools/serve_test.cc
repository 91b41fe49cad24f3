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
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "tests/testing/child_process.h"
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
  // Metrics count commands by op and outcome.
  Reply metrics = Client(server.port()).Get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("orgledger_commands_total{op=\"create_"
                              "organization\",outcome=\"already_exists\"} 1"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("orgledger_log_position 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("orgledger_projection_lag"), std::string::npos);
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
  Reply metrics = Client(server.port()).Get("/metrics");
  EXPECT_NE(metrics.body.find("orgledger_log_position 0"), std::string::npos)
      << metrics.body;
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

TEST(Serve, AdminRebuildAndBackupWhileServing) {
  TestDir dir;
  Server server(dir);
  Client c(server.port());
  ASSERT_EQ(c.Post("/v1/commands",
                   Command("create_organization", "ann", {{"edition", "team"}}))
                .status,
            200);
  Reply r = c.Post("/v1/admin/rebuild", R"({"projection":"organizations"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(c.Post("/v1/admin/rebuild", R"({"projection":"nope"})").status,
            404);
  EXPECT_EQ(c.Post("/v1/admin/rebuild", "{}", "").status, 401);
  r = c.Post("/v1/admin/backup",
             json::serialize(json::object{{"to", dir.Sub("copy")}}));
  EXPECT_EQ(r.status, 200) << r.body;
  ToolResult verify =
      RunOrgledger({"verify", "--data", dir.Sub("copy"), "--projections"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_EQ(c.Post("/v1/views", View("member_count", "ann")).status, 200);
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
