#include "tools/serve/handler.h"

#include <spdlog/logger.h>
#include <sys/stat.h>

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <chrono>

#include "domain/context.h"
#include "domain/validation.h"
#include "projections/builtin.h"
#include "tools/mail/message.h"
#include "tools/serve/openapi_document.h"
#include "tools/wire/request.h"
#include "tools/wire/response.h"
#include "tools/wire/strict_json.h"

namespace orgledger::serve {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

// Upper bounds of the latency histogram, in microseconds.
constexpr double kBucketsUs[] = {100,    250,    500,    1000,  2500,
                                 5000,   10000,  25000,  50000, 100000,
                                 250000, 500000, 1000000};

HttpResponse JsonResponse(const json::object& body) {
  HttpResponse r;
  const bool ok = body.contains("ok") && body.at("ok").as_bool();
  if (!ok && body.contains("error")) {
    const std::optional<Code> code =
        CodeFromName(body.at("error").at("code").as_string());
    r.status = wire::HttpStatus(code.value_or(Code::kInternal));
  }
  r.body = wire::ToLine(body) + "\n";
  return r;
}

}  // namespace

Handler::Handler(commands::Engine* engine, HandlerOptions options,
                 std::shared_ptr<spdlog::logger> access_log)
    : engine_(engine),
      options_(std::move(options)),
      access_log_(std::move(access_log)),
      pages_(options_.pages.has_value()
                 ? std::optional<Pages>(std::in_place, *options_.pages)
                 : std::nullopt),
      latency_buckets_(std::size(kBucketsUs), 0),
      admin_(1) {}

Handler::~Handler() { admin_.join(); }

HttpResponse Handler::Error(const Status& error) {
  return JsonResponse(wire::EncodeError(error));
}

HttpResponse Handler::Refuse(const Status& error, std::string_view method,
                             std::string_view target) {
  HttpResponse response = Error(error);
  // The parser's refusals are requests too: in the access log (never
  // their bytes beyond the request line) and in the counts.
  if (access_log_) {
    access_log_->info("method={} target={} status={} refused={}",
                      method.empty() ? "-" : method,
                      target.empty() ? "-" : target, response.status,
                      CodeName(error.code()));
  }
  CountResponse(response.status);
  return response;
}

void Handler::CountResponse(int status) {
  std::lock_guard<std::mutex> lock(metrics_mu_);
  ++responses_[status];
}

namespace {

// 405 naming the methods `target` takes, in the body and in Allow.
HttpResponse MethodNotAllowed(const std::string& target,
                              const std::string& allow) {
  HttpResponse r = Handler::Error(
      Status(Code::kInvalidRequest, target + " takes " + allow + " only"));
  r.status = 405;
  r.allow = allow;
  return r;
}

}  // namespace

namespace {

constexpr Route kRoutes[] = {
    {"/v1/commands", "POST"},      {"/v1/views", "POST"},
    {"/v1/admin/rebuild", "POST"}, {"/v1/admin/backup", "POST"},
    {"/v1/admin/erase", "POST"},   {"/healthz", "GET, HEAD"},
    {"/metrics", "GET, HEAD"},     {"/v1/openapi.json", "GET, HEAD"},
    {"/v1/events", "GET"},         {"/app/v1/session", "GET, HEAD"},
    {"/app/v1/signin", "POST"},    {"/app/v1/signout", "POST"},
    {"/app/v1/commands", "POST"},  {"/app/v1/views", "POST"},
};

}  // namespace

std::span<const Route> Handler::Routes() { return kRoutes; }

bool Handler::Bears(const HttpRequest& request, std::string_view secret) {
  constexpr std::string_view kBearer = "bearer ";
  const std::string_view given = request.authorization;
  if (given.size() < kBearer.size()) return false;
  for (std::size_t i = 0; i < kBearer.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(given[i])) != kBearer[i]) {
      return false;
    }
  }
  return domain::ConstantTimeEquals(given.substr(kBearer.size()), secret);
}

