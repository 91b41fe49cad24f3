// The PostgreSQL store's tables (docs/postgres.md): created on first open,
// checked on every open. A database whose schema is newer than this build
// is refused by name.
#ifndef ORGLEDGER_EVENTSTORE_POSTGRES_SCHEMA_H_
#define ORGLEDGER_EVENTSTORE_POSTGRES_SCHEMA_H_

#include "base/status.h"
#include "eventstore/postgres/pg.h"

namespace orgledger::eventstore::pg {

// Creates the tables when absent (several engines opening at once take
// turns through an advisory lock) and checks the stored schema version.
Status EnsureSchema(Connection& c);

}  // namespace orgledger::eventstore::pg

#endif  // ORGLEDGER_EVENTSTORE_POSTGRES_SCHEMA_H_
