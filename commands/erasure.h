// Erasing a person (SPEC §10): their keys destroyed, the state derived
// from their fields made again without them, the erasure recorded as
// PersonErased in the stream `_erasures`, and the bytes purged from the
// database's files. Engine::Erase is the way in; docs/privacy.md says what
// stays and what is tested.
#ifndef ORGLEDGER_COMMANDS_ERASURE_H_
#define ORGLEDGER_COMMANDS_ERASURE_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "domain/context.h"
#include "eventstore/event_store.h"
#include "privacy/erasure_record.h"
#include "projections/projection_set.h"

namespace orgledger::commands {

// Who to erase (exactly one of user_id and email) and the operator who
// asks (recorded in PersonErased).
struct EraseRequest {
  std::optional<std::string> user_id;
  std::optional<std::string> email;
  std::string by;
};

struct EraseReport {
  std::string erasure_id;
  eventstore::Position position = 0;  // of its PersonErased
  std::size_t keys = 0;               // destroyed
  std::vector<std::string> orgs;      // whose derived state was made again
  // Records written before sealing existed that name the person in
  // plaintext: they cannot be erased without breaking the chain.
  std::vector<eventstore::Position> plaintext;
  // The logical work (keys, snapshots, the record, the projections) and
  // the purge of the files (compactions, vacuum).
  std::chrono::microseconds logical{0};
  std::chrono::microseconds purge{0};
};

// What an erasure reaches of the engine.
struct ErasureParts {
  eventstore::EventStore* store = nullptr;
  projections::ProjectionSet* projections = nullptr;
  domain::Context* context = nullptr;
  // Whether this process's projections follow the log (else they fold the
  // erasure when an engine that follows catches them up).
  bool follow = true;
  // How long to wait for the projections to reach the erasure.
  std::chrono::milliseconds wait{60000};
  // Drops an organization's state from the engine's cache.
  std::function<void(const std::string& org)> evict;
};

// kInvalidArgument for a request without exactly one of user_id and
// email, or without `by`; kNotFound when no key and no plaintext record
// names the person (never seen, or erased before); kUnavailable from the
// store.
Result<EraseReport> Erase(const ErasureParts& parts,
                          const EraseRequest& request);

// Finishes the erasures a crash interrupted (their record says what is
// left), when an engine opens.
Status FinishInterruptedErasures(const ErasureParts& parts);

}  // namespace orgledger::commands

#endif  // ORGLEDGER_COMMANDS_ERASURE_H_