void Handler::Handle(const HttpRequest& request, Done done) {
  const auto start = Clock::now();
  // The access log: method, target, status, time. Never a body (tokens).
  Done logged = [this, start, method = request.method, target = request.target,
                 done = std::move(done)](HttpResponse response) {
    const double us =
        std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    if (access_log_) {
      access_log_->info("method={} target={} status={} us={:.0f} bytes={}",
                        method, target, response.status, us,
                        response.body.size());
    }
    CountResponse(response.status);
    done(std::move(response));
  };
  // The routes table decides what exists and which methods each takes
  // (405 names them); HEAD is answered as GET (the server sends no body).
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (get && pages_.has_value()) {
    std::optional<HttpResponse> page = pages_->Page(
        std::string_view(request.target).substr(0, request.target.find('?')));
    if (page.has_value()) return logged(std::move(*page));
  }
  const Route* route = nullptr;
  for (const Route& r : kRoutes) {
    if (r.path == request.target) route = &r;
  }
  if (route == nullptr) {
    return logged(Error(NotFound("no such endpoint: " + request.target)));
  }
  const bool takes = route->methods == "POST" ? request.method == "POST" : get;
  if (!takes) {
    return logged(
        MethodNotAllowed(request.target, std::string(route->methods)));
  }
  if (request.target == "/healthz") {
    return logged(
        HttpResponse{200, "application/json", "{\"ok\":true}\n", "", {}});
  }
  // The API reference needs no secret: it holds no data.
  if (request.target == "/v1/openapi.json") {
    return logged(HttpResponse{
        200, "application/json", std::string(OpenApiDocument()), "", {}});
  }
  if (request.target.starts_with("/app/")) {
    return App(request, std::move(logged));
  }
  const bool metrics = request.target == "/metrics";
  const bool host =
      request.target == "/v1/commands" || request.target == "/v1/views";
  const bool admin = !metrics && !host;
  const bool open_metrics = metrics && options_.metrics_public;
  if ((admin || metrics) && !open_metrics) {
    if (!options_.admin_secret.has_value()) {
      return logged(Error(
          Status(Code::kForbidden,
                 request.target +
                     " is off: start serve with --admin-secret-file FILE (the "
                     "operator's secret)" +
                     (metrics ? std::string(", or --metrics-public") : ""))));
    }
    if (!Bears(request, *options_.admin_secret)) {
      return logged(
          Error(Status(Code::kUnauthenticated,
                       "missing or wrong Authorization: Bearer <the operator's "
                       "secret, of --admin-secret-file>")));
    }
  }
  if (host && !Bears(request, options_.secret)) {
    return logged(Error(
        Status(Code::kUnauthenticated,
               "missing or wrong Authorization: Bearer <the host's secret, "
               "of --secret-file>")));
  }
  if (metrics) return logged(Metrics());
  if (request.target == "/v1/commands")
    return Command(request, std::move(logged));
  if (request.target == "/v1/views") return View(request, std::move(logged));
  // A rebuild or a backup takes seconds: on the operators' own thread, one
  // at a time, never on the caller's.
  boost::asio::post(admin_, [this, request, logged = std::move(logged)] {
    logged(Admin(request));
  });
}

std::variant<FeedRequest, HttpResponse> Handler::OpenFeed(
    const HttpRequest& request, std::string_view last_event_id) {
  auto refuse = [&](HttpResponse response) {
    if (access_log_) {
      access_log_->info("method={} target={} status={}", request.method,
                        request.target, response.status);
    }
    CountResponse(response.status);
    return response;
  };
  if (request.method != "GET") {
    return refuse(MethodNotAllowed("/v1/events", "GET"));
  }
  if (!Bears(request, options_.secret)) {
    return refuse(Error(
        Status(Code::kUnauthenticated,
               "missing or wrong Authorization: Bearer <the host's secret, "
               "of --secret-file>")));
  }
  Result<FeedRequest> feed = ParseFeedRequest(request.target, last_event_id);
  if (!feed.ok()) return refuse(Error(feed.status()));
  if (access_log_) {
    access_log_->info("method={} target={} status=200 events feed from={}",
                      request.method, request.target, feed->next);
  }
  CountResponse(200);
  return std::move(*feed);
}

