// Decide: the rules of SPEC §1 and §3.1 as one pure function.
#ifndef ORGLEDGER_DOMAIN_DECIDE_H_
#define ORGLEDGER_DOMAIN_DECIDE_H_

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "domain/commands.h"
#include "domain/context.h"
#include "domain/events.h"
#include "domain/state.h"

namespace orgledger::domain {

// One violated limit of a subscription change (SPEC §1.3).
struct Violation {
  std::string limit;  // "billing_managers" | "members"
  std::uint64_t current = 0;
  std::uint64_t max = 0;
  friend bool operator==(const Violation&, const Violation&) = default;
};

// The outcome of a decision. Accepted: `error` ok, `events` to append (empty
// for a no-op). Rejected: `error` holds the code; `events` is empty except
// for a recorded acceptance failure (SPEC §1.4), which holds the one
// InviteAcceptFailed event to append beside the rejection.
struct Decision {
  std::vector<Event> events;
  Status error;
  std::vector<Violation> violations;  // limit_exceeded only
  std::optional<std::string> invite_id;
  std::optional<std::string> token;  // a new link's token, returned once

  bool accepted() const { return error.ok(); }
  bool recorded_failure() const { return !error.ok() && !events.empty(); }
};

// Decides `command` against `state` (folded to state.version). Checks run in
// the order of SPEC §3.1: field values (invalid_argument), organization
// exists (not_found), the actor may do it (forbidden), expected_version
// (concurrency_conflict), then the domain rules.
Decision Decide(const OrgState& state, const CommandEnvelope& command,
                Context& context);

}  // namespace orgledger::domain

#endif  // ORGLEDGER_DOMAIN_DECIDE_H_
