// What an erasure keeps beside the log, in the key row "x" erasure_id
// (docs/format.md, "Key rows"): the organizations whose derived state the
// projections fold again when they reach its PersonErased, and, until it
// is done, the key rows it still has to delete (so that an erasure a crash
// interrupted is finished when the engine opens again). Nothing in it
// identifies the person once it is done.
#ifndef ORGLEDGER_PRIVACY_ERASURE_RECORD_H_
#define ORGLEDGER_PRIVACY_ERASURE_RECORD_H_

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "domain/types.h"
#include "eventstore/event_store.h"

namespace orgledger::privacy {

struct ErasureRecord {
  bool done = false;
  std::string by;
  domain::Micros at = 0;
  std::vector<std::string> orgs;
  std::vector<std::string> rows;  // key rows to delete; none once done
  friend bool operator==(const ErasureRecord&, const ErasureRecord&) = default;
};

Result<std::optional<ErasureRecord>> ReadErasure(eventstore::EventStore& store,
                                                 const std::string& id);
// Synced.
Status WriteErasure(eventstore::EventStore& store, const std::string& id,
                    const ErasureRecord& record);
// The erasures not done yet, by id.
Result<std::vector<std::pair<std::string, ErasureRecord>>> UnfinishedErasures(
    eventstore::EventStore& store);

}  // namespace orgledger::privacy

#endif  // ORGLEDGER_PRIVACY_ERASURE_RECORD_H_
