#include "tools/serve/session.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>
#include <chrono>

#include "base/base64url.h"
#include "commands/system_context.h"
#include "domain/context.h"

namespace orgledger::serve {
namespace {

namespace json = boost::json;

constexpr std::string_view kVersion = "v1.";

std::optional<std::string> StringField(const json::object& o,
                                       std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

}  // namespace

SessionKeys::SessionKeys(std::string key) : key_(std::move(key)) {}

std::string SessionKeys::Mac(std::string_view data) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
       &size);
  return Base64UrlEncode(std::string_view(reinterpret_cast<char*>(mac), size));
}

std::string SessionKeys::Seal(SignedIn person,
                              std::chrono::seconds lifetime) const {
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  const json::object payload{{"id", person.id},
                             {"email", person.email},
                             {"name", person.name},
                             {"dev", person.dev},
                             {"n", commands::RandomBase64Url(16)},
                             {"exp", now + lifetime.count()}};
  const std::string signed_part =
      std::string(kVersion) + Base64UrlEncode(json::serialize(payload));
  return signed_part + "." + Mac(signed_part);
}

std::optional<SignedIn> SessionKeys::Open(std::string_view cookie,
                                          std::int64_t now_unix) const {
  if (!cookie.starts_with(kVersion)) return std::nullopt;
  const std::size_t dot = cookie.rfind('.');
  if (dot < kVersion.size()) return std::nullopt;
  const std::string_view signed_part = cookie.substr(0, dot);
  if (!domain::ConstantTimeEquals(cookie.substr(dot + 1), Mac(signed_part))) {
    return std::nullopt;
  }
  std::optional<std::string> text =
      Base64UrlDecode(signed_part.substr(kVersion.size()));
  if (!text.has_value()) return std::nullopt;
  boost::system::error_code ec;
  json::value parsed = json::parse(*text, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const json::object& o = parsed.as_object();
  SignedIn person;
  std::optional<std::string> id = StringField(o, "id");
  std::optional<std::string> email = StringField(o, "email");
  std::optional<std::string> name = StringField(o, "name");
  std::optional<std::string> nonce = StringField(o, "n");
  const json::value* exp = o.if_contains("exp");
  const json::value* dev = o.if_contains("dev");
  if (!id || !email || !name || !nonce || exp == nullptr || !exp->is_int64() ||
      dev == nullptr || !dev->is_bool()) {
    return std::nullopt;
  }
  if (exp->as_int64() <= now_unix) return std::nullopt;
  return SignedIn{*id, *email, *name, dev->as_bool(), *nonce, exp->as_int64()};
}

std::string SessionKeys::CsrfToken(const SignedIn& person) const {
  return Mac(std::string("csrf") + '\0' + person.nonce);
}

std::string_view CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const std::size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view()
                                            : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      return pair.substr(eq + 1);
    }
  }
  return {};
}

}  // namespace orgledger::serve
