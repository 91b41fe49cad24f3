#include "tools/serve/server.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <thread>
#include <variant>

#include "commands/system_context.h"
#include "tools/database.h"
#include "tools/mail/mailer.h"
#include "tools/mail/message.h"
#include "tools/serve/feed.h"
#include "tools/serve/feed_session.h"
#include "tools/serve/handler.h"
#include "tools/serve/secret_file.h"
#include "tools/wire/request.h"

namespace orgledger::serve {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// What every connection shares.
struct Shared {
  Handler* handler;
  const ServeOptions* options;
  std::atomic<int> in_flight{0};
  std::atomic<bool> draining{false};
  std::shared_ptr<spdlog::logger> log;
  FeedHub* feed = nullptr;
};

// The target's path, without its query.
std::string_view PathOf(std::string_view target) {
  return target.substr(0, target.find('?'));
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Shared* shared)
      : stream_(std::move(socket)),
        shared_(shared),
        retire_at_(std::chrono::steady_clock::now() +
                   shared->options->max_connection_age) {}

  void Start() { Read(); }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(shared_->options->max_body_bytes);
    parser_->header_limit(
        static_cast<std::uint32_t>(shared_->options->max_header_bytes));
    stream_.expires_after(shared_->options->timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::eof) {
      return Close();
    }
    if (ec) {
      // Refused by the parser; the request line as far as it was read
      // (empty when it was not: Beast stores it once it checked it), for
      // the access log.
      const std::string method(parser_->get().method_string());
      const std::string target(parser_->get().target());
      keep_alive_ = false;
      ++shared_->in_flight;
      Status refusal(Code::kInvalidRequest,
                     "malformed HTTP request: " + ec.message());
      if (ec == http::error::body_limit || ec == http::error::header_limit) {
        refused_ = true;  // the body was not read: linger before closing
        refusal =
            Status(Code::kTooLarge,
                   ec == http::error::body_limit
                       ? "request body over " +
                             std::to_string(shared_->options->max_body_bytes) +
                             " bytes"
                       : "request headers too large");
      }
      return Write(shared_->handler->Refuse(refusal, method, target));
    }
    const http::request<http::string_body>& req = parser_->get();
    // Past its age a connection answers this request and closes, so that
    // no client holds one for ever, however busy it keeps it.
    keep_alive_ = req.keep_alive() && !shared_->draining.load() &&
                  std::chrono::steady_clock::now() < retire_at_;
    HttpRequest request;
    request.method = std::string(req.method_string());
    head_ = req.method() == http::verb::head;
    request.target = std::string(req.target());
    request.authorization = std::string(req[http::field::authorization]);
    request.body = req.body();
    if (!request.target.starts_with("/v1/")) {
      // The pages' requests: who is signed in, from where (pages.h).
      beast::error_code ec;
      const tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
      if (!ec) request.peer = peer.address().to_string();
      for (const auto& field : req) {
        std::string name(field.name_string());
        for (char& c : name) {
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        request.headers.emplace_back(std::move(name),
                                     std::string(field.value()));
      }
    }
    if (PathOf(request.target) == "/v1/events") return Follow(request, req);
    ++shared_->in_flight;
    // The handler may answer on an engine thread: back to this
    // connection's strand to write.
    shared_->handler->Handle(
        request, [self = shared_from_this()](HttpResponse response) {
          asio::post(self->stream_.get_executor(),
                     [self, response = std::move(response)]() mutable {
                       self->Write(std::move(response));
                     });
        });
  }

  // The events feed: refused as any request, or the socket handed to a
  // feed session, which outlives this one (not counted in flight: a
  // follower streams until it or the server stops).
  void Follow(const HttpRequest& request,
              const http::request<http::string_body>& req) {
    std::variant<FeedRequest, HttpResponse> opened =
        shared_->handler->OpenFeed(request, std::string(req["Last-Event-ID"]));
    if (auto* refusal = std::get_if<HttpResponse>(&opened)) {
      ++shared_->in_flight;
      return Write(std::move(*refusal));
    }
    FeedSessionOptions options;
    options.write_timeout = shared_->options->timeout;
    options.heartbeat = shared_->options->feed_heartbeat;
    stream_.expires_never();
    StartFeed(stream_.release_socket(), shared_->feed,
              std::move(std::get<FeedRequest>(opened)), options, shared_->log);
  }

