// libFuzzer target: the HTTP request path of `serve` — Beast's parser with
// the server's limits, then the handler (bearer check, routing, wire
// decoding, the engine on an in-memory store).
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>

#include "commands/engine.h"
#include "tools/serve/handler.h"

namespace {

orgledger::serve::Handler& TheHandler() {
  static std::unique_ptr<orgledger::commands::Engine> engine = [] {
    orgledger::commands::EngineOptions options;
    options.threads = 1;
    auto engine = orgledger::commands::Engine::OpenWithStore(
        options, orgledger::eventstore::NewMemoryEventStore({}));
    return std::move(engine).value();
  }();
  static orgledger::serve::Handler handler(
      engine.get(),
      orgledger::serve::HandlerOptions{.secret = "fuzz-secret-0123456789"},
      nullptr);
  return handler;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  namespace http = boost::beast::http;
  http::request_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  parser.header_limit(16 << 10);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_done()) return 0;
  const auto& req = parser.get();
  orgledger::serve::HttpRequest request;
  request.method = std::string(req.method_string());
  request.target = std::string(req.target());
  request.authorization = std::string(req[http::field::authorization]);
  request.body = req.body();
  std::promise<orgledger::serve::HttpResponse> answered;
  auto future = answered.get_future();
  TheHandler().Handle(request, [&](orgledger::serve::HttpResponse r) {
    answered.set_value(std::move(r));
  });
  (void)future.get();
  return 0;
}
