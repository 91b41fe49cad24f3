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
#include <cstdio>
#include <fstream>
#include <optional>
#include <thread>

#include "commands/system_context.h"
#include "tools/database.h"
#include "tools/serve/handler.h"
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
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Shared* shared)
      : stream_(std::move(socket)), shared_(shared) {}

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
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      keep_alive_ = false;
      refused_ = true;
      ++shared_->in_flight;
      return Write(Handler::Error(Status(
          Code::kTooLarge,
          ec == http::error::body_limit
              ? "request body over " +
                    std::to_string(shared_->options->max_body_bytes) + " bytes"
              : "request headers too large")));
    }
    if (ec) {
      keep_alive_ = false;
      ++shared_->in_flight;
      return Write(Handler::Error(Status(
          Code::kInvalidRequest, "malformed HTTP request: " + ec.message())));
    }
    const http::request<http::string_body>& req = parser_->get();
    keep_alive_ = req.keep_alive() && !shared_->draining.load();
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.authorization = std::string(req[http::field::authorization]);
    request.body = req.body();
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

  void Write(HttpResponse r) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "orgledger");
    res->set(http::field::content_type, r.content_type);
    res->keep_alive(keep_alive_);
    res->body() = std::move(r.body);
    res->prepare_payload();
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
  // closing does not reset the connection before it read our answer.
  void Linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(2));
    stream_.async_read_some(
        asio::buffer(drain_),
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->Close();
          self->Linger();
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
  bool keep_alive_ = true;
  bool refused_ = false;
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

// The secret from `path`, or a new random one written there (mode 0600)
// and printed once.
Result<std::string> LoadSecret(const std::string& path) {
  if (path.empty()) return InvalidArgument("--secret-file is required");
  Result<std::string> text = tools::ReadFile(path);
  if (!text.ok()) {
    const std::string secret = commands::RandomBase64Url(32);
    std::ofstream out(path, std::ios::trunc);
    out << secret << "\n";
    out.close();
    if (!out) return Unavailable("cannot write a new secret to " + path);
    ::chmod(path.c_str(), 0600);
    std::printf("orgledger: generated a new secret in %s (shown once): %s\n",
                path.c_str(), secret.c_str());
    std::fflush(stdout);
    return secret;
  }
  std::string secret = *text;
  while (!secret.empty() &&
         std::isspace(static_cast<unsigned char>(secret.back()))) {
    secret.pop_back();
  }
  if (secret.size() < 16) {
    return InvalidArgument("the secret in " + path +
                           " is shorter than 16 characters");
  }
  return secret;
}

Result<tcp::endpoint> ParseListen(const std::string& listen) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos)
    return InvalidArgument("--listen must be HOST:PORT");
  boost::system::error_code ec;
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[')
    host = host.substr(1, host.size() - 2);
  const asio::ip::address address = asio::ip::make_address(host, ec);
  int port = -1;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
  }
  if (ec || port < 0 || port > 65535) {
    return InvalidArgument(
        "--listen must be HOST:PORT with an IP address, not " + listen);
  }
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

}  // namespace

int RunServe(const ServeOptions& options) {
  auto log = spdlog::stderr_logger_mt("orgledger");
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v",
                   spdlog::pattern_time_type::utc);
  Result<tcp::endpoint> endpoint = ParseListen(options.listen);
  if (!endpoint.ok()) return tools::Fail(endpoint.status());
  Result<std::string> secret = LoadSecret(options.secret_file);
  if (!secret.ok()) return tools::Fail(secret.status());

  commands::EngineOptions engine_options;
  tools::ApplyWhere(options.where, &engine_options);
  engine_options.logger = log;
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
  Result<std::unique_ptr<commands::Engine>> engine =
      tools::OpenEngine(std::move(engine_options), "serve");
  if (!engine.ok()) return tools::Fail(engine.status());

  for (const eventstore::StoreGauge& g : (*engine)->store().Stats().gauges) {
    if (g.name.starts_with("postgres_")) {
      log->info("store setting {} = {}", g.name.substr(9),
                g.value != 0 ? "on" : "off");
    }
  }
  Handler handler(engine->get(), *secret, log);
  Shared shared{&handler, &options, {0}, {false}, log};
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
  Accept(acceptor, io, &shared);
  const std::string bound = acceptor.local_endpoint().address().to_string() +
                            ":" +
                            std::to_string(acceptor.local_endpoint().port());
  log->info("listening on {} ({} {}, {} durability)", bound,
            options.where.postgres() ? "store" : "data",
            options.where.Describe(), options.durability);
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
  engine->reset();
  log->info("stopped; the database is closed");
  return tools::kExitOk;
}

}  // namespace orgledger::serve
