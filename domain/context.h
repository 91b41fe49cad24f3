// Context: everything a decision needs from outside the domain — the clock,
// fresh ids, random tokens, token hashing and the edition catalog — so that
// Decide is a pure function of its inputs and tests are exact.
#ifndef ORGLEDGER_DOMAIN_CONTEXT_H_
#define ORGLEDGER_DOMAIN_CONTEXT_H_

#include <string>
#include <string_view>

#include "domain/editions.h"
#include "domain/types.h"

namespace orgledger::domain {

class Context {
 public:
  virtual ~Context() = default;
  virtual Micros Now() const = 0;
  // An unguessable invitation id: at least 96 random bits, id syntax.
  virtual std::string NewInviteId() = 0;
  // A link token: at least 128 bits from a CSPRNG, URL-safe text.
  virtual std::string NewLinkToken() = 0;
  // Hex SHA-256 of a token: what events and projections keep.
  virtual std::string HashToken(std::string_view token) const = 0;
  virtual const EditionCatalog& editions() const = 0;
};

// Compares two strings in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace orgledger::domain

#endif  // ORGLEDGER_DOMAIN_CONTEXT_H_
