// The projections every engine keeps: `organizations` (everything the views
// of SPEC §2 show but the audit log) and `audit_log`.
#ifndef ORGLEDGER_PROJECTIONS_BUILTIN_H_
#define ORGLEDGER_PROJECTIONS_BUILTIN_H_

#include <memory>

#include "projections/projection.h"

namespace orgledger::projections {

inline constexpr char kOrganizations[] = "organizations";
inline constexpr char kAuditLog[] = "audit_log";

std::unique_ptr<Projection> NewOrganizationsProjection();
std::unique_ptr<Projection> NewAuditLogProjection();

// The one-line, human-readable summary of an event in the audit log. Never
// a token or a token hash.
std::string AuditSummary(const ProjectedEvent& e);

}  // namespace orgledger::projections

#endif  // ORGLEDGER_PROJECTIONS_BUILTIN_H_
