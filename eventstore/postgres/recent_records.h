// RecentRecords: the last records this process committed or read from the
// PostgreSQL log, by position, so that its followers (each projection, the
// outbox) read what was just committed without a round trip each: on
// RocksDB those reads are local, here each would be a query. Bounded by a
// count; thread-safe.
#ifndef ORGLEDGER_EVENTSTORE_POSTGRES_RECENT_RECORDS_H_
#define ORGLEDGER_EVENTSTORE_POSTGRES_RECENT_RECORDS_H_

#include <cstddef>
#include <map>
#include <mutex>
#include <vector>

#include "eventstore/event_store.h"

namespace orgledger::eventstore {

class RecentRecords {
 public:
  explicit RecentRecords(std::size_t max_records) : max_(max_records) {}

  // Keeps `records` (committed ones), dropping the oldest past the bound.
  void Add(const std::vector<RecordedEvent>& records);

  // The records from `from` on, consecutive, up to `until` and at most
  // `max` of them; empty when `from` is not held.
  std::vector<RecordedEvent> From(Position from, Position until,
                                  std::size_t max) const;

 private:
  const std::size_t max_;
  mutable std::mutex mu_;
  std::map<Position, RecordedEvent> records_;
};

}  // namespace orgledger::eventstore

#endif  // ORGLEDGER_EVENTSTORE_POSTGRES_RECENT_RECORDS_H_
