// The wire format of SPEC §6: one JSON object per request, a command
// {"op", "org", "actor", ...fields} or a query {"view", "org", "viewer",
// ...}. Decoding checks the request's shape — JSON, an object, a known op
// or view, its fields and their JSON types — and answers invalid_request
// with a message for anything else; values are the engine's to judge
// (invalid_argument). Shared by `exec` and `serve`. Pure: no I/O.
#ifndef ORGLEDGER_TOOLS_WIRE_REQUEST_H_
#define ORGLEDGER_TOOLS_WIRE_REQUEST_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "base/result.h"
#include "commands/engine.h"
#include "projections/views.h"

namespace orgledger::wire {

// The longest request accepted, in bytes (SPEC §6 lines, HTTP bodies).
inline constexpr std::size_t kMaxRequestBytes = 1 << 20;

struct CommandWire {
  commands::CommandRequest request;
};

struct QueryWire {
  projections::ViewRequest request;
  std::optional<eventstore::Position> min_position;
};

using Request = std::variant<CommandWire, QueryWire>;

// Decodes one request. kInvalidRequest (malformed JSON, invalid UTF-8, not
// an object, unknown op/view/field, missing field, wrong JSON type, over
// kMaxRequestBytes) or kInvalidArgument (a time that is not RFC 3339).
Result<Request> DecodeRequest(std::string_view text);

// Decodes an edition catalog {"team": {"billing_managers": 1, "members":
// 10}, ...} (null = unlimited). kInvalidArgument with a message otherwise.
Result<domain::EditionCatalog> DecodeEditions(std::string_view text);

}  // namespace orgledger::wire

#endif  // ORGLEDGER_TOOLS_WIRE_REQUEST_H_
