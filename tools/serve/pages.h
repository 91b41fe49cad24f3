// People's pages (SPEC §8): the pages and their assets, built into the
// binary from tools/serve/web/, and who is signed in for the pages' API
// (/app/v1/*): a session cookie signed with the session key, or the
// headers of an authenticating reverse proxy at a trusted address. Every
// change request must come from this server's own pages (Origin) and carry
// the session's CSRF token. Plain C++: the handler calls it, the server
// owns the sockets.
#ifndef ORGLEDGER_TOOLS_SERVE_PAGES_H_
#define ORGLEDGER_TOOLS_SERVE_PAGES_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "tools/serve/session.h"

namespace orgledger::serve {

struct HttpRequest;
struct HttpResponse;

struct PagesOptions {
  // The key sessions are signed with (--session-key-file).
  std::string session_key;
  // --dev-login: a sign-in form where one types an id, email and name,
  // answered on loopback only, every page saying so.
  bool dev_login = false;
  // --identity-header-prefix ("X-Forwarded-"): the proxy's headers
  // PREFIX-User, PREFIX-Email and PREFIX-Preferred-Username, believed only
  // from the --trusted-proxy addresses. Empty: no proxy.
  std::string identity_header_prefix;
  std::vector<std::string> trusted_proxies;
  // The pages' origin when set (https://billing.example.com): a change's
  // Origin must be it, and cookies are Secure under https.
  std::string public_url;
  std::chrono::seconds session_lifetime{std::chrono::hours(12)};
};

class Pages {
 public:
  explicit Pages(PagesOptions options);

  // A page or an asset for GET `path` (query dropped), with its security
  // headers; nullopt when `path` is neither.
  std::optional<HttpResponse> Page(std::string_view path) const;

  // Who the request is from: the trusted proxy's headers, else a valid
  // session cookie. kUnauthenticated, saying how to sign in, otherwise.
  Result<SignedIn> Who(const HttpRequest& request) const;

  // A change by `person` (any POST of /app/v1 but the sign-in): from this
  // server's own pages and with the session's CSRF token, else
  // kForbidden saying which.
  Status CheckChange(const HttpRequest& request, const SignedIn& person) const;

  // POST /app/v1/signin (--dev-login): the typed person, checked as an
  // actor is, answered with the session cookie.
  HttpResponse SignIn(const HttpRequest& request) const;
  // POST /app/v1/signout: the cookie cleared.
  HttpResponse SignOut() const;

  std::string CsrfToken(const SignedIn& person) const;
  bool dev_login() const { return options_.dev_login; }

  // The headers every page, asset and /app/v1 answer carries (the CSP
  // without inline scripts, no sniffing, no framing, no referrer).
  static void Secure(HttpResponse& response);

 private:
  std::string Cookie(std::string_view value, std::int64_t max_age) const;
  std::string Origin(const HttpRequest& request) const;

  const PagesOptions options_;
  const SessionKeys keys_;
};

}  // namespace orgledger::serve

#endif  // ORGLEDGER_TOOLS_SERVE_PAGES_H_
