// JSON text parsed as the wire format wants it: well formed, and no key twice
// in one object (RFC 8259 leaves duplicates to the parser; Boost.JSON keeps
// the last one, so `{"actor": A, "actor": B}` would silently run as B).
#ifndef ORGLEDGER_TOOLS_WIRE_STRICT_JSON_H_
#define ORGLEDGER_TOOLS_WIRE_STRICT_JSON_H_

#include <boost/json/value.hpp>
#include <string_view>

#include "base/result.h"

namespace orgledger::wire {

// The value of `text`; kInvalidRequest naming the fault otherwise: its
// syntax ("malformed JSON: ...") or the first key found twice in an object
// ("duplicate key \"actor\" ...").
Result<boost::json::value> ParseStrictJson(std::string_view text);

}  // namespace orgledger::wire

#endif  // ORGLEDGER_TOOLS_WIRE_STRICT_JSON_H_