void Handler::Command(const HttpRequest& request, Done done) {
  const auto start = Clock::now();
  Result<wire::Request> decoded = wire::DecodeRequest(request.body);
  if (!decoded.ok()) {
    Count("-", std::string(CodeName(decoded.status().code())), 0);
    return done(Error(decoded.status()));
  }
  auto* command = std::get_if<wire::CommandWire>(&*decoded);
  if (command == nullptr) {
    return done(Error(Status(Code::kInvalidRequest,
                             "a view goes to /v1/views, not /v1/commands")));
  }
  const std::string op(
      domain::CommandOpName(command->request.envelope.command));
  const std::string org = command->request.envelope.org;
  engine_->ExecuteAsync(
      std::move(command->request),
      [this, op, org, start,
       done = std::move(done)](commands::CommandOutcome o) {
        const double us =
            std::chrono::duration<double, std::micro>(Clock::now() - start)
                .count();
        Count(op, o.ok() ? "ok" : std::string(CodeName(o.error.code())), us);
        boost::json::object answer = wire::EncodeOutcome(o);
        // A new link's page, the token in the fragment (never sent to a
        // server by a browser). A replay has no token, so no url.
        if (o.ok() && o.token.has_value() && !options_.public_url.empty()) {
          answer["url"] = mail::PublicUrl(
              options_.public_url, "/orgs/" + org + "/join#token=" + *o.token);
        }
        done(JsonResponse(std::move(answer)));
      });
}

void Handler::App(const HttpRequest& request, Done done) {
  if (!pages_.has_value()) {
    return done(
        Error(NotFound("the pages and their API are off in this handler")));
  }
  auto secured = [done = std::move(done)](HttpResponse response) {
    Pages::Secure(response);
    done(std::move(response));
  };
  if (request.target == "/app/v1/signin")
    return secured(pages_->SignIn(request));
  Result<SignedIn> person = pages_->Who(request);
  if (request.target == "/app/v1/session") {
    if (!person.ok() && person.status().code() == Code::kUnauthenticated) {
      return secured(
          JsonResponse(json::object{{"ok", true},
                                    {"signed_in", nullptr},
                                    {"dev_login", pages_->dev_login()},
                                    {"why", person.status().message()}}));
    }
    return secured(person.ok() ? Session(*person) : Error(person.status()));
  }
  if (!person.ok()) return secured(Error(person.status()));
  if (Status s = pages_->CheckChange(request, *person); !s.ok()) {
    return secured(Error(s));
  }
  if (request.target == "/app/v1/signout") return secured(pages_->SignOut());
  // The same bodies as /v1, without who acts: that is the session's.
  const bool command = request.target == "/app/v1/commands";
  const char* who = command ? "actor" : "viewer";
  Result<json::value> parsed = wire::ParseStrictJson(request.body);
  if (!parsed.ok()) return secured(Error(parsed.status()));
  if (!parsed->is_object()) {
    return secured(
        Error(Status(Code::kInvalidRequest, "the body must be a JSON object")));
  }
  json::object& body = parsed->as_object();
  if (body.contains(who)) {
    return secured(Error(
        Status(Code::kInvalidRequest,
               std::string(
                   "the pages' API takes who acts from the session: leave \"") +
                   who + "\" out")));
  }
  body[who] = json::object{
      {"id", person->id}, {"email", person->email}, {"name", person->name}};
  HttpRequest inner;
  inner.body = json::serialize(body);
  return command ? Command(inner, std::move(secured))
                 : View(inner, std::move(secured));
}

HttpResponse Handler::Session(const SignedIn& person) {
  json::array orgs;
  Result<std::vector<projections::OrgRole>> roles =
      projections::OrganizationsOf(engine_->projections(), person.id, 1000);
  if (!roles.ok()) return Error(roles.status());
  for (const projections::OrgRole& r : *roles) {
    orgs.push_back(json::object{{"org", r.org}, {"role", r.role}});
  }
  return JsonResponse(json::object{
      {"ok", true},
      {"signed_in",
       json::object{
           {"id", person.id}, {"email", person.email}, {"name", person.name}}},
      {"dev_login", person.dev},
      {"csrf", pages_->CsrfToken(person)},
      {"organizations", std::move(orgs)}});
}

void Handler::View(const HttpRequest& request, Done done) {
  Result<wire::Request> decoded = wire::DecodeRequest(request.body);
  if (!decoded.ok()) {
    CountView("-", CodeName(decoded.status().code()));
    return done(Error(decoded.status()));
  }
  auto* query = std::get_if<wire::QueryWire>(&*decoded);
  if (query == nullptr) {
    return done(Error(Status(Code::kInvalidRequest,
                             "a command goes to /v1/commands, not /v1/views")));
  }
  // A view waiting for its min_position waits on the engine's thread.
  std::string name = query->request.view;
  engine_->QueryAsync(
      std::move(query->request), query->min_position,
      [this, name = std::move(name),
       done = std::move(done)](Result<projections::View> view) {
        CountView(name, view.ok() ? "ok" : CodeName(view.status().code()));
        done(view.ok() ? JsonResponse(wire::EncodeView(*view))
                       : Error(view.status()));
      });
}

