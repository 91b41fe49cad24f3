// A request and its answer as the handler sees them: what the server read
// off the socket and what it writes back, without Beast.
#ifndef ORGLEDGER_TOOLS_SERVE_HTTP_TYPES_H_
#define ORGLEDGER_TOOLS_SERVE_HTTP_TYPES_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orgledger::serve {

struct HttpRequest {
  std::string method;         // "GET", "POST", ...
  std::string target;         // "/v1/commands"
  std::string authorization;  // the Authorization header, "" if none
  std::string body;
  // The peer's address ("127.0.0.1", "::1"), for --trusted-proxy and
  // --dev-login's loopback check.
  std::string peer;
  // The other headers, names lower-cased, for the pages' requests only
  // (/v1 does not need them).
  std::vector<std::pair<std::string, std::string>> headers;

  // The first header named `lower_name`, or "".
  std::string_view Header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lower_name) return value;
    }
    return {};
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string allow;  // the Allow header of a 405, else empty
  // Other headers (Set-Cookie, Content-Security-Policy, ...).
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace orgledger::serve

#endif  // ORGLEDGER_TOOLS_SERVE_HTTP_TYPES_H_
