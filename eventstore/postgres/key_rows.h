// The key rows of the PostgreSQL store (EventStore::GetKeyRow and the
// rest): the orgledger_keys table every replica shares, and the purge that
// erasure asks for. Internal to the store.
#ifndef ORGLEDGER_EVENTSTORE_POSTGRES_KEY_ROWS_H_
#define ORGLEDGER_EVENTSTORE_POSTGRES_KEY_ROWS_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "eventstore/postgres/pg.h"
#include "eventstore/state_store.h"

namespace orgledger::eventstore::pg {

Result<std::optional<std::string>> GetKeyRow(Connection& c,
                                             std::string_view key);
Result<std::vector<KeyValue>> ScanKeyRows(Connection& c,
                                          std::string_view prefix);
// One statement that puts `rows` (key, value), replacing what the keys
// held: a write of key rows, and the key rows an append carries in its
// transaction.
Statement PutKeyRows(
    const std::vector<std::pair<std::string_view, std::string_view>>& rows);

// One transaction, committed synchronously whatever `sync` says (a key
// must be durable before the records sealed with it).
Status WriteKeyRows(Connection& c, const StateBatch& batch);
// VACUUM of the tables erasure rewrites: the key rows rewritten whole
// (VACUUM FULL: their dead rows' bytes leave the files, not only the
// visibility map), the snapshots and the idempotency outcomes vacuumed.
Status VacuumErased(Connection& c);

}  // namespace orgledger::eventstore::pg

#endif  // ORGLEDGER_EVENTSTORE_POSTGRES_KEY_ROWS_H_
