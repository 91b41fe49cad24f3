// The request handler of `orgledger serve`, without sockets (the server in
// server.cc owns them and the timeouts). Routes, checks the bearer secret,
// runs commands and views through the engine's async API and admin jobs on
// a thread of their own, and keeps the metrics. Thread-safe.
#ifndef ORGLEDGER_TOOLS_SERVE_HANDLER_H_
#define ORGLEDGER_TOOLS_SERVE_HANDLER_H_

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "commands/engine.h"
#include "tools/mail/mailer.h"
#include "tools/serve/feed.h"
#include "tools/serve/http_types.h"
#include "tools/serve/pages.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace orgledger::serve {

// Who may use what. The host's secret opens /v1/commands and /v1/views;
// the operator's opens /v1/admin/* and /metrics, and neither opens the
// other's endpoints.
struct HandlerOptions {
  std::string secret;  // the host's bearer secret
  // The operator's bearer secret; without one the admin endpoints are off
  // (404 naming --admin-secret-file).
  std::optional<std::string> admin_secret;
  // /metrics without the operator's secret.
  bool metrics_public = false;
  // Where /v1/admin/backup writes, each backup a plain name under it;
  // empty: backups are off.
  std::string backup_dir;
  // The events feed's hub, for its gauges in /metrics (none: no gauges).
  const FeedHub* feed = nullptr;
  // The mail queue, for its counts in /metrics (none: no mail).
  const mail::Mailer* mailer = nullptr;
  // serve's --public-url: a link creation's answer has the join page's
  // "url" too. Empty: no url.
  std::string public_url;
  // The people's pages and their API (/app/v1/*); none: off (404).
  std::optional<PagesOptions> pages;
};

// One path the server answers, and its methods ("POST"; "GET, HEAD").
struct Route {
  std::string_view path;
  std::string_view methods;
};

class Handler {
 public:
  // Every path the server answers (the OpenAPI document's paths, tested).
  static std::span<const Route> Routes();

  using Done = std::function<void(HttpResponse)>;

  Handler(commands::Engine* engine, HandlerOptions options,
          std::shared_ptr<spdlog::logger> access_log);
  // Waits for the admin job in progress.
  ~Handler();

  // Answers `request` by calling `done` once, maybe on another thread.
  void Handle(const HttpRequest& request, Done done);

  // GET /v1/events (any query): what the follower asked for, once its
  // method, the host's secret and its parameters are good (logged as a
  // request that streams); else the answer refusing it, logged and
  // counted. The server then streams (feed_session.h).
  std::variant<FeedRequest, HttpResponse> OpenFeed(
      const HttpRequest& request, std::string_view last_event_id);

  // A response for a request the server refused before handling it
  // (body too large: 413 too_large).
  static HttpResponse Error(const Status& error);
  // The same, for a request the HTTP parser refused (413, malformed),
  // logged and counted like the others; `method` and `target` are what
  // the parser read of the request line, maybe empty.
  HttpResponse Refuse(const Status& error, std::string_view method,
                      std::string_view target);

 private:
  void Command(const HttpRequest& request, Done done);
  // /app/v1/*: who acts comes from the session (pages.h).
  void App(const HttpRequest& request, Done done);
  HttpResponse Session(const SignedIn& person);
  void View(const HttpRequest& request, Done done);
  HttpResponse Admin(const HttpRequest& request);
  HttpResponse Metrics();
  // The request's bearer is `secret` (the scheme's name in any case,
  // RFC 7235; the secret compared in constant time).
  static bool Bears(const HttpRequest& request, std::string_view secret);
  HttpResponse Backup(const boost::json::object& body);
  HttpResponse Erase(const boost::json::object& body);
  void Count(const std::string& op, const std::string& outcome,
             double latency_us);
  void CountView(const std::string& view, std::string_view outcome);
  void CountResponse(int status);

  commands::Engine* const engine_;
  const HandlerOptions options_;
  const std::shared_ptr<spdlog::logger> access_log_;
  const std::optional<Pages> pages_;

  std::mutex metrics_mu_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> commands_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> views_;
  std::map<int, std::uint64_t> responses_;
  std::vector<std::uint64_t> latency_buckets_;  // cumulative per bound
  double latency_sum_us_ = 0;
  std::uint64_t latency_count_ = 0;
  boost::asio::thread_pool admin_;  // one rebuild or backup at a time
};

}  // namespace orgledger::serve

#endif  // ORGLEDGER_TOOLS_SERVE_HANDLER_H_