HttpResponse Handler::Admin(const HttpRequest& request) {
  Result<json::value> parsed = request.body.empty()
                                   ? Result<json::value>(json::object())
                                   : wire::ParseStrictJson(request.body);
  if (!parsed.ok()) return Error(parsed.status());
  const json::value& body = *parsed;
  if (!body.is_object()) {
    return Error(
        Status(Code::kInvalidRequest, "the body must be a JSON object"));
  }
  const json::object& o = body.as_object();
  if (request.target == "/v1/admin/rebuild") {
    std::string projection;
    for (const auto& kv : o) {
      if (kv.key() != "projection" || !kv.value().is_string()) {
        return Error(Status(Code::kInvalidRequest,
                            "rebuild takes {\"projection\": NAME} or {}"));
      }
      projection = std::string(kv.value().as_string());
    }
    Status s = engine_->projections().Rebuild(projection, nullptr);
    if (!s.ok()) return Error(s);
    return JsonResponse(
        json::object{{"ok", true},
                     {"projection", projection.empty() ? "all" : projection},
                     {"position", engine_->projections().checkpoint()}});
  }
  if (request.target == "/v1/admin/erase") return Erase(o);
  return Backup(o);
}

HttpResponse Handler::Erase(const json::object& body) {
  commands::EraseRequest request;
  const char* usage =
      "erase takes {\"user_id\": ID} or {\"email\": EMAIL}, with "
      "\"by\": the operator who erases";
  for (const auto& kv : body) {
    if (!kv.value().is_string())
      return Error(Status(Code::kInvalidRequest, usage));
    std::string value(kv.value().as_string());
    if (kv.key() == "user_id") {
      request.user_id = std::move(value);
    } else if (kv.key() == "email") {
      request.email = std::move(value);
    } else if (kv.key() == "by") {
      request.by = std::move(value);
    } else {
      return Error(Status(Code::kInvalidRequest, usage));
    }
  }
  Result<commands::EraseReport> report = engine_->Erase(request);
  if (!report.ok()) return Error(report.status());
  return JsonResponse(wire::EncodeEraseReport(*report));
}

HttpResponse Handler::Backup(const json::object& body) {
  if (options_.backup_dir.empty()) {
    return Error(Status(
        Code::kForbidden,
        "backups are off: start serve with --backup-dir DIR, under which "
        "each backup is written by name"));
  }
  const json::value* name = body.if_contains("name");
  if (name == nullptr || !name->is_string() || body.size() != 1) {
    return Error(Status(Code::kInvalidRequest,
                        "backup takes {\"name\": NAME}, written under "
                        "--backup-dir"));
  }
  const std::string plain(name->as_string());
  if (Status s = domain::ValidateSlug("name", plain); !s.ok()) {
    return Error(InvalidArgument(
        "a backup's name is a plain name under --backup-dir: 1-100 of "
        "A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or a digit "
        "(no '/', no '..')"));
  }
  const std::string to = options_.backup_dir + "/" + plain;
  const eventstore::Position position = engine_->store().CommittedPosition();
  Status s = engine_->store().Checkpoint(to);
  if (!s.ok()) return Error(s);
  ::chmod(to.c_str(), 0700);
  return JsonResponse(json::object{
      {"ok", true}, {"name", plain}, {"to", to}, {"position", position}});
}

void Handler::Count(const std::string& op, const std::string& outcome,
                    double latency_us) {
  std::lock_guard<std::mutex> lock(metrics_mu_);
  ++commands_[{op, outcome}];
  if (op == "-") return;
  latency_sum_us_ += latency_us;
  ++latency_count_;
  for (std::size_t i = 0; i < std::size(kBucketsUs); ++i) {
    if (latency_us <= kBucketsUs[i]) ++latency_buckets_[i];
  }
}

void Handler::CountView(const std::string& view, std::string_view outcome) {
  std::lock_guard<std::mutex> lock(metrics_mu_);
  ++views_[{view, std::string(outcome)}];
}

