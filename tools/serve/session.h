// The pages' sessions: who is signed in, carried by an HMAC-signed cookie
// (HttpOnly, SameSite=Strict), and the CSRF token every change request
// carries. Any replica holding the same key (--session-key-file) accepts
// the sessions of the others. Nothing here touches a socket.
#ifndef ORGLEDGER_TOOLS_SERVE_SESSION_H_
#define ORGLEDGER_TOOLS_SERVE_SESSION_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orgledger::serve {

// The cookie's name.
inline constexpr std::string_view kSessionCookie = "orgledger_session";

// A signed-in person, as a command's actor and a view's viewer.
struct SignedIn {
  std::string id;
  std::string email;
  std::string name;
  bool dev = false;   // signed in through --dev-login
  std::string nonce;  // this session's own random value (its CSRF token's)
  std::int64_t expires = 0;  // Unix seconds
};

class SessionKeys {
 public:
  // `key` is the secret of --session-key-file (at least 16 characters).
  explicit SessionKeys(std::string key);

  // A new session for `person` (its nonce and expiry set here), as the
  // cookie's value: "v1.PAYLOAD.MAC", both base64url.
  std::string Seal(SignedIn person, std::chrono::seconds lifetime) const;

  // The person of a cookie value this key signed and that has not expired
  // at `now_unix`; nullopt otherwise (any damage, another key, too old).
  std::optional<SignedIn> Open(std::string_view cookie,
                               std::int64_t now_unix) const;

  // The CSRF token of a session: a MAC of its nonce, so that only a page
  // that could read this server's answers knows it.
  std::string CsrfToken(const SignedIn& person) const;

 private:
  std::string Mac(std::string_view data) const;

  const std::string key_;
};

// The value of cookie `name` in a Cookie header, or "".
std::string_view CookieValue(std::string_view header, std::string_view name);

}  // namespace orgledger::serve

#endif  // ORGLEDGER_TOOLS_SERVE_SESSION_H_