  void Write(HttpResponse r) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "orgledger");
    res->set(http::field::content_type, r.content_type);
    res->keep_alive(keep_alive_);
    if (!r.allow.empty()) res->set(http::field::allow, r.allow);
    for (const auto& [name, value] : r.headers) res->insert(name, value);
    if (head_) {
      // The headers GET would have, without the body (RFC 9110 §9.3.2).
      res->content_length(r.body.size());
    } else {
      res->body() = std::move(r.body);
      res->prepare_payload();
    }
    stream_.expires_after(shared_->options->timeout);
    http::async_write(
        stream_, *res,
        [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
          --self->shared_->in_flight;
          if (ec) return self->Close();
          if (self->refused_) return self->Linger();
          if (!self->keep_alive_ || self->shared_->draining.load()) {
            return self->Close();
          }
          self->Read();
        });
  }

  // After refusing a request whose body was not read (413): stop sending,
  // then read and drop what the client still sends for a moment, so that
  // closing does not reset the connection before it read our answer. The
  // moment is one deadline, not restarted by what arrives: a client
  // trickling bytes is closed on time.
  void Linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::min<std::chrono::milliseconds>(
        shared_->options->timeout, std::chrono::seconds(2)));
    Drain();
  }
  void Drain() {
    stream_.async_read_some(
        asio::buffer(drain_),
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->Close();
          self->Drain();
        });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Shared* shared_;
  const std::chrono::steady_clock::time_point retire_at_;
  bool keep_alive_ = true;
  bool refused_ = false;
  bool head_ = false;  // the request being answered is a HEAD
  char drain_[16384];
};

void Accept(tcp::acceptor& acceptor, asio::io_context& io, Shared* shared) {
  acceptor.async_accept(
      asio::make_strand(io),
      [&acceptor, &io, shared](beast::error_code ec, tcp::socket socket) {
        if (ec) {
          if (ec == asio::error::operation_aborted) return;  // shutting down
          shared->log->warn("accept failed: {}", ec.message());
        } else {
          std::make_shared<Session>(std::move(socket), shared)->Start();
        }
        if (acceptor.is_open()) Accept(acceptor, io, shared);
      });
}

// A secret file read now; created (and printed once) by Create() after the
// server has bound its address and opened its database, so a failed start
// leaves no new secret behind.
class Secret {
 public:
  static Result<Secret> Read(std::string flag, std::string path) {
    Result<std::optional<std::string>> read = ReadSecretFile(flag, path);
    if (!read.ok()) return read.status();
    Secret s;
    s.flag_ = std::move(flag);
    s.path_ = std::move(path);
    s.value_ = std::move(*read);
    return s;
  }
  // Writes a new secret where there was none; shows it once unless it is
  // a key no person types (the session key).
  Status Create(bool show = true) {
    if (value_.has_value()) return Status::Ok();
    Result<std::string> made = CreateSecretFile(flag_, path_);
    if (!made.ok()) return made.status();
    std::printf("orgledger: generated a new secret for %s in %s%s%s\n",
                flag_.c_str(), path_.c_str(), show ? " (shown once): " : "",
                show ? made->c_str() : "");
    std::fflush(stdout);
    value_ = std::move(*made);
    return Status::Ok();
  }
  const std::optional<std::string>& value() const { return value_; }

 private:
  std::string flag_;
  std::string path_;
  std::optional<std::string> value_;
};

// `dir` as a directory only its owner may enter: created 0700 when missing.
Status PrepareBackupDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return InvalidArgument("--backup-dir " + dir +
                           ": cannot create it: " + std::strerror(errno));
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return InvalidArgument("--backup-dir " + dir + " is not a directory");
  }
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) {
    return InvalidArgument("--backup-dir " + dir +
                           ": cannot make it 0700: " + std::strerror(errno));
  }
  return Status::Ok();
}

