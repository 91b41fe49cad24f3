#include "tools/serve/pages.h"

#include <boost/json.hpp>
#include <chrono>

#include "domain/context.h"
#include "domain/validation.h"
#include "tools/serve/http_types.h"
#include "tools/serve/web_assets.h"
#include "tools/wire/response.h"
#include "tools/wire/strict_json.h"

namespace orgledger::serve {
namespace {

namespace json = boost::json;

// Scripts and styles from this server's own files only: no inline script,
// no eval, nothing from elsewhere; the pages fetch only this server.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'";

std::int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The paths the one page answers: the script reads the path and draws
// the page it names.
bool IsPagePath(std::string_view path) {
  if (path == "/" || path == "/signin") return true;
  constexpr std::string_view kOrgs = "/orgs/";
  if (!path.starts_with(kOrgs)) return false;
  std::string_view rest = path.substr(kOrgs.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  if (!domain::ValidateSlug("org", std::string(rest.substr(0, slash))).ok()) {
    return false;
  }
  rest = rest.substr(slash);
  if (rest == "/settings/billing" || rest == "/join") return true;
  constexpr std::string_view kInvites = "/invites/";
  return rest.starts_with(kInvites) &&
         domain::ValidateId("invite_id",
                            std::string(rest.substr(kInvites.size())))
             .ok();
}

HttpResponse ErrorAnswer(Code code, std::string message) {
  HttpResponse r{
      wire::HttpStatus(code),
      "application/json",
      wire::ToLine(wire::EncodeError(Status(code, std::move(message)))) + "\n",
      "",
      {}};
  Pages::Secure(r);
  return r;
}

bool IsLoopback(std::string_view peer) {
  return peer.starts_with("127.") || peer == "::1" ||
         peer.starts_with("::ffff:127.");
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

Pages::Pages(PagesOptions options)
    : options_([&] {
        options.identity_header_prefix = Lower(options.identity_header_prefix);
        return std::move(options);
      }()),
      keys_(options_.session_key) {}

void Pages::Secure(HttpResponse& response) {
  response.headers.emplace_back("Content-Security-Policy",
                                std::string(kContentSecurityPolicy));
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("Cache-Control", "no-store");
}

std::optional<HttpResponse> Pages::Page(std::string_view path) const {
  std::string_view file;
  if (IsPagePath(path)) {
    file = "page.html";
  } else if (path.starts_with("/assets/")) {
    file = path.substr(8);
  } else {
    return std::nullopt;
  }
  for (const WebAsset& asset : WebAssets()) {
    if (asset.name == file) {
      HttpResponse r{200,
                     std::string(asset.content_type),
                     std::string(asset.body),
                     "",
                     {}};
      Secure(r);
      return r;
    }
  }
  return std::nullopt;
}

Result<SignedIn> Pages::Who(const HttpRequest& request) const {
  const std::string& prefix = options_.identity_header_prefix;
  if (!prefix.empty()) {
    bool trusted = false;
    for (const std::string& proxy : options_.trusted_proxies) {
      trusted = trusted || proxy == request.peer;
    }
    const std::string_view user = request.Header(prefix + "user");
    if (trusted && !user.empty()) {
      SignedIn person;
      person.id = std::string(user);
      person.email = std::string(request.Header(prefix + "email"));
      person.name = std::string(request.Header(prefix + "preferred-username"));
      if (person.name.empty()) person.name = person.id;
      person.nonce = "proxy:" + person.id;
      return person;
    }
  }
  std::optional<SignedIn> session = keys_.Open(
      CookieValue(request.Header("cookie"), kSessionCookie), NowUnix());
  if (session.has_value()) return std::move(*session);
  return Status(Code::kUnauthenticated,
                options_.dev_login ? "not signed in: sign in at /signin"
                : prefix.empty()
                    ? "not signed in: this server has no sign-in (start "
                      "serve with --identity-header-prefix behind an "
                      "authenticating proxy, or --dev-login)"
                    : "not signed in: the authenticating proxy sent no " +
                          prefix + "user header");
}

std::string Pages::Origin(const HttpRequest& request) const {
  if (!options_.public_url.empty()) {
    // scheme://host[:port], without a path.
    const std::size_t scheme = options_.public_url.find("://");
    const std::size_t path = options_.public_url.find(
        '/', scheme == std::string::npos ? 0 : scheme + 3);
    return options_.public_url.substr(0, path);
  }
  return "http://" + std::string(request.Header("host"));
}

Status Pages::CheckChange(const HttpRequest& request,
                          const SignedIn& person) const {
  const std::string_view origin = request.Header("origin");
  const std::string_view site = request.Header("sec-fetch-site");
  if (!origin.empty() ? origin != Origin(request)
                      : !site.empty() && site != "same-origin") {
    return Status(Code::kForbidden,
                  "a change must come from this server's own pages (Origin " +
                      std::string(origin.empty() ? "absent" : origin) +
                      ", expected " + Origin(request) + ")");
  }
  if (!domain::ConstantTimeEquals(request.Header("x-csrf-token"),
                                  keys_.CsrfToken(person))) {
    return Status(Code::kForbidden,
                  "missing or wrong X-CSRF-Token header: reload the page "
                  "(it holds the token of your session)");
  }
  return Status::Ok();
}

std::string Pages::CsrfToken(const SignedIn& person) const {
  return keys_.CsrfToken(person);
}

std::string Pages::Cookie(std::string_view value, std::int64_t max_age) const {
  std::string cookie =
      std::string(kSessionCookie) + "=" + std::string(value) +
      "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
  if (options_.public_url.starts_with("https://")) cookie += "; Secure";
  return cookie;
}

HttpResponse Pages::SignIn(const HttpRequest& request) const {
  if (!options_.dev_login) {
    return ErrorAnswer(Code::kForbidden,
                       "this server has no sign-in form: people sign in "
                       "through the authenticating proxy (--dev-login is "
                       "for development only)");
  }
  if (!IsLoopback(request.peer)) {
    return ErrorAnswer(Code::kForbidden,
                       "the development sign-in answers loopback only");
  }
  const std::string_view origin = request.Header("origin");
  if (!origin.empty() && origin != Origin(request)) {
    return ErrorAnswer(Code::kForbidden,
                       "a sign-in must come from this server's own sign-in "
                       "page");
  }
  Result<json::value> parsed = wire::ParseStrictJson(request.body);
  if (!parsed.ok() || !parsed->is_object()) {
    return ErrorAnswer(Code::kInvalidRequest,
                       "the sign-in takes {\"id\", \"email\", \"name\"}");
  }
  const json::object& o = parsed->as_object();
  auto field = [&](std::string_view key) -> std::string {
    const json::value* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
  };
  SignedIn person;
  person.id = field("id");
  person.name = field("name");
  person.dev = true;
  Result<std::string> email = domain::ValidateEmail("email", field("email"));
  Status valid = domain::ValidateId("id", person.id);
  if (valid.ok()) valid = email.status();
  if (valid.ok()) valid = domain::ValidateFreeText("name", person.name);
  if (!valid.ok()) {
    return ErrorAnswer(Code::kInvalidArgument, valid.message());
  }
  person.email = *email;
  HttpResponse r{200,
                 "application/json",
                 json::serialize(json::object{
                     {"ok", true},
                     {"signed_in", json::object{{"id", person.id},
                                                {"email", person.email},
                                                {"name", person.name}}}}),
                 "",
                 {}};
  r.headers.emplace_back(
      "Set-Cookie",
      Cookie(keys_.Seal(std::move(person), options_.session_lifetime),
             options_.session_lifetime.count()));
  Secure(r);
  return r;
}

HttpResponse Pages::SignOut() const {
  HttpResponse r{200, "application/json", "{\"ok\":true}", "", {}};
  r.headers.emplace_back("Set-Cookie", Cookie("", 0));
  Secure(r);
  return r;
}

}  // namespace orgledger::serve
