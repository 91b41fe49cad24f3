// The JSON of the views of SPEC §2 and §6: one object per typed view
// (projections/view_types.h), without "ok" (EncodeView adds it). Fields
// the viewer may not see are left out; Nullable fields are written as null
// when empty. Times as RFC 3339 UTC with microseconds. Pure: no I/O.
#ifndef ORGLEDGER_TOOLS_WIRE_VIEW_JSON_H_
#define ORGLEDGER_TOOLS_WIRE_VIEW_JSON_H_

#include <boost/json/object.hpp>

#include "projections/view_types.h"

namespace orgledger::wire {

boost::json::object ViewJson(const projections::View& view);

}  // namespace orgledger::wire

#endif  // ORGLEDGER_TOOLS_WIRE_VIEW_JSON_H_
