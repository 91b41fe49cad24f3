// The projections every engine keeps: `organizations` (everything the views
// of SPEC §2 show but the audit log) and `audit_log`.
#ifndef ORGLEDGER_PROJECTIONS_BUILTIN_H_
#define ORGLEDGER_PROJECTIONS_BUILTIN_H_

#include <memory>
#include <string>
#include <vector>

#include "projections/projection.h"
#include "projections/projection_set.h"

namespace orgledger::projections {

inline constexpr char kOrganizations[] = "organizations";
inline constexpr char kAuditLog[] = "audit_log";

// `marks`: keep as-of marks (projections/marks.h); an as-of fold in
// memory does not.
std::unique_ptr<Projection> NewOrganizationsProjection(bool marks = true);
std::unique_ptr<Projection> NewAuditLogProjection();

// An edition some organizations are on, and the first of them by name.
struct EditionInUse {
  std::string edition;
  std::vector<std::string> orgs;  // at most `examples` of EditionsInUse
  bool more = false;              // others beyond `orgs`
};

// The editions the organizations are on, as far as the `organizations`
// projection has read the log, in name order.
Result<std::vector<EditionInUse>> EditionsInUse(ProjectionSet& set,
                                                std::size_t examples);

// An organization a person holds a role in.
struct OrgRole {
  std::string org;
  std::string role;  // "admin" | "member" | "billing_manager"
};

// The organizations `user_id` holds a role in, by name, at most `limit`,
// as far as the `organizations` projection has read the log.
Result<std::vector<OrgRole>> OrganizationsOf(ProjectionSet& set,
                                             std::string_view user_id,
                                             std::size_t limit);

// The one-line, human-readable summary of an event in the audit log. Never
// a token or a token hash.
std::string AuditSummary(const ProjectedEvent& e);

}  // namespace orgledger::projections

#endif  // ORGLEDGER_PROJECTIONS_BUILTIN_H_
