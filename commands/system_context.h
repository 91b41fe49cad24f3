// SystemContext: the production domain::Context — the system clock,
// OpenSSL's CSPRNG for invitation ids and link tokens, SHA-256 for token
// hashes. Safe for concurrent use.
#ifndef ORGLEDGER_COMMANDS_SYSTEM_CONTEXT_H_
#define ORGLEDGER_COMMANDS_SYSTEM_CONTEXT_H_

#include <memory>
#include <string>
#include <string_view>

#include "domain/context.h"

namespace orgledger::commands {

// Invite ids: "inv_" + 16 random bytes (128 bits) in base64url.
// Tokens: 32 random bytes (256 bits) in base64url, 43 chars.
std::shared_ptr<domain::Context> NewSystemContext(
    domain::EditionCatalog editions);

// The system clock: microseconds since the Unix epoch, UTC.
domain::Micros SystemNowMicros();

// Hex SHA-256 of `bytes` (lower case).
std::string Sha256Hex(std::string_view bytes);

// `n` bytes from OpenSSL's CSPRNG as base64url without padding. Aborts when
// the CSPRNG fails: an engine without randomness must not hand out links.
std::string RandomBase64Url(std::size_t n);

}  // namespace orgledger::commands

#endif  // ORGLEDGER_COMMANDS_SYSTEM_CONTEXT_H_
