// The request handler of `orgledger serve`: plain C++, no Asio (the server
// in server.cc owns sockets and timeouts). Routes, checks the bearer
// secret, runs commands through the engine's async API and views
// synchronously, and keeps the metrics. Thread-safe.
#ifndef ORGLEDGER_TOOLS_SERVE_HANDLER_H_
#define ORGLEDGER_TOOLS_SERVE_HANDLER_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "commands/engine.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace orgledger::serve {

struct HttpRequest {
  std::string method;         // "GET", "POST", ...
  std::string target;         // "/v1/commands"
  std::string authorization;  // the Authorization header, "" if none
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

class Handler {
 public:
  using Done = std::function<void(HttpResponse)>;

  Handler(commands::Engine* engine, std::string secret,
          std::shared_ptr<spdlog::logger> access_log);

  // Answers `request` by calling `done` once, maybe on another thread.
  void Handle(const HttpRequest& request, Done done);

  // A response for a request the server refused before handling it
  // (body too large: 413 too_large).
  static HttpResponse Error(const Status& error);

 private:
  void Command(const HttpRequest& request, Done done);
  HttpResponse View(const HttpRequest& request);
  HttpResponse Admin(const HttpRequest& request);
  HttpResponse Metrics();
  bool Authorized(const HttpRequest& request) const;
  void Count(const std::string& op, const std::string& outcome,
             double latency_us);

  commands::Engine* const engine_;
  const std::string secret_;
  const std::shared_ptr<spdlog::logger> access_log_;

  std::mutex metrics_mu_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> commands_;
  std::vector<std::uint64_t> latency_buckets_;  // cumulative per bound
  double latency_sum_us_ = 0;
  std::uint64_t latency_count_ = 0;
  std::mutex admin_mu_;  // one rebuild or backup at a time
};

}  // namespace orgledger::serve

#endif  // ORGLEDGER_TOOLS_SERVE_HANDLER_H_
