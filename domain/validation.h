// Field validation of SPEC §1.1 and §1.7. Each function returns ok or
// kInvalidArgument with a message naming `field`. Nothing here logs or
// keeps what it rejects: a rejected card number is not even quoted.
#ifndef ORGLEDGER_DOMAIN_VALIDATION_H_
#define ORGLEDGER_DOMAIN_VALIDATION_H_

#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"

namespace orgledger::domain {

// 1–128 chars of [A-Za-z0-9._:@+-] (user ids, invite ids, payment ids).
Status ValidateId(std::string_view field, std::string_view value);

// 1–100 chars of [A-Za-z0-9._-], starting with a letter or digit (org, team).
Status ValidateSlug(std::string_view field, std::string_view value);

// Trims leading and trailing whitespace; what remains must be at most 254
// chars with one '@', non-empty local part and domain, no whitespace or
// control characters. Returns the trimmed email, case kept.
Result<std::string> ValidateEmail(std::string_view field,
                                  std::string_view value);

// The comparison form of an email: trimmed and lower-cased (ASCII).
std::string NormalizeEmail(std::string_view email);

// 1–`max_chars` code points of valid UTF-8, no control characters, no
// invisible or bidirectional formatting characters (Unicode Cf), and no
// card number (free text, SPEC §1.1, §1.7).
Status ValidateFreeText(std::string_view field, std::string_view value,
                        std::size_t max_chars = 200);

// True when `text` holds a run of 12–19 digits, possibly separated by single
// spaces or dashes, that passes the Luhn check. Digit groups are checked
// whole and joined with their neighbours ("4111 1111 1111 1111 123" holds
// a card); a group of more than 19 digits is searched window by window.
bool ContainsCardNumber(std::string_view text);

// 1–128 printable ASCII chars (SPEC §3.1).
Status ValidateIdempotencyKey(std::string_view value);

// The syntax of an idempotency key, and no card number: it is kept in every
// event's metadata and printed by `replay` (SPEC §3.1).
Status ValidateCorrelationId(std::string_view value);

}  // namespace orgledger::domain

#endif  // ORGLEDGER_DOMAIN_VALIDATION_H_