Result<tcp::endpoint> ParseListen(const std::string& listen) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos)
    return InvalidArgument("--listen must be HOST:PORT");
  boost::system::error_code ec;
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[')
    host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";  // loopback, never resolved
  const asio::ip::address address = asio::ip::make_address(host, ec);
  int port = -1;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
  }
  if (ec || port < 0 || port > 65535) {
    return InvalidArgument(
        "--listen must be HOST:PORT with an IP address or localhost, not " +
        listen);
  }
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

// Where the mailer records an email it gave up: the engine, once open.
using EngineSlot = std::shared_ptr<std::atomic<commands::Engine*>>;

// Records a given-up email in the log (record_invite_email_failure, as the
// system actor "mailer"), so that every replica's views show it on the
// pending invitation. Keyed by the email's position: a retry after a
// crash is answered as replayed.
mail::GivenUp RecordGivenUp(EngineSlot slot,
                            std::shared_ptr<spdlog::logger> log) {
  return [slot, log](const projections::InviteEmail& e,
                     const mail::SendResult& r) {
    commands::Engine* engine = slot->load();
    if (engine == nullptr) return;
    commands::CommandRequest request;
    request.envelope.org = e.org;
    request.envelope.actor = domain::Actor::System("mailer");
    std::string reason =
        r.detail.empty() ? "refused by the mail server" : r.detail;
    if (reason.size() > 500) reason.resize(500);
    request.envelope.command =
        domain::RecordInviteEmailFailure{e.invite_id, std::move(reason)};
    request.idempotency_key = "email-failed-" + std::to_string(e.position);
    commands::CommandOutcome o = engine->Execute(std::move(request));
    if (!o.ok()) {
      // Accepted or revoked meanwhile: nothing to show.
      log->info("mail: the failure of {}'s email was not recorded: {}",
                e.invite_id, o.error.ToString());
    }
  };
}

mail::MailerOptions MailerOptionsOf(const ServeOptions& options) {
  mail::MailerOptions m;
  m.first_retry = options.mail_first_retry;
  return m;
}

// The mail queue serve's flags ask for: SMTP, the development sink (the
// log), or none (null).
Result<std::unique_ptr<mail::Mailer>> StartMail(
    const ServeOptions& options, const std::shared_ptr<spdlog::logger>& log,
    const EngineSlot& engine) {
  if (options.smtp.url.empty()) {
    if (!options.dev_mail_log) return std::unique_ptr<mail::Mailer>();
    const std::string public_url = options.public_url.empty()
                                       ? "http://" + options.listen
                                       : options.public_url;
    mail::Transport sink = [log,
                            public_url](const projections::InviteEmail& e) {
      log->info(
          "mail (development sink, not sent): to={} org={} role={} "
          "invite={} url={}",
          e.email, e.org, e.role, e.invite_id, mail::InviteUrl(public_url, e));
      return mail::SendResult{mail::SendResult::Kind::kSent, 250, ""};
    };
    return std::make_unique<mail::Mailer>(std::move(sink),
                                          MailerOptionsOf(options), log,
                                          RecordGivenUp(engine, log));
  }
  if (options.public_url.empty()) {
    return InvalidArgument(
        "--smtp needs --public-url: the emails carry the acceptance page's "
        "URL");
  }
  if (!options.public_url.starts_with("https://") &&
      !options.public_url.starts_with("http://")) {
    return InvalidArgument(
        "--public-url must be an http:// or https:// URL, "
        "not " +
        options.public_url);
  }
  mail::SmtpOptions smtp = options.smtp;
  if (smtp.from.empty()) {
    return InvalidArgument("--smtp needs --mail-from ADDRESS: the sender");
  }
  if (Status s = mail::CheckSmtpOptions(smtp); !s.ok()) return s;
  if (!options.smtp_password_file.empty()) {
    Result<std::optional<std::string>> password =
        ReadPasswordFile("--smtp-password-file", options.smtp_password_file);
    if (!password.ok()) return password.status();
    if (!password->has_value()) {
      return InvalidArgument("--smtp-password-file " +
                             options.smtp_password_file + " does not exist");
    }
    smtp.password = **password;
  }
  log->info("mail: invitation emails over {} from {}", smtp.url, smtp.from);
  mail::Transport transport = [smtp, public_url = options.public_url](
                                  const projections::InviteEmail& e) {
    return mail::SendSmtp(smtp, e.email,
                          mail::InviteMessage(e, smtp.from, public_url,
                                              commands::SystemNowMicros()));
  };
  return std::make_unique<mail::Mailer>(std::move(transport),
                                        MailerOptionsOf(options), log,
                                        RecordGivenUp(engine, log));
}

}  // namespace

