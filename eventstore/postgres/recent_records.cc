#include "eventstore/postgres/recent_records.h"

namespace orgledger::eventstore {

void RecentRecords::Add(const std::vector<RecordedEvent>& records) {
  if (max_ == 0 || records.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (const RecordedEvent& e : records)
    records_.insert_or_assign(e.position, e);
  while (records_.size() > max_) records_.erase(records_.begin());
}

std::vector<RecordedEvent> RecentRecords::From(Position from, Position until,
                                               std::size_t max) const {
  std::vector<RecordedEvent> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = records_.find(from);
       it != records_.end() && it->first == from && from <= until &&
       out.size() < max;
       ++it, ++from) {
    out.push_back(it->second);
  }
  return out;
}

}  // namespace orgledger::eventstore
