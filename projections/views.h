// The views of SPEC §2, read from the projections and filtered by the
// viewer's role (SPEC §1.8): a field the viewer may not see is absent, a
// view the viewer may not see is `forbidden`. Views return the JSON object
// of SPEC §6 without "ok" (the wire adds it).
#ifndef ORGLEDGER_PROJECTIONS_VIEWS_H_
#define ORGLEDGER_PROJECTIONS_VIEWS_H_

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "base/result.h"
#include "domain/editions.h"
#include "domain/types.h"
#include "projections/projection_set.h"

namespace orgledger::projections {

struct ViewRequest {
  // member_count, members, billing_managers, invites, billing, payments,
  // rum, teams, audit_log, authorize.
  std::string view;
  std::string org;
  domain::Actor viewer;
  std::optional<std::string> permission;  // authorize: "members.list", ...
  std::optional<std::string> month;       // rum: "YYYY-MM"
  std::optional<std::int64_t> limit;      // lists: 1..1000, default 100
  std::optional<std::uint64_t> before;    // lists: a `next` of a page
};

// True for the view names above.
bool IsViewName(std::string_view view);

// Answers `request` from the projections as they are now (the caller waits
// for a position first when it wants read-your-writes). Checks, in order:
// field values (invalid_argument), the organization exists (not_found), the
// viewer may see the view (forbidden). `now` is the engine's clock (RUM).
Result<boost::json::object> QueryView(ProjectionSet& projections,
                                      const ViewRequest& request,
                                      const domain::EditionCatalog& editions,
                                      domain::Micros now);

}  // namespace orgledger::projections

#endif  // ORGLEDGER_PROJECTIONS_VIEWS_H_
