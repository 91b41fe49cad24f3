// The views of SPEC §2, read from the projections and filtered by the
// viewer's role (SPEC §1.8): each answers a typed result
// (projections/view_types.h) in which a field the viewer may not see is
// absent; a view the viewer may not see is `forbidden`. The JSON of SPEC §6
// is written by the wire (tools/wire/view_json.h).
#ifndef ORGLEDGER_PROJECTIONS_VIEWS_H_
#define ORGLEDGER_PROJECTIONS_VIEWS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "domain/editions.h"
#include "domain/types.h"
#include "projections/as_of.h"
#include "projections/projection_set.h"
#include "projections/view_types.h"

namespace orgledger::projections {

struct ViewRequest {
  // One of ViewNames().
  std::string view;
  std::string org;
  domain::Actor viewer;
  std::optional<std::string> permission;  // authorize: "members.list", ...
  std::optional<std::string> month;       // rum, billing: "YYYY-MM"
  std::optional<std::int64_t> limit;      // lists: 1..1000, default 100
  std::optional<std::uint64_t> before;    // lists: a `next` of a page
  // Every view but authorize: the organization as it was at that moment
  // (as_of.h), with the viewer's permissions of today.
  std::optional<AsOf> as_of;
};

// Every view name, in the order of SPEC §2: member_count, members,
// billing_managers, invites, billing, payments, rum, teams, audit_log,
// authorize.
std::span<const std::string_view> ViewNames();

// True for the names of ViewNames().
bool IsViewName(std::string_view view);

// Answers `request` from the projections as they are now (the caller waits
// for a position first when it wants read-your-writes). Checks, in order:
// the view name (invalid_request), field values (invalid_argument), the
// organization exists (not_found), the viewer may see the view
// (forbidden). `now` is the engine's clock (RUM).
Result<View> QueryView(ProjectionSet& projections, const ViewRequest& request,
                       const domain::EditionCatalog& editions,
                       domain::Micros now);

}  // namespace orgledger::projections

#endif  // ORGLEDGER_PROJECTIONS_VIEWS_H_
