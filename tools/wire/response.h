// The responses of SPEC §6, one JSON object each: an accepted command
// {"ok": true, "position", "version", "events", ...result fields}, a view
// {"ok": true, ...view fields}, or a failure {"ok": false, "error": {"code",
// "message"}} (plus "violations", a recorded failure's "position", and
// "replayed"). Never a token except a new link's, once.
#ifndef ORGLEDGER_TOOLS_WIRE_RESPONSE_H_
#define ORGLEDGER_TOOLS_WIRE_RESPONSE_H_

#include <boost/json/object.hpp>
#include <string>

#include "base/status.h"
#include "commands/engine.h"
#include "projections/view_types.h"

namespace orgledger::wire {

boost::json::object EncodeOutcome(const commands::CommandOutcome& outcome);
// {"ok": true, ...the view's fields} (tools/wire/view_json.h).
boost::json::object EncodeView(const projections::View& view);
boost::json::object EncodeError(const Status& error);
// {"ok": true, "erasure_id", "position", "keys", "organizations",
//  "plaintext_positions", "logical_ms", "purge_ms"}: what `erase` and
// POST /v1/admin/erase answer. Nothing that identifies the person.
boost::json::object EncodeEraseReport(const commands::EraseReport& report);

// The HTTP status of an error code (SPEC §3.3); 200 for ok.
int HttpStatus(Code code);

// One line of JSON (no newline).
std::string ToLine(const boost::json::object& response);

}  // namespace orgledger::wire

#endif  // ORGLEDGER_TOOLS_WIRE_RESPONSE_H_
