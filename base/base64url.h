// Base64url without padding (RFC 4648 §5), as the engine's ids, tokens,
// secrets and session cookies are written. Pure functions.
#ifndef ORGLEDGER_BASE_BASE64URL_H_
#define ORGLEDGER_BASE_BASE64URL_H_

#include <optional>
#include <string>
#include <string_view>

namespace orgledger {

std::string Base64UrlEncode(std::string_view bytes);

// The bytes `text` encodes, or nullopt unless it is exactly what
// Base64UrlEncode writes for some bytes: a character outside the alphabet
// (padding included), a length of 1 mod 4, or bits set after the last
// byte are refused, so that one text names one value.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace orgledger

#endif  // ORGLEDGER_BASE_BASE64URL_H_
