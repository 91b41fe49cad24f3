// Support for tests of `orgledger serve` over a real socket: a keep-alive
// HTTP client, request builders, and a running server on an ephemeral port.
#ifndef ORGLEDGER_TESTS_TOOLS_SERVE_FIXTURE_H_
#define ORGLEDGER_TESTS_TOOLS_SERVE_FIXTURE_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/testing/child_process.h"
#include "tests/testing/files.h"
#include "tests/testing/test_dir.h"

namespace orgledger::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

inline constexpr char kSecret[] = "test-secret-0123456789abcdef";
inline constexpr char kAdminSecret[] = "test-admin-secret-0123456789abcdef";
inline const std::string kAdminBearer = std::string("Bearer ") + kAdminSecret;

// `secret` in `path`, readable by its owner only (serve refuses others).
inline void WriteSecret(const std::string& path, const std::string& secret) {
  WritePrivateText(path, secret + "\n");
}

struct Reply {
  int status = 0;  // 0: no answer (the connection failed or closed)
  std::string body;
  bool keep_alive = false;
  std::string code() const {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec || !v.is_object()) return "";
    if (v.as_object().contains("error")) {
      return std::string(v.at("error").at("code").as_string());
    }
    return v.at("ok").as_bool() ? "ok" : "";
  }
};

// A keep-alive HTTP client for one server.
class Client {
 public:
  explicit Client(int port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                  static_cast<unsigned short>(port)));
  }
  Reply Post(const std::string& target, const std::string& body,
             const std::string& auth = std::string("Bearer ") + kSecret) {
    PostOnly(target, body, auth);
    return Receive();
  }
  // A POST whose answer Receive() reads later.
  void PostOnly(const std::string& target, const std::string& body,
                const std::string& auth = std::string("Bearer ") + kSecret) {
    http::request<http::string_body> req(http::verb::post, target, 11);
    req.set(http::field::host, "localhost");
    if (!auth.empty()) req.set(http::field::authorization, auth);
    req.body() = body;
    req.prepare_payload();
    beast::error_code ec;
    http::write(socket_, req, ec);
  }
  Reply Receive() {
    beast::error_code ec;
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res, ec);
    if (ec) return {};
    return {static_cast<int>(res.result_int()), res.body(), res.keep_alive()};
  }
  // Whether an answer (or the server's close) has begun to arrive.
  bool Answered() {
    beast::error_code ec;
    return buffer_.size() > 0 || socket_.available(ec) > 0 || ec;
  }
  Reply Get(const std::string& target, const std::string& auth = "") {
    http::request<http::string_body> req(http::verb::get, target, 11);
    req.set(http::field::host, "localhost");
    if (!auth.empty()) req.set(http::field::authorization, auth);
    return Send(req);
  }

 private:
  Reply Send(http::request<http::string_body>& req) {
    beast::error_code ec;
    // A write cut short (a refused body) still gets its answer read.
    http::write(socket_, req, ec);
    return Receive();
  }
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

inline json::object Person(const std::string& id) {
  return {{"id", id}, {"email", id + "@example.com"}, {"name", id}};
}
inline std::string Command(const std::string& op, const std::string& user,
                           json::object fields = {},
                           const std::string& org = "acme") {
  fields["op"] = op;
  fields["org"] = org;
  fields["actor"] = Person(user);
  return json::serialize(fields);
}
inline std::string View(const std::string& view, const std::string& user,
                        json::object fields = {}) {
  fields["view"] = view;
  fields["org"] = "acme";
  fields["viewer"] = Person(user);
  return json::serialize(fields);
}

// A running server on an ephemeral port. Its log goes to a file (one line
// per request would bury a failure in CI's output); a failed test prints
// the log's lines other than the per-request ones.
class Server {
 public:
  Server(const TestDir& dir, std::vector<std::string> extra = {})
      : log_path_(dir.Sub("server.log")) {
    WriteSecret(dir.Sub("secret"), kSecret);
    WriteSecret(dir.Sub("admin-secret"), kAdminSecret);
    // `extra` may give its own --listen.
    std::string listen = "127.0.0.1:0";
    if (auto it = std::find(extra.begin(), extra.end(), "--listen");
        it != extra.end() && it + 1 != extra.end()) {
      listen = *(it + 1);
      extra.erase(it, it + 2);
    }
    std::vector<std::string> args = {"serve",
                                     "--data",
                                     dir.Sub("db"),
                                     "--listen",
                                     listen,
                                     "--secret-file",
                                     dir.Sub("secret"),
                                     "--admin-secret-file",
                                     dir.Sub("admin-secret"),
                                     "--backup-dir",
                                     dir.Sub("backups")};
    args.insert(args.end(), extra.begin(), extra.end());
    process_ = std::make_unique<ChildProcess>("orgledger", args, log_path_);
    EXPECT_TRUE(process_->WaitFor("listening on", std::chrono::seconds(30)));
    EXPECT_TRUE(process_->WaitFor("\n", std::chrono::seconds(5)));
    const std::string& out = process_->output();
    const std::size_t colon = out.rfind(':');
    port_ = std::atoi(out.c_str() + colon + 1);
  }
  ~Server() {
    if (!::testing::Test::HasFailure()) return;
    process_->Kill();
    std::ifstream log(log_path_);
    std::string line;
    std::string shown;
    while (std::getline(log, line)) {
      if (line.find(" info method=") == std::string::npos) shown += line + "\n";
    }
    ADD_FAILURE() << "server log (" << log_path_
                  << ") without its request lines:\n"
                  << shown;
  }
  int port() const { return port_; }
  ChildProcess& process() { return *process_; }

 private:
  std::string log_path_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

}  // namespace orgledger::testing

#endif  // ORGLEDGER_TESTS_TOOLS_SERVE_FIXTURE_H_