namespace {

// A counter family keyed by (`label`, outcome), in Prometheus' text format.
template <typename Counts>
void CounterFamily(std::string& out, const std::string& name,
                   const std::string& help, const std::string& label,
                   const Counts& counts) {
  out += "# HELP " + name + " " + help + "\n";
  out += "# TYPE " + name + " counter\n";
  for (const auto& [key, n] : counts) {
    out += name + "{" + label + "=\"" + key.first + "\",outcome=\"" +
           key.second + "\"} " + std::to_string(n) + "\n";
  }
}

}  // namespace

HttpResponse Handler::Metrics() {
  std::string out;
  std::lock_guard<std::mutex> lock(metrics_mu_);
  CounterFamily(out, "orgledger_commands_total", "Commands by op and outcome.",
                "op", commands_);
  CounterFamily(out, "orgledger_views_total", "Views by name and outcome.",
                "view", views_);
  out += "# HELP orgledger_http_responses_total HTTP responses by status.\n";
  out += "# TYPE orgledger_http_responses_total counter\n";
  for (const auto& [status, n] : responses_) {
    out += "orgledger_http_responses_total{status=\"" + std::to_string(status) +
           "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP orgledger_command_latency_seconds Command latency.\n";
  out += "# TYPE orgledger_command_latency_seconds histogram\n";
  for (std::size_t i = 0; i < std::size(kBucketsUs); ++i) {
    out += "orgledger_command_latency_seconds_bucket{le=\"" +
           std::to_string(kBucketsUs[i] / 1e6) + "\"} " +
           std::to_string(latency_buckets_[i]) + "\n";
  }
  out += "orgledger_command_latency_seconds_bucket{le=\"+Inf\"} " +
         std::to_string(latency_count_) + "\n";
  out += "orgledger_command_latency_seconds_sum " +
         std::to_string(latency_sum_us_ / 1e6) + "\n";
  out += "orgledger_command_latency_seconds_count " +
         std::to_string(latency_count_) + "\n";
  const eventstore::Position head = engine_->store().CommittedPosition();
  const eventstore::Position projected = engine_->projections().checkpoint();
  out += "# HELP orgledger_log_position The last committed log position.\n";
  out += "# TYPE orgledger_log_position gauge\n";
  out += "orgledger_log_position " + std::to_string(head) + "\n";
  out += "# HELP orgledger_projection_lag Events the projections are behind.\n";
  out += "# TYPE orgledger_projection_lag gauge\n";
  out += "orgledger_projection_lag " +
         std::to_string(head > projected ? head - projected : 0) + "\n";
  if (options_.mailer != nullptr) {
    const mail::MailerCounts m = options_.mailer->counts();
    auto counter = [&](const char* name, const char* help, std::uint64_t n) {
      out += std::string("# HELP ") + name + " " + help + "\n";
      out += std::string("# TYPE ") + name + " counter\n";
      out += std::string(name) + " " + std::to_string(n) + "\n";
    };
    counter("orgledger_mail_sent_total", "Invitation emails delivered.",
            m.sent);
    counter("orgledger_mail_retried_total",
            "Failed tries of invitation emails, tried again.", m.retried);
    counter("orgledger_mail_given_up_total",
            "Invitation emails permanently refused, given up.", m.given_up);
    out += "# HELP orgledger_mail_queued Invitation emails waiting.\n";
    out += "# TYPE orgledger_mail_queued gauge\n";
    out += "orgledger_mail_queued " + std::to_string(m.queued) + "\n";
  }
  if (options_.feed != nullptr) {
    out += "# HELP orgledger_feed_followers Followers of GET /v1/events.\n";
    out += "# TYPE orgledger_feed_followers gauge\n";
    out += "orgledger_feed_followers " +
           std::to_string(options_.feed->followers()) + "\n";
    out +=
        "# HELP orgledger_feed_idle Followers waiting for the log to grow.\n";
    out += "# TYPE orgledger_feed_idle gauge\n";
    out +=
        "orgledger_feed_idle " + std::to_string(options_.feed->idle()) + "\n";
  }
  // What the store reports of itself (RocksDB's memory, the PostgreSQL
  // server's fsync and synchronous_commit), one gauge each.
  for (const eventstore::StoreGauge& g : engine_->store().Stats().gauges) {
    out += "# TYPE orgledger_store_" + g.name + " gauge\n";
    out += "orgledger_store_" + g.name + " " + std::to_string(g.value) + "\n";
  }
  return HttpResponse{200, "text/plain; version=0.0.4", out, "", {}};
}

}  // namespace orgledger::serve