int RunServe(const ServeOptions& options) {
  auto log = spdlog::stderr_logger_mt("orgledger");
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v",
                   spdlog::pattern_time_type::utc);
  Result<tcp::endpoint> endpoint = ParseListen(options.listen);
  if (!endpoint.ok()) return tools::Fail(endpoint.status());
  Result<Secret> secret = Secret::Read("--secret-file", options.secret_file);
  if (!secret.ok()) return tools::Fail(secret.status());
  std::optional<Secret> admin_secret;
  if (!options.admin_secret_file.empty()) {
    if (options.admin_secret_file == options.secret_file) {
      return tools::Fail(InvalidArgument(
          "--admin-secret-file must be another file than --secret-file: the "
          "operator's secret opens what the host's may not"));
    }
    Result<Secret> read =
        Secret::Read("--admin-secret-file", options.admin_secret_file);
    if (!read.ok()) return tools::Fail(read.status());
    admin_secret = std::move(*read);
  }
  if (options.dev_login && !endpoint->address().is_loopback()) {
    return tools::Fail(InvalidArgument(
        "--dev-login lets anyone sign in as anyone: it answers on loopback "
        "only (--listen 127.0.0.1:PORT), never on " +
        options.listen));
  }
  if (!options.identity_header_prefix.empty() &&
      options.trusted_proxies.empty()) {
    return tools::Fail(InvalidArgument(
        "--identity-header-prefix needs --trusted-proxy ADDRESS: the "
        "identity headers are believed from the proxy's address only"));
  }
  std::optional<Secret> session_key;
  if (!options.session_key_file.empty()) {
    Result<Secret> read =
        Secret::Read("--session-key-file", options.session_key_file);
    if (!read.ok()) return tools::Fail(read.status());
    session_key = std::move(*read);
  }
  if (!options.backup_dir.empty()) {
    if (Status s = PrepareBackupDir(options.backup_dir); !s.ok()) {
      return tools::Fail(s);
    }
  }

  auto engine_slot = std::make_shared<std::atomic<commands::Engine*>>(nullptr);
  Result<std::unique_ptr<mail::Mailer>> mailer =
      StartMail(options, log, engine_slot);
  if (!mailer.ok()) return tools::Fail(mailer.status());

  commands::EngineOptions engine_options;
  tools::ApplyWhere(options.where, &engine_options);
  engine_options.logger = log;
  if (*mailer != nullptr) {
    engine_options.invite_email_acceptor = (*mailer)->Acceptor();
    engine_options.invite_email_backlog = options.mail_backlog;
  }
  if (options.durability == "buffered") {
    engine_options.store.durability = eventstore::Durability::kBuffered;
  }
  if (!options.editions_file.empty()) {
    Result<std::string> text = tools::ReadFile(options.editions_file);
    if (!text.ok()) return tools::Fail(text.status());
    Result<domain::EditionCatalog> editions = wire::DecodeEditions(*text);
    if (!editions.ok()) return tools::Fail(editions.status());
    engine_options.editions = std::move(*editions);
  }
  Result<std::unique_ptr<commands::Engine>> engine = tools::OpenEngine(
      std::move(engine_options), "serve", tools::IfMissing::kCreate);
  if (!engine.ok()) return tools::Fail(engine.status());
  engine_slot->store(engine->get());

  for (const eventstore::StoreGauge& g : (*engine)->store().Stats().gauges) {
    if (g.name.starts_with("postgres_")) {
      log->info("store setting {} = {}", g.name.substr(9),
                g.value != 0 ? "on" : "off");
    }
  }
  asio::io_context io(options.threads);
  tcp::acceptor acceptor(io);
  beast::error_code ec;
  acceptor.open(endpoint->protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return tools::Fail(Unavailable("cannot listen on " + options.listen + ": " +
                                   ec.message()));
  }
  // The address and the database are good: now a missing secret is made.
  if (Status s = secret->Create(); !s.ok()) return tools::Fail(s);
  if (admin_secret.has_value()) {
    if (Status s = admin_secret->Create(); !s.ok()) return tools::Fail(s);
    if (*admin_secret->value() == *secret->value()) {
      return tools::Fail(InvalidArgument(
          "--admin-secret-file holds the same secret as --secret-file: the "
          "operator's secret must be its own"));
    }
  }
  PagesOptions pages;
  if (session_key.has_value()) {
    if (Status s = session_key->Create(false); !s.ok()) return tools::Fail(s);
    pages.session_key = *session_key->value();
  } else {
    pages.session_key = commands::RandomBase64Url(32);
    log->warn(
        "no --session-key-file: the pages' sessions end when this server "
        "stops, and other replicas do not accept them");
  }
  pages.dev_login = options.dev_login;
  pages.identity_header_prefix = options.identity_header_prefix;
  pages.trusted_proxies = options.trusted_proxies;
  pages.public_url = options.public_url;
  pages.session_lifetime = options.session_lifetime;
  HandlerOptions handler_options;
  handler_options.pages = std::move(pages);
  handler_options.secret = *secret->value();
  if (admin_secret.has_value()) {
    handler_options.admin_secret = *admin_secret->value();
  }
  handler_options.metrics_public = options.metrics_public;
  handler_options.backup_dir = options.backup_dir;
  std::optional<FeedHub> feed;
  feed.emplace(&(*engine)->store());
  handler_options.feed = &*feed;
  handler_options.mailer = mailer->get();
  handler_options.public_url = options.public_url;
  std::optional<Handler> handler;
  handler.emplace(engine->get(), std::move(handler_options), log);
  Shared shared{&*handler, &options, {0}, {false}, log, &*feed};
  Accept(acceptor, io, &shared);
  const std::string bound = acceptor.local_endpoint().address().to_string() +
                            ":" +
                            std::to_string(acceptor.local_endpoint().port());
  log->info("listening on {} ({} {}, {} durability)", bound,
            options.where.postgres() ? "store" : "data",
            options.where.Describe(), options.durability);
  if (options.dev_login) {
    log->info(
        "the pages: open {} in a browser (development sign-in: anyone may "
        "sign in as anyone, loopback only)",
        mail::PublicUrl(
            options.public_url.empty() ? "http://" + bound : options.public_url,
            "/"));
  }
  if (!acceptor.local_endpoint().address().is_loopback()) {
    log->warn(
        "listening on {}, not a loopback address: other machines can reach "
        "this server; put it behind the host's own front door (TLS, rate "
        "limits)",
        bound);
  }
  std::printf("orgledger: listening on %s\n", bound.c_str());
  std::fflush(stdout);

  // Graceful shutdown: stop accepting, let requests in flight finish (at
  // most 30 s), then stop; the engine then finishes its own commands.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer drain(io);
  std::function<void(int)> wait_drained = [&](int left) {
    if (shared.in_flight.load() == 0 || left == 0) return io.stop();
    drain.expires_after(std::chrono::milliseconds(10));
    drain.async_wait([&, left](beast::error_code) { wait_drained(left - 1); });
  };
  signals.async_wait([&](beast::error_code, int signal) {
    log->info("signal {}: draining {} request(s) in flight", signal,
              shared.in_flight.load());
    shared.draining = true;
    beast::error_code ignored;
    acceptor.close(ignored);
    wait_drained(3000);
  });

  std::vector<std::thread> threads;
  for (int i = 1; i < options.threads; ++i)
    threads.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  handler.reset();  // waits for an admin job still running
  feed->Stop();     // its readers use the store
  // No email is done after this (the outbox's callbacks): what is still
  // queued is sent after a restart.
  if (*mailer != nullptr) (*mailer)->Stop();
  engine_slot->store(nullptr);
  engine->reset();
  log->info("stopped; the database is closed");
  return tools::kExitOk;
}

}  // namespace orgledger::serve
