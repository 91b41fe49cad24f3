// Secrets never leave the engine: every link token handed out and every
// card number tried is searched for in everything the server and the tools
// wrote during a run — stdout, stderr (the access log), error messages,
// views, the audit log, replay in both formats — and in the database files
// themselves (card numbers are refused before anything is stored; tokens
// are kept only as hashes).
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "tests/testing/child_process.h"
#include "tests/testing/files.h"
#include "tests/testing/test_dir.h"
#include "tests/tools/tool_runner.h"

namespace orgledger::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

constexpr char kSecret[] = "secrets-test-secret-0123456789";

std::string Post(int port, const std::string& target, const std::string& body) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                               static_cast<unsigned short>(port)));
  http::request<http::string_body> req(http::verb::post, target, 11);
  req.set(http::field::host, "localhost");
  req.set(http::field::authorization, std::string("Bearer ") + kSecret);
  req.body() = body;
  req.prepare_payload();
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  return res.body();
}

std::string Cmd(const std::string& op, const std::string& user,
                json::object f) {
  f["op"] = op;
  f["org"] = "acme";
  f["actor"] = json::object{
      {"id", user}, {"email", user + "@example.com"}, {"name", user}};
  return json::serialize(f);
}

TEST(Secrets, NoTokenOrCardNumberInAnythingWritten) {
  TestDir dir;
  WritePrivateText(dir.Sub("secret"), std::string(kSecret) + "\n");
  const std::vector<std::string> cards = {
      "4111 1111 1111 1111", "4111111111111111", "5500-0000-0000-0004"};
  std::vector<std::string> tokens;
  std::string written;  // everything the processes wrote
  {
    ChildProcess server("orgledger",
                        {"serve", "--data", dir.Sub("db"), "--listen",
                         "127.0.0.1:0", "--secret-file", dir.Sub("secret")},
                        dir.Sub("serve.err"));
    ASSERT_TRUE(server.WaitFor("listening on", std::chrono::seconds(30)));
    ASSERT_TRUE(server.WaitFor("\n", std::chrono::seconds(5)));
    const int port =
        std::atoi(server.output().c_str() + server.output().rfind(':') + 1);
    auto post = [&](const std::string& target, const std::string& body) {
      std::string r = Post(port, target, body);
      written += r + "\n";
      return r;
    };
    post("/v1/commands",
         Cmd("create_organization", "ann", {{"edition", "enterprise"}}));
    for (int i = 0; i < 2; ++i) {
      // The one answer that carries a token, by design (not searched).
      json::value r = json::parse(
          Post(port, "/v1/commands",
               Cmd("create_billing_manager_invite_link", "ann", {})));
      ASSERT_TRUE(r.at("ok").as_bool());
      tokens.emplace_back(r.at("token").as_string());
    }
    post("/v1/commands", Cmd("accept_invite", "bob", {{"token", tokens[0]}}));
    post("/v1/commands",
         Cmd("accept_invite", "eve", {{"token", tokens[0]}}));  // used
    std::string wrong = tokens[1];
    wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
    post("/v1/commands", Cmd("accept_invite", "eve", {{"token", wrong}}));
    for (const std::string& card : cards) {
      std::string r =
          post("/v1/commands",
               Cmd("update_credit_card", "ann",
                   {{"card", json::object{{"processor_token", "tok_" + card},
                                          {"brand", "visa"},
                                          {"last4", "1111"},
                                          {"exp_month", 1},
                                          {"exp_year", 2030},
                                          {"holder_name", "Ann " + card}}}}));
      EXPECT_NE(r.find("invalid_argument"), std::string::npos) << r;
      post("/v1/commands",
           Cmd("create_team", "ann", {{"team", "t"}, {"name", card}}));
    }
    for (const char* view :
         {"audit_log", "billing", "billing_managers", "invites"}) {
      post("/v1/views",
           json::serialize(json::object{
               {"view", view},
               {"org", "acme"},
               {"viewer", json::object{{"id", "ann"},
                                       {"email", "ann@example.com"},
                                       {"name", "ann"}}}}));
    }
    server.Signal(SIGTERM);
    EXPECT_EQ(server.Wait(), 0);
    written += server.DrainAll();
  }
  written += ReadText(dir.Sub("serve.err"));
  for (const char* format : {"text", "json"}) {
    ToolResult replay =
        RunOrgledger({"replay", "--data", dir.Sub("db"), "--format", format});
    written += replay.out + replay.err;
  }
  ToolResult verify =
      RunOrgledger({"verify", "--data", dir.Sub("db"), "--projections"});
  written += verify.out + verify.err;
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
  ASSERT_NE(written.find("invite_already_used"), std::string::npos);  // it ran

  // The database files, byte for byte (WAL, SSTs, everything).
  std::string files;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(dir.Sub("db"))) {
    if (entry.is_regular_file()) files += ReadText(entry.path().string());
  }
  for (const std::string& token : tokens) {
    EXPECT_EQ(written.find(token), std::string::npos)
        << "a token was written out";
    EXPECT_EQ(files.find(token), std::string::npos)
        << "a token is in the database";
  }
  for (const std::string& card : cards) {
    EXPECT_EQ(written.find(card), std::string::npos)
        << card << " was written out";
    EXPECT_EQ(files.find(card), std::string::npos)
        << card << " is in the database";
  }
  EXPECT_EQ(written.find(kSecret), std::string::npos)
      << "the bearer secret was logged";
}

}  // namespace
}  // namespace orgledger::testing
