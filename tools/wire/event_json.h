// The JSON form of a log event, for `replay --format json` (one object a
// line, for jq): position, org, version, type, time, actor, correlation and
// causation ids, idempotency key, a summary, and the event's fields. Never
// a link token or its hash, never a card processor's token.
#ifndef ORGLEDGER_TOOLS_WIRE_EVENT_JSON_H_
#define ORGLEDGER_TOOLS_WIRE_EVENT_JSON_H_

#include <boost/json/object.hpp>
#include <string>

#include "projections/projection.h"

namespace orgledger::wire {

boost::json::object EventToJson(const projections::ProjectedEvent& e);

// The text form: "<position> <time> <org> v<version> <type> <actor>:
// <summary>".
std::string EventToText(const projections::ProjectedEvent& e);

}  // namespace orgledger::wire

#endif  // ORGLEDGER_TOOLS_WIRE_EVENT_JSON_H_
